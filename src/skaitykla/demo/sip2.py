"""The demo self-check kiosk: one SIP2 account at the national library (``make demo`` serves
SIP2 on 127.0.0.1:6001)."""

from __future__ import annotations

from skaitykla.core.models import Library
from skaitykla.sip2.models import KioskAccount

SIP2_HOST = "127.0.0.1"
SIP2_PORT = 6001
KIOSK_USERNAME = "demo-kiosk"
KIOSK_PASSWORD = "Kiosk-demo-2026"  # noqa: S105 - published demo login
KIOSK_LOCATION = "LNB-SAVITARNA"


def seed_kiosk(*, library: Library) -> KioskAccount:
    kiosk, _created = KioskAccount.objects.update_or_create(
        username=KIOSK_USERNAME,
        defaults={
            "library": library,
            "location_code": KIOSK_LOCATION,
            "encoding": "utf-8",
            "language": "lt",
            "error_detection_required": False,
            "is_active": True,
        },
    )
    if not kiosk.check_password(KIOSK_PASSWORD):
        kiosk.set_password(KIOSK_PASSWORD)
        kiosk.save(update_fields=["password"])
    return kiosk


def demo_kiosk_info() -> dict[str, object] | None:
    kiosk = KioskAccount.objects.filter(username=KIOSK_USERNAME).select_related("library").first()
    if kiosk is None:
        return None
    return {
        "host": SIP2_HOST,
        "port": SIP2_PORT,
        "login": kiosk.username,
        "password": KIOSK_PASSWORD,
        "institution": kiosk.institution,
        "library": kiosk.library.code,
        "encoding": kiosk.encoding,
    }
