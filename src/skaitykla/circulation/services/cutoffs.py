"""Editing the closed-stack order cut-offs (per weekday, per library or reading room).

``services.orders`` reads them when a same-day order is placed (ADR 0061); staff change them on
the loan-policy page. Every change is audited (ids and the weekday only).
"""

from __future__ import annotations

from django.db import transaction

from skaitykla.accounts.models import User
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.models import StackOrderCutoff
from skaitykla.circulation.services.gate import audit

OBJECT_TYPE = "circulation.stackordercutoff"


def save_order_cutoff(*, cutoff: StackOrderCutoff, staff: User | None) -> StackOrderCutoff:
    """Create or change a cut-off; the model's checks (one row per place and weekday) apply."""
    cutoff.full_clean()
    with transaction.atomic():
        created = cutoff.pk is None
        cutoff.save()
        audit(
            "order_cutoff_created" if created else "order_cutoff_changed",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=cutoff.pk,
            library=cutoff.library,
            weekday=cutoff.weekday,
            reading_room_id=cutoff.reading_room_id,
        )
    return cutoff


def delete_order_cutoff(*, cutoff: StackOrderCutoff, staff: User | None) -> None:
    with transaction.atomic():
        cutoff_id, library = cutoff.pk, cutoff.library
        weekday, room_id = cutoff.weekday, cutoff.reading_room_id
        cutoff.delete()
        audit(
            "order_cutoff_deleted",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=cutoff_id,
            library=library,
            weekday=weekday,
            reading_room_id=room_id,
        )
