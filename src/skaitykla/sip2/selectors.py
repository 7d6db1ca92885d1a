"""Reads for the SIP2 handlers: kiosk accounts, patrons by card, items, patron summaries.

The reads behind the busiest kiosk messages (patron status, item information, checkout) are one
statement each: a kiosk network sends hundreds of them a second, and on this path the cost is
the number of statements and the Python that builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from skaitykla.catalogue.models import Item, normalise_barcode
from skaitykla.circulation.choices import HoldStatus
from skaitykla.circulation.models import Fee, Hold, Loan, LoanPolicy
from skaitykla.circulation.policies import policy_table
from skaitykla.core import hot_statements
from skaitykla.core.joined_reads import JoinedRead
from skaitykla.core.models import Library
from skaitykla.patrons import selectors as patron_selectors
from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Card, Reader
from skaitykla.patrons.normalisation import normalise_barcode as normalise_card_number
from skaitykla.sip2.models import KioskAccount

#: Readers a kiosk may serve at all.
SERVED_STATUSES = (ReaderStatus.ACTIVE, ReaderStatus.EXPIRED, ReaderStatus.BLOCKED)


def get_kiosk(*, username: str) -> KioskAccount | None:
    return (
        KioskAccount.objects.select_related("library", "service_point")
        .filter(username=username)
        .first()
    )


#: The card with its reader, the reader's category and home library (``patrons.get_card``'s
#: rows), compiled once: every patron message starts with it.
_CARD = JoinedRead(Card, related=("reader__category", "reader__home_library"))


def get_card(*, barcode: str) -> Card | None:
    normalised = normalise_card_number(barcode) if barcode else ""
    if not normalised:
        return None
    return _CARD.first("t0.barcode = %s", [normalised])


def get_item(*, barcode: str) -> Item | None:
    normalised = normalise_barcode(barcode)
    if not normalised:
        return None
    return (
        Item.objects.select_related("record", "library", "reading_room")
        .filter(barcode=normalised)
        .first()
    )


def open_loan_for_item(*, item: Item) -> Loan | None:
    return Loan.objects.filter(item=item, returned_at__isnull=True).first()


def item_label(*, barcode: str) -> Item | None:
    """The item with its title and library only (for a refusal's screen fields)."""
    normalised = normalise_barcode(barcode)
    if not normalised:
        return None
    return (
        Item.objects.select_related("record", "library")
        .only("barcode", "record__title", "record__subtitle", "library__code")
        .filter(barcode=normalised)
        .first()
    )


@dataclass(frozen=True)
class ItemInformation:
    """What SIP2 ``18`` tells about an item."""

    barcode: str
    status: str
    title: str
    library_code: str
    #: The reading room's code, else the item's shelf location.
    location: str
    #: Due date of its open loan (None: not on loan).
    due_at: datetime | None
    #: Readers waiting for it (item-level holds and the record's title-level holds).
    hold_queue: int
    #: Last day on the hold shelf of the hold it is trapped for (None: not trapped, or no date).
    shelf_expires_on: date | None


_ITEM_INFORMATION_SQL = """
SELECT i.barcode, i.status, r.title, r.subtitle, lib.code, room.code, i.location,
       (SELECT l.due_at FROM circulation_loan l
         WHERE l.item_id = i.id AND l.returned_at IS NULL),
       (SELECT COUNT(*) FROM circulation_hold h
         WHERE (h.item_id = i.id OR (h.record_id = i.record_id AND h.item_id IS NULL))
           AND h.status IN (%(waiting)s, %(suspended)s)),
       (SELECT h.shelf_expires_on FROM circulation_hold h
         WHERE h.trapped_item_id = i.id AND h.status IN (%(ready)s, %(in_transit)s))
  FROM catalogue_item i
  JOIN catalogue_record r ON r.id = i.record_id
  JOIN core_library lib ON lib.id = i.library_id
  LEFT JOIN core_readingroom room ON room.id = i.reading_room_id
 WHERE i.barcode = %(barcode)s
"""


def _from_db(model: type[Model], name: str, value: object) -> Any:
    """``value`` of ``model.name`` as the ORM returns it (SQLite gives dates as text)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    column = field.get_col(model._meta.db_table)
    for convert in (
        *connection.ops.get_db_converters(column),
        *column.get_db_converters(connection),
    ):
        value = convert(value, column, connection)
    return value


def item_information(*, barcode: str) -> ItemInformation | None:
    """The item, its open loan, its hold queue and its trapped hold in one statement (an item
    has at most one open loan and one trapped hold: unique constraints)."""
    normalised = normalise_barcode(barcode)
    if not normalised:
        return None
    params = {
        "barcode": normalised,
        "waiting": HoldStatus.WAITING.value,
        "suspended": HoldStatus.SUSPENDED.value,
        "ready": HoldStatus.READY.value,
        "in_transit": HoldStatus.IN_TRANSIT.value,
    }
    with connection.cursor() as cursor:
        hot_statements.execute(cursor, _ITEM_INFORMATION_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    item_barcode, status, title, subtitle, library_code, room, location, due_at, queued, trapped = (
        row
    )
    return ItemInformation(
        barcode=item_barcode,
        status=status,
        title=f"{title} : {subtitle}" if subtitle else title,
        library_code=library_code,
        location=room if room is not None else location,
        due_at=_from_db(Loan, "due_at", due_at) if due_at is not None else None,
        hold_queue=int(queued or 0),
        shelf_expires_on=(
            _from_db(Hold, "shelf_expires_on", trapped) if trapped is not None else None
        ),
    )


@dataclass(frozen=True)
class KioskCheckoutTarget:
    """An item a kiosk is asked to lend, read under the reader's lock."""

    barcode: str
    open_loan_id: int | None
    open_loan_reader_id: int | None
    #: Its open loan was made by this kiosk for this reader within the retry window: a resend.
    repeated: bool


_CHECKOUT_TARGET_SQL = """
SELECT i.barcode, l.id, l.reader_id,
       EXISTS (SELECT 1 FROM sip2_kioskcheckout k
                WHERE k.kiosk_id = %(kiosk)s AND k.item_barcode = i.barcode
                  AND k.reader_id = %(reader)s AND k.loan_id = l.id AND k.at >= %(since)s)
  FROM catalogue_item i
  LEFT JOIN circulation_loan l ON l.item_id = i.id AND l.returned_at IS NULL
 WHERE i.barcode = %(barcode)s
"""


def kiosk_checkout_target(
    *, kiosk: KioskAccount, item_barcode: str, reader: Reader, minutes: int
) -> KioskCheckoutTarget | None:
    """The item by barcode, its open loan, and whether that loan is this kiosk's own recent
    checkout for this reader within ``minutes`` (a resend), in one statement; None: no such item.
    Read it after locking the reader, so that a resend racing its original sees the loan."""
    normalised = normalise_barcode(item_barcode)
    if not normalised:
        return None
    since = timezone.now() - timedelta(minutes=minutes)
    params = {
        "kiosk": kiosk.pk,
        "reader": reader.pk,
        # As the ORM writes it (SQLite keeps UTC text without an offset).
        "since": connection.ops.adapt_datetimefield_value(since),
        "barcode": normalised,
    }
    with connection.cursor() as cursor:
        hot_statements.execute(cursor, _CHECKOUT_TARGET_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    barcode, loan_id, loan_reader_id, repeated = row
    return KioskCheckoutTarget(barcode, loan_id, loan_reader_id, bool(repeated) and bool(loan_id))


def loan_for_reply(*, loan_id: int) -> Loan:
    """An open loan with what a ``12``/``30`` reply shows (item barcode and title)."""
    return Loan.objects.select_related("item", "item__record").get(pk=loan_id)


def patron_policy(*, reader: Reader, library: Library) -> LoanPolicy:
    """The circulation rule for this reader at this library, before any item is known."""
    return policy_table().resolve(library_id=library.pk, category_id=reader.category_id)


@dataclass
class PatronSnapshot:
    """What a kiosk is told about a reader: status flags, counts and (for ``64``) the item
    lists."""

    reader: Reader
    card: Card
    charged: list[Loan] = field(default_factory=list)
    overdue: list[Loan] = field(default_factory=list)
    holds_ready: list[Hold] = field(default_factory=list)
    holds_waiting: list[Hold] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)
    #: Open loans and overdue ones (also known when the lists were not read).
    charged_count: int = 0
    overdue_count: int = 0
    balance: Decimal = Decimal("0")
    loan_limit: int | None = None
    max_overdue: int | None = None
    max_balance: Decimal | None = None
    blocks_loans: bool = False
    blocks_renewals: bool = False
    blocks_holds: bool = False

    @property
    def card_lost(self) -> bool:
        return self.card.state == CardState.LOST

    @property
    def valid(self) -> bool:
        return self.reader.status in SERVED_STATUSES and self.card.state == CardState.ACTIVE

    @property
    def too_many_charged(self) -> bool:
        return self.loan_limit is not None and self.charged_count >= self.loan_limit

    @property
    def too_many_overdue(self) -> bool:
        return self.max_overdue is not None and self.overdue_count >= self.max_overdue

    @property
    def excessive_fines(self) -> bool:
        return self.max_balance is not None and self.balance >= self.max_balance

    @property
    def charge_denied(self) -> bool:
        return (
            not self.valid
            or self.reader.status != ReaderStatus.ACTIVE
            or self.blocks_loans
            or self.too_many_charged
            or self.too_many_overdue
            or self.excessive_fines
        )

    @property
    def renewal_denied(self) -> bool:
        return not self.valid or self.reader.status != ReaderStatus.ACTIVE or self.blocks_renewals

    @property
    def hold_denied(self) -> bool:
        return not self.valid or self.reader.status != ReaderStatus.ACTIVE or self.blocks_holds


#: Counts, balance and the manual blocks in force (a bit each: loans 1, renewals 2, holds 4).
_PATRON_SUMMARY_SQL = """
SELECT
    (SELECT COUNT(*) FROM circulation_loan
      WHERE reader_id = %(reader)s AND returned_at IS NULL),
    (SELECT COUNT(*) FROM circulation_loan
      WHERE reader_id = %(reader)s AND returned_at IS NULL AND due_at < %(now)s),
    (SELECT COALESCE(SUM(outstanding), 0) FROM circulation_fee
      WHERE reader_id = %(reader)s AND outstanding > 0),
    (SELECT COALESCE(MAX(CASE WHEN b.blocks_loans THEN 1 ELSE 0 END), 0)
          + COALESCE(MAX(CASE WHEN b.blocks_renewals THEN 2 ELSE 0 END), 0)
          + COALESCE(MAX(CASE WHEN b.blocks_holds THEN 4 ELSE 0 END), 0)
       FROM patrons_block b
      WHERE b.reader_id = %(reader)s AND b.lifted_at IS NULL AND b.starts_on <= %(day)s
        AND (b.ends_on IS NULL OR b.ends_on >= %(day)s))
"""


def patron_snapshot(
    *, card: Card, library: Library, now: datetime | None = None, with_items: bool = True
) -> PatronSnapshot:
    """The reader's standing at ``library``; ``with_items=False`` (SIP2 ``23``, ``01``) reads
    the counts, balance and blocks only, in one statement."""
    now = now or timezone.now()
    reader = card.reader
    snapshot = PatronSnapshot(reader=reader, card=card)
    today = patron_selectors.library_today(library, now)
    if with_items:
        _read_item_lists(snapshot, now=now, today=today)
    else:
        _read_summary(snapshot, now=now, today=today)
    policy = patron_policy(reader=reader, library=library)
    snapshot.loan_limit = (
        policy.max_loans_total if policy.max_loans_total is not None else reader.category.loan_limit
    )
    snapshot.max_overdue = policy.max_overdue_items_before_block
    snapshot.max_balance = policy.max_balance_before_block
    return snapshot


def _read_summary(snapshot: PatronSnapshot, *, now: datetime, today: date) -> None:
    params = {
        "reader": snapshot.reader.pk,
        # As the ORM writes them (SQLite keeps UTC text without an offset).
        "now": connection.ops.adapt_datetimefield_value(now),
        "day": connection.ops.adapt_datefield_value(today),
    }
    with connection.cursor() as cursor:
        hot_statements.execute(cursor, _PATRON_SUMMARY_SQL, params)
        charged, overdue, balance, blocks = cursor.fetchone()
    snapshot.charged_count = int(charged)
    snapshot.overdue_count = int(overdue)
    snapshot.balance = Decimal(str(balance)).quantize(Decimal("0.01"))
    snapshot.blocks_loans = bool(int(blocks) & 1)
    snapshot.blocks_renewals = bool(int(blocks) & 2)
    snapshot.blocks_holds = bool(int(blocks) & 4)


def _read_item_lists(snapshot: PatronSnapshot, *, now: datetime, today: date) -> None:
    reader = snapshot.reader
    loans = list(
        Loan.objects.select_related("item", "item__record")
        .filter(reader=reader, returned_at__isnull=True)
        .order_by("due_at", "id")
    )
    snapshot.charged = loans
    snapshot.overdue = [loan for loan in loans if loan.due_at < now]
    snapshot.charged_count = len(snapshot.charged)
    snapshot.overdue_count = len(snapshot.overdue)
    holds = list(
        Hold.objects.select_related("record")
        .filter(
            reader=reader,
            status__in=[
                HoldStatus.READY,
                HoldStatus.WAITING,
                HoldStatus.SUSPENDED,
                HoldStatus.IN_TRANSIT,
            ],
        )
        .order_by("placed_at", "id")
    )
    snapshot.holds_ready = [hold for hold in holds if hold.status == HoldStatus.READY]
    snapshot.holds_waiting = [hold for hold in holds if hold.status != HoldStatus.READY]
    snapshot.fees = list(
        Fee.objects.filter(reader=reader, outstanding__gt=0).order_by("created_at", "id")
    )
    snapshot.balance = sum((fee.outstanding for fee in snapshot.fees), Decimal("0"))
    for block in patron_selectors.active_blocks(reader=reader, day=today):
        snapshot.blocks_loans |= block.blocks_loans
        snapshot.blocks_renewals |= block.blocks_renewals
        snapshot.blocks_holds |= block.blocks_holds
