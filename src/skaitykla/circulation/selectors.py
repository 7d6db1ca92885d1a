"""Reads of the circulation app: loans, holds, fees, balances and the computed automatic blocks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from skaitykla.catalogue.models import Item, normalise_barcode
from skaitykla.circulation.choices import (
    ACTIVE_HOLD_STATUSES,
    ACTIVE_ORDER_STATUSES,
    QUEUED_HOLD_STATUSES,
    HoldStatus,
    LoanKind,
)
from skaitykla.circulation.models import (
    Fee,
    Hold,
    InHouseUse,
    Loan,
    LoanPolicy,
    StackOrder,
    Transit,
)
from skaitykla.circulation.policies import (
    POLICY_FINGERPRINT_SQL,
    Fingerprint,
    PolicyTable,
    fingerprint_of,
    policy_table,
)
from skaitykla.core import hot_statements
from skaitykla.core.calendar import CALENDAR_STAMP_SQL
from skaitykla.core.models import Library
from skaitykla.core.timezones import (
    library_today,  # noqa: F401 (selectors.library_today)
)
from skaitykla.patrons.models import Reader

ZERO = Decimal("0.00")


def find_item(barcode: str) -> Item | None:
    normalised = normalise_barcode(barcode)
    if not normalised:
        return None
    return (
        Item.objects.select_related("record", "library", "reading_room")
        .filter(barcode=normalised)
        .first()
    )


_ITEM_AND_BORROWER_SQL = f"""
    SELECT i.id,
           (SELECT l.reader_id FROM circulation_loan l
             WHERE l.item_id = i.id AND l.returned_at IS NULL),
           {POLICY_FINGERPRINT_SQL},
           {CALENDAR_STAMP_SQL.replace("%s", "%(library)s")}
      FROM catalogue_item i WHERE i.barcode = %(barcode)s
"""  # noqa: S608 - constants only; values are parameters


class ItemAndBorrower(NamedTuple):
    item_id: int
    #: The reader of the item's open loan, if any (read before the locks: may change).
    reader_id: int | None
    policy_fingerprint: Fingerprint
    #: The calendar stamp of the library asked about.
    calendar_stamp: int | None


def item_and_borrower(barcode: str, *, library: Library) -> ItemAndBorrower | None:
    """The item, the borrower of its open loan, the loan-policy fingerprint and ``library``'s
    calendar stamp for a scanned barcode, in one query: what check-in needs before it takes its
    locks in the global order (reader first)."""
    normalised = normalise_barcode(barcode)
    if not normalised:
        return None
    with connection.cursor() as cursor:
        hot_statements.execute(
            cursor, _ITEM_AND_BORROWER_SQL, {"barcode": normalised, "library": library.pk}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return ItemAndBorrower(row[0], row[1], fingerprint_of(row[2:5]), row[5])


# --- Loans -------------------------------------------------------------------------------------


def open_loan_for_item(item: Item) -> Loan | None:
    return Loan.objects.filter(item=item, returned_at__isnull=True).first()


def open_loans(*, reader: Reader) -> QuerySet[Loan]:
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=True)
        .select_related("item", "item__record", "library")
        .order_by("due_at", "id")
    )


def loan_history(*, reader: Reader) -> QuerySet[Loan]:
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=False)
        .select_related("item", "item__record", "library")
        .order_by("-returned_at", "-id")
    )


def get_loan(*, loan_id: int) -> Loan | None:
    return (
        Loan.objects.select_related("item", "item__record", "library", "reader")
        .filter(pk=loan_id)
        .first()
    )


def overdue_count(*, reader: Reader, at: datetime | None = None) -> int:
    return Loan.objects.filter(
        reader=reader,
        returned_at__isnull=True,
        kind=LoanKind.HOME,
        due_at__lt=at or timezone.now(),
        lost_at__isnull=True,
        claimed_returned_at__isnull=True,
    ).count()


def overdue_loans(*, library: Library | None = None, at: datetime | None = None) -> QuerySet[Loan]:
    queryset = Loan.objects.filter(
        returned_at__isnull=True, due_at__lt=at or timezone.now(), lost_at__isnull=True
    )
    if library is not None:
        queryset = queryset.filter(library=library)
    return queryset.select_related("item", "item__record", "reader").order_by("due_at", "id")


# --- Fees --------------------------------------------------------------------------------------


def reader_balance(reader: Reader) -> Decimal:
    """What the reader owes: the sum of the outstanding parts of their fees."""
    total = Fee.objects.filter(reader=reader, outstanding__gt=0).aggregate(
        total=Sum("outstanding")
    )["total"]
    return (total or ZERO).quantize(Decimal("0.01"))


def list_fees(*, reader: Reader, open_only: bool = False) -> QuerySet[Fee]:
    queryset = Fee.objects.filter(reader=reader).select_related("item", "loan", "library")
    if open_only:
        queryset = queryset.filter(outstanding__gt=0)
    return queryset.order_by("created_at", "id")


# --- Automatic blocks (computed, ADR 0060) -----------------------------------------------------


def block_policy(
    reader: Reader, *, library: Library | None = None, table: PolicyTable | None = None
) -> LoanPolicy:
    """The general rule (no loan type) for the reader's category at ``library`` (their home
    library by default): it holds the overdue and balance limits."""
    table = table or policy_table()
    return table.resolve(
        library_id=(library or reader.home_library).pk, category_id=reader.category_id
    )


class LoanStanding(NamedTuple):
    """What checkout weighs about a reader: open home loans, overdue ones, unpaid balance."""

    home_loans: int
    overdue: int
    balance: Decimal
    #: A manual block stops the action the read was for.
    blocked: bool | None = None


#: A manual block in force on the day that stops the action.
_BLOCKED_SQL = """
        EXISTS (SELECT 1 FROM patrons_block
                 WHERE reader_id = %(reader)s AND lifted_at IS NULL AND starts_on <= %(day)s
                   AND (ends_on IS NULL OR ends_on >= %(day)s) AND {column})
"""
BLOCK_ACTIONS = ("loans", "holds", "renewals")


def reader_blocked(*, reader_id: int, action: str, day: date) -> bool:
    """Whether a manual block in force on ``day`` stops ``action`` (loans, holds, renewals)."""
    if action not in BLOCK_ACTIONS:
        raise ValueError(f"cannot check blocks for {action!r}")
    with connection.cursor() as cursor:
        hot_statements.execute(
            cursor,
            "SELECT " + _BLOCKED_SQL.format(column=f"blocks_{action}"),
            {"reader": reader_id, "day": connection.ops.adapt_datefield_value(day)},
        )
        return bool(cursor.fetchone()[0])


def circulation_refusals_for(
    reader: Reader,
    *,
    library: Library | None = None,
    at: datetime | None = None,
    table: PolicyTable | None = None,
    standing: LoanStanding | None = None,
) -> list[str]:
    """The automatic blocks in force now, as refusal codes (``overdue_items``,
    ``balance_over_limit``). Computed from the loans and fees, never stored; ``standing``
    (``scan_standing``) saves the two reads when the caller has it already."""
    policy = block_policy(reader, library=library, table=table)
    codes = []
    if policy.max_overdue_items_before_block is not None and (
        (standing.overdue if standing else overdue_count(reader=reader, at=at))
        > policy.max_overdue_items_before_block
    ):
        codes.append("overdue_items")
    if policy.max_balance_before_block is not None and (
        (standing.balance if standing else reader_balance(reader)) > policy.max_balance_before_block
    ):
        codes.append("balance_over_limit")
    return codes


# --- Holds -------------------------------------------------------------------------------------


def hold_queue(*, record_id: int) -> QuerySet[Hold]:
    return Hold.objects.filter(record_id=record_id, status__in=QUEUED_HOLD_STATUSES).order_by(
        "position"
    )


def active_holds(*, reader: Reader) -> QuerySet[Hold]:
    return (
        Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES)
        .select_related("record", "item", "pickup_library", "trapped_item")
        .order_by("placed_at", "id")
    )


def hold_shelf(*, library: Library) -> QuerySet[Hold]:
    return (
        Hold.objects.filter(pickup_library=library, status=HoldStatus.READY)
        .select_related("record", "trapped_item", "reader")
        .order_by("shelf_expires_on", "id")
    )


def trapped_hold_for_item(item: Item) -> Hold | None:
    return Hold.objects.filter(
        trapped_item=item, status__in=(HoldStatus.IN_TRANSIT, HoldStatus.READY)
    ).first()


def pull_list(*, library: Library) -> QuerySet[Item]:
    """Items on the shelf at ``library`` that a waiting hold could take: fetch and check in."""
    waiting = Hold.objects.filter(status=HoldStatus.WAITING)
    return (
        Item.objects.filter(library=library, status="available")
        .filter(
            Q(record__holds__in=waiting.filter(item__isnull=True))
            | Q(item_holds__in=waiting.filter(item__isnull=False))
        )
        .select_related("record")
        .distinct()
        .order_by("location", "call_number", "barcode")
    )


# --- Other -------------------------------------------------------------------------------------


class ItemStanding(NamedTuple):
    """What checkout weighs about an item beyond its status, read in one query."""

    active_order: bool
    open_transit_id: int | None
    record_has_holds: bool
    #: The item's open loan (id, reader id), if any.
    open_loan_id: int | None = None
    open_loan_reader_id: int | None = None


def _literals(values: Iterable[str]) -> str:
    """Code constants (choice values) as SQL literals; never used for input."""
    texts = [str(value) for value in values]
    if not all(text.replace("_", "").isalnum() for text in texts):
        raise ValueError(f"not a plain constant: {texts!r}")
    return ", ".join(f"'{text}'" for text in texts)


_SCAN_SQL = f"""
    SELECT
        open_loans.home,
        open_loans.overdue,
        (SELECT COALESCE(SUM(outstanding), 0) FROM circulation_fee
          WHERE reader_id = %(reader)s AND outstanding > 0),
        {_BLOCKED_SQL.strip()},
        EXISTS (SELECT 1 FROM circulation_stackorder
                 WHERE item_id = %(item)s AND status IN ({_literals(ACTIVE_ORDER_STATUSES)})),
        (SELECT MIN(id) FROM circulation_transit
          WHERE item_id = %(item)s AND received_at IS NULL AND cancelled_at IS NULL),
        EXISTS (SELECT 1 FROM circulation_hold
                 WHERE record_id = %(record)s AND status IN ({_literals(ACTIVE_HOLD_STATUSES)})),
        (SELECT id FROM circulation_loan WHERE item_id = %(item)s AND returned_at IS NULL),
        (SELECT reader_id FROM circulation_loan WHERE item_id = %(item)s AND returned_at IS NULL),
        {POLICY_FINGERPRINT_SQL},
        {CALENDAR_STAMP_SQL.replace("%s", "%(library)s")}
    FROM (
        -- One pass over the reader's open home loans counts them and the overdue ones.
        SELECT COUNT(*) AS home,
            COUNT(*) FILTER (
                WHERE due_at < %(at)s AND lost_at IS NULL AND claimed_returned_at IS NULL
            ) AS overdue
        FROM circulation_loan
        WHERE reader_id = %(reader)s AND returned_at IS NULL AND kind = %(home)s
    ) open_loans
"""  # noqa: S608 - constants only; values are parameters


class ScanStanding(NamedTuple):
    """Everything a checkout weighs, read in one statement under the reader and item locks."""

    reader: LoanStanding
    item: ItemStanding
    #: The loan-policy table's fingerprint (``policies.policy_table(fingerprint=…)``).
    policy_fingerprint: Fingerprint
    #: The library's calendar stamp (``LibraryCalendar.cached(…, stamp=…)``).
    calendar_stamp: int | None


def scan_standing(
    *, reader: Reader, item: Item, library: Library, at: datetime, action: str, day: date
) -> ScanStanding:
    """The reader's standing (open home loans, overdue loans, balance, a manual block on
    ``action``), the item's (active order, open transit, holds on its record, open loan), the
    policy fingerprint and the library's calendar stamp in one statement: a checkout's reads
    after its two locks."""
    if action not in BLOCK_ACTIONS:
        raise ValueError(f"cannot check blocks for {action!r}")
    with connection.cursor() as cursor:
        hot_statements.execute(
            cursor,
            _SCAN_SQL.format(column=f"blocks_{action}"),
            {
                "reader": reader.pk,
                "home": str(LoanKind.HOME),
                "at": connection.ops.adapt_datetimefield_value(at),
                "day": connection.ops.adapt_datefield_value(day),
                "item": item.pk,
                "record": item.record_id,
                "library": library.pk,
            },
        )
        row = cursor.fetchone()
    return ScanStanding(
        LoanStanding(
            int(row[0]), int(row[1]), Decimal(str(row[2])).quantize(Decimal("0.01")), bool(row[3])
        ),
        ItemStanding(bool(row[4]), row[5], bool(row[6]), row[7], row[8]),
        fingerprint_of(row[9:12]),
        row[12],
    )


def open_transit(item: Item) -> Transit | None:
    return Transit.objects.filter(
        item=item, received_at__isnull=True, cancelled_at__isnull=True
    ).first()


def active_order_for_item(item: Item) -> StackOrder | None:
    return StackOrder.objects.filter(item=item, status__in=ACTIVE_ORDER_STATUSES).first()


def in_house_uses(*, library: Library, day: date) -> QuerySet[InHouseUse]:
    return InHouseUse.objects.filter(library=library, at__date=day)


def open_obligations(reader: Reader) -> list[str]:
    """Registered with ``patrons.obligations``: what keeps a reader from erasure."""
    reasons = []
    if Loan.objects.filter(reader=reader, returned_at__isnull=True).exists():
        reasons.append("open_loans")
    if Fee.objects.filter(reader=reader, outstanding__gt=0).exists():
        reasons.append("unpaid_fees")
    return reasons
