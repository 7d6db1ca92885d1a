"""State changes owned by core: the audit log and the de-identified statistics facts.

Every domain writes its audit rows through :func:`record_audit` and its statistics facts through
:func:`record_service_event`; neither accepts personal data values.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from skaitykla.core.choices import ActorKind
from skaitykla.core.compiled_writes import append_row
from skaitykla.core.models import AuditEntry, Library, ServiceFact
from skaitykla.core.timezones import library_zone

_FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "password",
        "pin",
        "card",
        "card_number",
        "name",
        "email",
        "phone",
        "address",
    }
)


def record_audit(
    *,
    actor_kind: str,
    actor_id: object = "",
    action: str,
    object_type: str = "",
    object_id: object = "",
    library: Library | None = None,
    detail: dict[str, object] | None = None,
) -> AuditEntry:
    """Append one audit row. ``detail`` may hold codes and ids, never personal values. In a
    batch of writes (``write_batches``) the row is queued and gets its key when it is sent."""
    if actor_kind not in ActorKind.values:
        raise ValueError(f"unknown actor kind {actor_kind!r}")
    detail = dict(detail or {})
    leaked = _FORBIDDEN_DETAIL_KEYS.intersection(key.lower() for key in detail)
    if leaked:
        raise ValueError(f"audit detail must not carry personal data: {sorted(leaked)}")
    return append_row(
        AuditEntry(
            actor_kind=actor_kind,
            actor_id=str(actor_id or ""),
            action=action,
            object_type=object_type,
            object_id=str(object_id or ""),
            library=library,
            detail=detail,
        )
    )


def record_service_event(
    *,
    kind: str,
    library: Library,
    place: str = "",
    channel: str = "",
    reader_category: str = "",
    age_band: str = "",
    category: str = "",
    quantity: int = 1,
    value: Decimal | float | int | None = None,
    at: datetime | None = None,
) -> ServiceFact:
    """Record one de-identified statistics fact; ``day`` is the library's local date. In a
    batch of writes (``write_batches``) the row is queued and gets its key when it is sent."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("'at' must be timezone-aware")
    day = at.astimezone(library_zone(library)).date()
    return append_row(
        ServiceFact(
            at=at,
            day=day,
            kind=kind,
            library=library,
            place=place,
            channel=channel,
            reader_category=reader_category,
            age_band=age_band,
            category=category,
            quantity=quantity,
            value=Decimal(str(value)) if value is not None else None,
        )
    )
