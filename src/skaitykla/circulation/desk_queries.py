"""Reads for the staff circulation screens (desk, hold shelf, room desks, a reader's page).

Reads only; each list is one query whatever its length, so the pages keep a constant number of
queries (asserted in tests/circulation/test_desk_views.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from skaitykla.circulation import reader_queries
from skaitykla.circulation.choices import HoldStatus, StackOrderStatus
from skaitykla.circulation.errors import BalanceOverLimitError, OverdueItemsError
from skaitykla.circulation.models import Fee, Hold, Loan, StackOrder
from skaitykla.circulation.selectors import circulation_refusals_for
from skaitykla.core.models import Library
from skaitykla.patrons.choices import CardState
from skaitykla.patrons.models import Block, Card, Reader
from skaitykla.patrons.selectors import active_blocks

#: Orders the room desk hands out, watches and sends back.
AT_ROOM_DESK = (StackOrderStatus.ON_SHELF, StackOrderStatus.IN_USE, StackOrderStatus.KEPT)


@dataclass(frozen=True)
class DeskSummary:
    """What the desk shows beside the scan box for one reader."""

    loans: list[Loan]
    ready_holds: list[Hold]
    balance: Decimal
    blocks: list[Block]
    card: Card | None
    #: Automatic blocks in force (computed from overdue loans and the balance), as messages.
    automatic_blocks: list[str]


def active_card(reader: Reader) -> Card | None:
    return reader.cards.filter(state=CardState.ACTIVE).order_by("-issued_on", "-id").first()


#: The computed blocks' codes, with the refusal each one raises at checkout.
AUTOMATIC_BLOCK_MESSAGES = {
    OverdueItemsError.code: OverdueItemsError.default_message,
    BalanceOverLimitError.code: BalanceOverLimitError.default_message,
}


def desk_summary(*, reader: Reader, day: date, library: Library) -> DeskSummary:
    codes = circulation_refusals_for(reader, library=library)
    return DeskSummary(
        loans=list(reader_queries.list_open_loans(reader=reader)),
        ready_holds=list(
            Hold.objects.filter(reader=reader, status=HoldStatus.READY)
            .select_related("record", "trapped_item", "pickup_library")
            .order_by("shelf_expires_on", "id")
        ),
        balance=reader_queries.fee_summary(reader=reader).balance,
        blocks=active_blocks(reader=reader, day=day),
        card=active_card(reader),
        automatic_blocks=[str(AUTOMATIC_BLOCK_MESSAGES.get(code, code)) for code in codes],
    )


def hold_shelf(*, library: Library) -> QuerySet[Hold]:
    """Items on this library's hold shelf, the ones whose time runs out first on top."""
    return (
        Hold.objects.filter(pickup_library=library, status=HoldStatus.READY)
        .select_related("record", "trapped_item", "reader")
        .order_by("shelf_expires_on", "id")
    )


def holds_in_transit_to(*, library: Library) -> QuerySet[Hold]:
    return (
        Hold.objects.filter(pickup_library=library, status=HoldStatus.IN_TRANSIT)
        .select_related("record", "trapped_item")
        .order_by("trapped_at", "id")
    )


def room_desk_orders(*, library: Library) -> QuerySet[StackOrder]:
    """Orders on the reading-room shelves of ``library`` or in use there."""
    return (
        StackOrder.objects.filter(room__library=library, status__in=AT_ROOM_DESK)
        .select_related("item__record", "room", "reader")
        .order_by("room__code", "pickup_until", "id")
    )


def reader_orders(*, reader: Reader) -> QuerySet[StackOrder]:
    return reader_queries.list_active_orders(reader=reader)


def reader_fees(*, reader: Reader) -> QuerySet[Fee]:
    return reader_queries.list_outstanding_fees(reader=reader)
