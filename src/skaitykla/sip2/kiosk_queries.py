"""Reads behind the staff kiosk pages: the accounts and their offline (no-block) transactions;
each list costs a fixed number of queries whatever its length."""

from __future__ import annotations

from django.db.models import QuerySet

from skaitykla.sip2.choices import NoBlockOutcome
from skaitykla.sip2.models import KioskAccount, NoBlockTransaction

#: How many offline kiosk transactions the reconciliation list shows (newest first).
NO_BLOCK_SHOWN = 200


def list_kiosks() -> QuerySet[KioskAccount]:
    return KioskAccount.objects.select_related("library", "service_point").order_by(
        "-is_active", "username"
    )


def get_kiosk_by_id(*, kiosk_id: int) -> KioskAccount | None:
    return KioskAccount.objects.select_related("library").filter(pk=kiosk_id).first()


def list_no_block(*, open_only: bool) -> QuerySet[NoBlockTransaction]:
    """Offline kiosk transactions, newest first; ``open_only``: exceptions nobody reviewed."""
    rows = NoBlockTransaction.objects.select_related("kiosk", "kiosk__library")
    if open_only:
        rows = rows.filter(outcome=NoBlockOutcome.EXCEPTION, resolved_at__isnull=True)
    return rows.order_by("-received_at", "-id")[:NO_BLOCK_SHOWN]


def get_no_block(*, entry_id: int) -> NoBlockTransaction | None:
    return NoBlockTransaction.objects.filter(pk=entry_id).first()
