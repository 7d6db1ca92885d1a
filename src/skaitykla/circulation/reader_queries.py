"""Reads for the reader's own circulation pages (portal): always scoped to one reader.

Every ``get_*`` takes the reader as well as the id, so another reader's id is simply "not
found" (the pages answer 404 and nothing leaks). Lists load what their page shows in one query
each, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from skaitykla.circulation.choices import (
    ACTIVE_HOLD_STATUSES,
    ACTIVE_ORDER_STATUSES,
    QUEUED_HOLD_STATUSES,
)
from skaitykla.circulation.errors import HoldNotFoundError, LoanNotFoundError
from skaitykla.circulation.models import Fee, Hold, Loan, StackOrder
from skaitykla.circulation.order_errors import OrderNotFoundError
from skaitykla.patrons.choices import LoanHistoryChoice
from skaitykla.patrons.models import Reader

#: Orders the reader no longer waits for, shown under "recent" on the orders page.
RECENT_ORDERS = 20
#: Returned loans shown per history page.
HISTORY_LIMIT = 200


def _id(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# --- Loans --------------------------------------------------------------------------------------


def list_open_loans(*, reader: Reader) -> QuerySet[Loan]:
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=True)
        .select_related("item__record", "library")
        .order_by("due_at", "id")
    )


def get_open_loan(*, reader: Reader, loan_id: object) -> Loan:
    pk = _id(loan_id)
    loan = list_open_loans(reader=reader).filter(pk=pk).first() if pk is not None else None
    if loan is None:
        raise LoanNotFoundError()
    return loan


def keeps_history(reader: Reader) -> bool:
    """True unless the reader asked for each loan to be anonymised on return."""
    return bool(reader.loan_history) and reader.loan_history != LoanHistoryChoice.ON_RETURN


def list_history(*, reader: Reader) -> QuerySet[Loan]:
    """Returned loans still linked to the reader (not yet anonymised), newest first."""
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=False, anonymised=False)
        .select_related("item__record", "library")
        .order_by("-returned_at", "-id")[:HISTORY_LIMIT]
    )


# --- Holds --------------------------------------------------------------------------------------


def list_active_holds(*, reader: Reader) -> QuerySet[Hold]:
    """The reader's live holds with the length of each queue (one query)."""
    queue = (
        Hold.objects.filter(record=OuterRef("record"), status__in=QUEUED_HOLD_STATUSES)
        .order_by()
        .values("record")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES)
        .select_related("record", "item", "pickup_library", "trapped_item")
        .annotate(queue_length=Subquery(queue))
        .order_by("placed_at", "id")
    )


def get_active_hold(*, reader: Reader, hold_id: object) -> Hold:
    pk = _id(hold_id)
    hold = (
        Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES, pk=pk).first()
        if pk is not None
        else None
    )
    if hold is None:
        raise HoldNotFoundError()
    return hold


# --- Closed-stack orders ----------------------------------------------------------------------


def list_active_orders(*, reader: Reader) -> QuerySet[StackOrder]:
    return (
        StackOrder.objects.filter(reader=reader, status__in=ACTIVE_ORDER_STATUSES)
        .select_related("item__record", "room")
        .order_by("for_day", "ordered_at", "id")
    )


def list_recent_closed_orders(*, reader: Reader) -> QuerySet[StackOrder]:
    return (
        StackOrder.objects.filter(reader=reader)
        .exclude(status__in=ACTIVE_ORDER_STATUSES)
        .select_related("item__record", "room")
        .order_by("-status_changed_at", "-id")[:RECENT_ORDERS]
    )


def get_active_order(*, reader: Reader, order_id: object) -> StackOrder:
    """One of the reader's live orders (whether it may be cancelled is the service's call)."""
    pk = _id(order_id)
    order = (
        StackOrder.objects.filter(reader=reader, pk=pk, status__in=ACTIVE_ORDER_STATUSES).first()
        if pk is not None
        else None
    )
    if order is None:
        raise OrderNotFoundError()
    return order


# --- Fees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeSummary:
    balance: Decimal
    count: int


def list_outstanding_fees(*, reader: Reader) -> QuerySet[Fee]:
    return (
        Fee.objects.filter(reader=reader, outstanding__gt=0)
        .select_related("item__record", "library")
        .order_by("created_at", "id")
    )


def list_settled_fees(*, reader: Reader) -> QuerySet[Fee]:
    return (
        Fee.objects.filter(reader=reader, outstanding=0)
        .select_related("item__record", "library")
        .order_by("-created_at", "-id")[:50]
    )


def fee_summary(*, reader: Reader) -> FeeSummary:
    totals = Fee.objects.filter(reader=reader, outstanding__gt=0).aggregate(
        balance=Coalesce(Sum("outstanding"), Decimal("0.00")), count=Count("pk")
    )
    return FeeSummary(balance=Decimal(totals["balance"]), count=int(totals["count"]))
