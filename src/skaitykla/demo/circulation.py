"""Demo circulation: loans (current, renewed, overdue, returned), fines, holds in every state,
closed-stack orders in every state, in-house uses and order cut-off times.

Rows are written directly (not through the services) so that the demo can show states that
only time produces (overdue loans, expired holds and orders); every row keeps the invariants
the services keep: one open loan per item, item statuses that agree with loans, holds and
orders, contiguous hold positions. Dates are relative to today, so the demo always looks
current. Re-running replaces the demo's circulation rows (the same rows, new ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import (
    ActorRole,
    CircChannel,
    FeeKind,
    FeeTransactionKind,
    HoldStatus,
    LoanKind,
    StackOrderStatus,
    TransitReason,
)
from skaitykla.circulation.models import (
    Fee,
    FeeTransaction,
    Hold,
    InHouseUse,
    Loan,
    NoticeSent,
    StackOrder,
    StackOrderCutoff,
    Transit,
)
from skaitykla.circulation.order_transitions import item_status_for
from skaitykla.circulation.policies import DUE_TIME
from skaitykla.core.calendar import LibraryCalendar, local_datetime
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.timezones import library_zone
from skaitykla.patrons.choices import LoanHistoryChoice
from skaitykla.patrons.models import Reader

#: The demo reader with loans (current, renewed, overdue, returned), fines and holds.
READER_WITH_LOANS = "LNB0000001"
#: The demo reader with closed-stack orders, one of them ready in the reading room.
READER_WITH_ORDER_READY = "LNB0000002"
#: The national library's storage order cut-offs (LNB: Mon–Thu until 16:00, Fri until 15:00).
CUTOFFS = {0: time(16), 1: time(16), 2: time(16), 3: time(16), 4: time(15)}
FINE_PER_DAY = Decimal("0.03")
FINE_CAP = Decimal("3.00")


@dataclass
class _Pools:
    home: list[Item]
    stacks: list[Item]
    elsewhere: list[Item]

    def take_home(self) -> Item:
        return self.home.pop(0)

    def take_stack(self) -> Item:
        return self.stacks.pop(0)


def _reader(card: str) -> Reader:
    return Reader.objects.get(cards__barcode=card)


def _pools(library: Library) -> _Pools:
    available = Item.objects.filter(status=ItemStatus.AVAILABLE).select_related("record")
    home = list(
        available.filter(library=library, loan_type=LoanType.HOME_LOAN, barcode__startswith="LV")
        .exclude(barcode__startswith="LVF")
        .order_by("-barcode")
    )
    stacks = list(
        available.filter(
            library=library,
            barcode__startswith="LVF",
            loan_type__in=(LoanType.CLOSED_STACK, LoanType.READING_ROOM),
            reading_room__isnull=True,
        ).order_by("-barcode")
    )
    elsewhere = list(available.exclude(library=library).order_by("barcode"))
    return _Pools(home=home, stacks=stacks, elsewhere=elsewhere)


def _clear() -> None:
    """Remove the demo's circulation rows (the demo database holds nothing else of value) and
    put the items they held back where they belong (open shelf or stacks)."""
    touched = (
        set(Loan.objects.filter(returned_at__isnull=True).values_list("item_id", flat=True))
        | set(Hold.objects.exclude(trapped_item=None).values_list("trapped_item_id", flat=True))
        | set(StackOrder.objects.values_list("item_id", flat=True))
        | set(Transit.objects.values_list("item_id", flat=True))
    )
    items = Item.objects.filter(pk__in=touched).exclude(barcode__startswith="LV")
    items.filter(loan_type=LoanType.READING_ROOM, reading_room__isnull=False).update(
        status=ItemStatus.ON_SHELF, due_back=None
    )
    items.exclude(loan_type=LoanType.READING_ROOM, reading_room__isnull=False).update(
        status=ItemStatus.AVAILABLE, due_back=None
    )
    NoticeSent.objects.all().delete()
    FeeTransaction.objects.all().delete()
    Fee.objects.all().delete()
    Transit.objects.all().delete()
    Hold.objects.all().delete()
    StackOrder.objects.all().delete()
    InHouseUse.objects.all().delete()
    Loan.objects.all().delete()


class _Clock:
    def __init__(self, library: Library) -> None:
        self.library = library
        self.zone = library_zone(library)
        self.now = timezone.now()
        self.today = self.now.astimezone(self.zone).date()
        self.calendar = LibraryCalendar.for_library(library)

    def at(self, days: int, hour: int = 11) -> datetime:
        """A moment ``days`` from today (negative: in the past), at ``hour`` local time."""
        return local_datetime(self.today + timedelta(days=days), time(hour), self.zone)

    def due(self, days: int) -> datetime:
        return local_datetime(self.today + timedelta(days=days), DUE_TIME, self.zone)

    def open_day(self, days: int) -> date:
        return self.calendar.next_open_day(self.today + timedelta(days=days), include_today=True)

    def open_day_before(self, days: int) -> date:
        return self.calendar.previous_open_day(
            self.today + timedelta(days=days), include_today=True
        )


def _lend(
    item: Item,
    reader: Reader,
    library: Library,
    *,
    out: datetime,
    due: datetime,
    renewals: int = 0,
    returned: datetime | None = None,
    kind: str = LoanKind.HOME,
) -> Loan:
    loan = Loan.objects.create(
        item=item,
        reader=reader,
        library=library,
        kind=kind,
        checked_out_at=out,
        due_at=due,
        returned_at=returned,
        returned_at_library=library if returned else None,
        return_channel=CircChannel.DESK if returned else "",
        renewals_count=renewals,
        last_renewed_at=out + timedelta(days=14) if renewals else None,
        channel=CircChannel.DESK,
        reader_category_code=reader.category.code,
    )
    if returned is None:
        item.status = ItemStatus.ON_LOAN
        item.due_back = timezone.localtime(due).date()
        item.save(update_fields=["status", "due_back", "updated_at"])
    return loan


def _fine(loan: Loan, *, days: int, paid: Decimal = Decimal("0")) -> Fee:
    amount = min(FINE_PER_DAY * days, FINE_CAP)
    assert loan.reader is not None
    fee = Fee.objects.create(
        reader=loan.reader,
        loan=loan,
        item=loan.item,
        library=loan.library,
        kind=FeeKind.OVERDUE,
        amount=amount,
        outstanding=amount - paid,
        created_at=loan.returned_at or timezone.now(),
    )
    if paid:
        FeeTransaction.objects.create(
            fee=fee,
            kind=FeeTransactionKind.PAYMENT,
            amount=paid,
            at=fee.created_at + timedelta(hours=1),
            library=loan.library,
        )
    return fee


def _set_status(item: Item, status: str) -> None:
    item.status = status
    item.due_back = None
    item.save(update_fields=["status", "due_back", "updated_at"])


def _loans(clock: _Clock, pools: _Pools, first: Reader, others: list[Reader]) -> None:
    library = clock.library
    # The reader with loans: three current (one renewed), two overdue, four returned.
    _lend(pools.take_home(), first, library, out=clock.at(-10), due=clock.due(20))
    _lend(pools.take_home(), first, library, out=clock.at(-25), due=clock.due(5))
    _lend(pools.take_home(), first, library, out=clock.at(-50), due=clock.due(12), renewals=1)
    _lend(pools.take_home(), first, library, out=clock.at(-40), due=clock.due(-10))
    _lend(pools.take_home(), first, library, out=clock.at(-75), due=clock.due(-45), renewals=2)
    for back in (3, 8, 15, 25):
        item = pools.take_home()
        returned = clock.at(-back, 15)
        loan = _lend(
            item, first, library, out=clock.at(-back - 20), due=clock.due(-back + 10),
            returned=returned,
        )  # fmt: skip
        if back == 25:  # brought back late: an overdue fine, partly paid
            Loan.objects.filter(pk=loan.pk).update(due_at=clock.due(-back - 6))
            loan.refresh_from_db()
            _fine(loan, days=6, paid=Decimal("0.10"))
    late = _lend(
        pools.take_home(), others[0], library, out=clock.at(-60), due=clock.due(-30),
        returned=clock.at(-2),
    )  # fmt: skip
    _fine(late, days=28)
    # Readers of the member libraries: a few current and overdue loans there.
    for n, reader in enumerate(others[1:6], start=1):
        if len(pools.elsewhere) <= 1:
            break
        item = pools.elsewhere.pop()
        due = clock.due(-3 if n % 3 == 0 else 7 + n)
        _lend(item, reader, item.library, out=clock.at(-20 - n), due=due)
    # Copies the demo catalogue shows as on loan get their loans too.
    for n, item in enumerate(
        Item.objects.filter(status=ItemStatus.ON_LOAN, loans__isnull=True).order_by("barcode")
    ):
        reader = others[n % len(others)]
        due_day = item.due_back or clock.today + timedelta(days=14)
        due = local_datetime(due_day, DUE_TIME, clock.zone)
        _lend(item, reader, item.library, out=min(clock.at(-5), due - timedelta(days=30)), due=due)


def _holds(clock: _Clock, pools: _Pools, first: Reader, others: list[Reader]) -> None:
    library = clock.library
    # Waiting: the title's copy is on loan to someone else; our reader is second in the queue.
    busy = pools.take_home()
    _lend(busy, others[1], library, out=clock.at(-6), due=clock.due(24))
    for position, reader in enumerate((others[2], first), start=1):
        Hold.objects.create(
            reader=reader,
            record=busy.record,
            pickup_library=library,
            status=HoldStatus.WAITING,
            position=position,
            placed_at=clock.at(-5 + position),
            channel=CircChannel.PORTAL,
        )
    # Ready on the hold shelf.
    ready = pools.take_home()
    Hold.objects.create(
        reader=first,
        record=ready.record,
        pickup_library=library,
        status=HoldStatus.READY,
        placed_at=clock.at(-9),
        trapped_item=ready,
        trapped_at=clock.at(-1, 10),
        ready_at=clock.at(-1, 10),
        shelf_expires_on=clock.calendar.add_open_days(clock.today, 3),
        channel=CircChannel.PORTAL,
    )
    _set_status(ready, ItemStatus.ON_HOLD_SHELF)
    # In transit from a member library to the national library.
    if pools.elsewhere:
        moving = pools.elsewhere.pop(0)
        hold = Hold.objects.create(
            reader=first,
            record=moving.record,
            pickup_library=library,
            status=HoldStatus.IN_TRANSIT,
            placed_at=clock.at(-4),
            trapped_item=moving,
            trapped_at=clock.at(-1, 12),
            channel=CircChannel.PORTAL,
        )
        Transit.objects.create(
            item=moving,
            from_library=moving.library,
            to_library=library,
            reason=TransitReason.HOLD,
            hold=hold,
            sent_at=clock.at(-1, 12),
        )
        _set_status(moving, ItemStatus.IN_TRANSIT)
    # Closed holds: expired on the shelf, cancelled by the reader, fulfilled by a loan.
    for status, reader in ((HoldStatus.EXPIRED, first), (HoldStatus.CANCELLED, others[3])):
        item = pools.home[len(pools.home) // 2]
        Hold.objects.create(
            reader=reader,
            record=item.record,
            pickup_library=library,
            status=status,
            placed_at=clock.at(-30),
            closed_at=clock.at(-7),
            cancelled_by=ActorRole.READER if status == HoldStatus.CANCELLED else "",
            channel=CircChannel.PORTAL,
        )


def _order(
    clock: _Clock,
    item: Item,
    reader: Reader,
    room: ReadingRoom,
    status: str,
    *,
    for_day: date,
    ordered: datetime,
) -> StackOrder:
    changed = ordered if status == StackOrderStatus.ORDERED else ordered + timedelta(hours=2)
    order = StackOrder.objects.create(
        reader=reader,
        item=item,
        room=room,
        for_day=for_day,
        status=status,
        ordered_at=ordered,
        status_changed_at=min(changed, clock.now),
        channel=CircChannel.PORTAL,
        cancelled_by=ActorRole.READER if status == StackOrderStatus.CANCELLED else "",
    )
    delivered = status in (
        StackOrderStatus.ON_SHELF,
        StackOrderStatus.IN_USE,
        StackOrderStatus.KEPT,
        StackOrderStatus.RETURNED_TO_STACKS,
        StackOrderStatus.EXPIRED,
    )
    if delivered:
        order.delivered_at = local_datetime(for_day, time(10), clock.zone)
        order.pickup_until = clock.calendar.add_open_days(for_day, 2)
    if status == StackOrderStatus.KEPT:
        order.keep_until = clock.calendar.add_open_days(clock.today, 3)
    if status == StackOrderStatus.IN_USE:
        start = min(
            clock.now - timedelta(minutes=30), local_datetime(for_day, time(12), clock.zone)
        )
        closing = clock.calendar.closing_time(for_day) or start + timedelta(hours=6)
        order.loan = _lend(
            item, reader, clock.library, out=start, due=max(closing, start + timedelta(hours=1)),
            kind=LoanKind.READING_ROOM,
        )  # fmt: skip
    order.save()
    item_status = item_status_for(status)
    if status != StackOrderStatus.IN_USE:
        _set_status(item, item_status)
    return order


def _orders(clock: _Clock, pools: _Pools, second: Reader, others: list[Reader]) -> None:
    rooms = {room.code: room for room in ReadingRoom.objects.filter(library=clock.library)}
    room = rooms.get("HUMANITIES") or next(iter(rooms.values()))
    today_open = clock.open_day(0)
    past = clock.open_day_before(-6)
    plan = (
        (StackOrderStatus.ON_SHELF, second, today_open, clock.at(-1, 9)),
        (StackOrderStatus.ORDERED, second, clock.open_day(1), clock.at(0, 8)),
        (StackOrderStatus.FETCHING, others[4], today_open, clock.at(0, 8)),
        (StackOrderStatus.IN_USE, others[5], today_open, clock.at(-1, 9)),
        (StackOrderStatus.KEPT, second, clock.open_day_before(-1), clock.at(-3, 9)),
        (StackOrderStatus.RETURNED_TO_STACKS, second, past, clock.at(-8, 9)),
        (StackOrderStatus.EXPIRED, others[6], past, clock.at(-8, 9)),
        (StackOrderStatus.CANCELLED, second, past, clock.at(-9, 9)),
    )
    for status, reader, day, ordered in plan:
        _order(clock, pools.take_stack(), reader, room, status, for_day=day, ordered=ordered)
    # The demo catalogue shows one stacks copy as ordered: give it its order.
    for item in Item.objects.filter(
        status=ItemStatus.ORDERED, barcode__startswith="LVF", reading_room__isnull=True
    ).exclude(stack_orders__status__in=(StackOrderStatus.ORDERED, StackOrderStatus.FETCHING)):
        _order(
            clock, item, others[7], room, StackOrderStatus.ORDERED,
            for_day=clock.open_day(1), ordered=clock.at(0, 8),
        )  # fmt: skip


def _in_house(clock: _Clock) -> int:
    items = list(
        Item.objects.filter(
            library=clock.library,
            loan_type=LoanType.READING_ROOM,
            reading_room__isnull=False,
            status__in=(ItemStatus.AVAILABLE, ItemStatus.ON_SHELF),
        ).order_by("barcode")[:6]
    )
    for n, item in enumerate(items):
        InHouseUse.objects.create(
            item=item, library=clock.library, at=clock.at(-n, 12), channel=CircChannel.DESK
        )
    return len(items)


def _cutoffs(library: Library) -> None:
    for weekday, last in CUTOFFS.items():
        StackOrderCutoff.objects.update_or_create(
            library=library,
            reading_room=None,
            weekday=weekday,
            defaults={"last_order_at": last, "delivery_minutes": 60},
        )


def seed_circulation(*, library: Library) -> dict[str, int]:
    """Create the demo's circulation rows (inside the caller's transaction)."""
    _clear()
    _cutoffs(library)
    clock = _Clock(library)
    first = _reader(READER_WITH_LOANS)
    second = _reader(READER_WITH_ORDER_READY)
    Reader.objects.filter(pk=first.pk).update(loan_history=LoanHistoryChoice.KEEP)
    others = list(
        Reader.objects.filter(status="active", cards__barcode__startswith="LNB")
        .exclude(pk__in=[first.pk, second.pk])
        .exclude(Q(blocks__isnull=False) | Q(category__code="child"))
        .select_related("category")
        .distinct()
        .order_by("pk")[:12]
    )
    pools = _pools(library)
    _loans(clock, pools, first, others)
    _holds(clock, pools, first, others)
    _orders(clock, pools, second, others)
    uses = _in_house(clock)
    return {
        "loans": Loan.objects.filter(returned_at__isnull=True).count(),
        "holds": Hold.objects.count(),
        "orders": StackOrder.objects.count(),
        "in_house_uses": uses,
    }


def demo_circulation_info() -> dict[str, str]:
    """What ``demo_info`` lists: the readers to log in as to see circulation."""
    return {
        "reader_with_loans": READER_WITH_LOANS,
        "reader_with_order_ready": READER_WITH_ORDER_READY,
    }
