"""Reads for the SIP2 handlers: kiosk accounts, patrons by card, items, patron summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from skaitykla.catalogue.models import Item, normalise_barcode
from skaitykla.circulation.choices import HoldStatus
from skaitykla.circulation.models import Fee, Hold, Loan, LoanPolicy
from skaitykla.circulation.policies import policy_table
from skaitykla.core.models import Library
from skaitykla.patrons import selectors as patron_selectors
from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Card, Reader
from skaitykla.sip2.models import KioskAccount, KioskCheckout

#: Readers a kiosk may serve at all.
SERVED_STATUSES = (ReaderStatus.ACTIVE, ReaderStatus.EXPIRED, ReaderStatus.BLOCKED)


def get_kiosk(*, username: str) -> KioskAccount | None:
    return (
        KioskAccount.objects.select_related("library", "service_point")
        .filter(username=username)
        .first()
    )


def get_card(*, barcode: str) -> Card | None:
    return patron_selectors.get_card(barcode=barcode) if barcode else None


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


def patron_policy(*, reader: Reader, library: Library) -> LoanPolicy:
    """The circulation rule for this reader at this library, before any item is known."""
    return policy_table().resolve(library_id=library.pk, category_id=reader.category_id)


@dataclass
class PatronSnapshot:
    """What a kiosk is told about a reader: status flags, counts and the item lists."""

    reader: Reader
    card: Card
    charged: list[Loan] = field(default_factory=list)
    overdue: list[Loan] = field(default_factory=list)
    holds_ready: list[Hold] = field(default_factory=list)
    holds_waiting: list[Hold] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)
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
        return self.loan_limit is not None and len(self.charged) >= self.loan_limit

    @property
    def too_many_overdue(self) -> bool:
        return self.max_overdue is not None and len(self.overdue) >= self.max_overdue

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


def patron_snapshot(
    *, card: Card, library: Library, now: datetime | None = None, with_items: bool = True
) -> PatronSnapshot:
    now = now or timezone.now()
    reader = card.reader
    snapshot = PatronSnapshot(reader=reader, card=card)
    loans = list(
        Loan.objects.select_related("item", "item__record")
        .filter(reader=reader, returned_at__isnull=True)
        .order_by("due_at", "id")
    )
    snapshot.charged = loans
    snapshot.overdue = [loan for loan in loans if loan.due_at < now]
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
    fees = Fee.objects.filter(reader=reader, outstanding__gt=0)
    if with_items:
        snapshot.fees = list(fees.order_by("created_at", "id"))
        snapshot.balance = sum((fee.outstanding for fee in snapshot.fees), Decimal("0"))
    else:
        snapshot.balance = fees.aggregate(total=Sum("outstanding"))["total"] or Decimal("0")
    policy = patron_policy(reader=reader, library=library)
    snapshot.loan_limit = (
        policy.max_loans_total if policy.max_loans_total is not None else reader.category.loan_limit
    )
    snapshot.max_overdue = policy.max_overdue_items_before_block
    snapshot.max_balance = policy.max_balance_before_block
    today = patron_selectors.library_today(library, now)
    for block in patron_selectors.active_blocks(reader=reader, day=today):
        snapshot.blocks_loans |= block.blocks_loans
        snapshot.blocks_renewals |= block.blocks_renewals
        snapshot.blocks_holds |= block.blocks_holds
    return snapshot


def recent_kiosk_checkout(
    *, kiosk: KioskAccount, item_barcode: str, reader: Reader, minutes: int
) -> Loan | None:
    """The open loan this kiosk made for this reader and item in the last ``minutes``."""
    since = timezone.now() - timedelta(minutes=minutes)
    record = (
        KioskCheckout.objects.filter(
            kiosk=kiosk, item_barcode=item_barcode, reader_id=reader.pk, at__gte=since
        )
        .order_by("-at", "-id")
        .first()
    )
    if record is None:
        return None
    return (
        Loan.objects.select_related("item", "item__record")
        .filter(pk=record.loan_id, returned_at__isnull=True, reader=reader)
        .first()
    )


def trapped_hold_for_item(*, item: Item) -> Hold | None:
    return (
        Hold.objects.select_related("pickup_library", "reader")
        .filter(trapped_item=item, status__in=[HoldStatus.READY, HoldStatus.IN_TRANSIT])
        .first()
    )


def hold_queue_length(*, item: Item) -> int:
    return Hold.objects.filter(
        Q(item=item) | Q(record_id=item.record_id, item__isnull=True),
        status__in=[HoldStatus.WAITING, HoldStatus.SUSPENDED],
    ).count()
