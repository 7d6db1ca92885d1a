"""Closed-stack orders to a reading room: place, fetch, deliver, use, keep, return, cancel, expire.

Every function owns its transaction: the reader row is locked before the item row (the same
order as checkout), the order row is locked before it changes, and the partial unique index
``order_one_active_per_item`` is the final guard against two active orders for one item. The
item's status follows the order (``order_transitions.ITEM_STATUS``). Using an ordered item in the
reading room opens a ``reading_room`` Loan here, under the same locks and the same one-open-loan
index as a checkout (ADR 0061).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import (
    ACTIVE_ORDER_STATUSES,
    ActorRole,
    CircChannel,
    StackOrderStatus,
)
from skaitykla.circulation.errors import (
    CardLostError,
    CirculationError,
    ItemLostError,
    ItemMissingError,
    ItemOnLoanError,
    ItemOrderedError,
    ItemWithdrawnError,
    ReaderNotFoundError,
)
from skaitykla.circulation.models import Loan, LoanPolicy, StackOrder, StackOrderCutoff
from skaitykla.circulation.order_errors import (
    ItemNotOrderableError,
    ItemUnavailableError,
    OrderAfterCutoffError,
    OrderDailyLimitError,
    OrderDayPastError,
    OrderDayTooFarError,
    OrderNotFoundError,
    OrderStateError,
    OrderTooLateTodayError,
    RoomClosedError,
    RoomPermissionRequiredError,
    WrongLibraryError,
)
from skaitykla.circulation.order_transitions import READER_CANCELLABLE, can_move, item_status_for
from skaitykla.circulation.policies import policy_table
from skaitykla.circulation.services.gate import STATS_CHANNEL, active_card, lock_item, lock_reader
from skaitykla.circulation.services.gate import check_reader as gate_check_reader
from skaitykla.circulation.services.loans import open_reading_room_loan
from skaitykla.circulation.services.notices import notify_order_ready
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.errors import CalendarError
from skaitykla.core.models import ReadingRoom
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.core.timezones import library_today
from skaitykla.patrons.models import Reader, RoomPermission
from skaitykla.patrons.selectors import age_band

if TYPE_CHECKING:
    from skaitykla.accounts.models import User

#: Delivery time when the library has no cut-off row for the weekday (LNB: "about an hour").
DEFAULT_DELIVERY_MINUTES = 60
#: How far ahead a reader may order from the stacks (calendar days from today).
ORDER_DAYS_AHEAD = 14
#: Item loan types that live in closed storage and are fetched on order.
ORDERABLE_LOAN_TYPES = (LoanType.CLOSED_STACK, LoanType.READING_ROOM)
#: Fact kind read by the stats measures ``stack_orders`` and ``stack_retrieval_minutes``.
STACK_ORDER_FACT = "stack_order"


# --- Rules -----------------------------------------------------------------------------------


def order_policy(*, reader: Reader, item: Item) -> LoanPolicy:
    """The loan-policy rule that governs orders of ``item`` by ``reader``."""
    return policy_table().resolve(
        library_id=item.library_id,
        category_id=reader.category_id,
        loan_type=item.loan_type,
        material_type=item.record.material_type,
    )


def check_reader(reader: Reader, *, day: date, action: str = "holds") -> None:
    """Refuse a reader who may not order (``holds``) or use (``loans``) items: not active,
    no valid card, blocked (the same checks as checkout, ``services.gate``)."""
    card = active_card(reader)
    gate_check_reader(None, reader, day=day, action=action, card=card)
    if card is None:
        raise CardLostError()


def check_orderable_item(item: Item) -> None:
    """Only items kept in closed storage are ordered; the item must be in the stacks now."""
    if item.loan_type not in ORDERABLE_LOAN_TYPES or item.reading_room_id is not None:
        raise ItemNotOrderableError()
    if StackOrder.objects.filter(item=item, status__in=ACTIVE_ORDER_STATUSES).exists():
        raise ItemOrderedError()
    if Loan.objects.filter(item=item, returned_at__isnull=True).exists():
        raise ItemOnLoanError()
    if item.status == ItemStatus.AVAILABLE:
        return
    refusals: dict[str, type[CirculationError]] = {
        ItemStatus.ON_LOAN: ItemOnLoanError,
        ItemStatus.WITHDRAWN: ItemWithdrawnError,
        ItemStatus.LOST: ItemLostError,
        ItemStatus.MISSING: ItemMissingError,
        ItemStatus.ORDERED: ItemOrderedError,
    }
    raise refusals.get(item.status, ItemUnavailableError)()


def _cutoff(room: ReadingRoom, weekday: int) -> StackOrderCutoff | None:
    rows = StackOrderCutoff.objects.filter(
        Q(reading_room=room) | Q(reading_room__isnull=True),
        library_id=room.library_id,
        weekday=weekday,
    )
    by_room = {row.reading_room_id: row for row in rows}
    return by_room.get(room.pk) or by_room.get(None)


def check_order_day(
    *, room: ReadingRoom, for_day: date, at: datetime, calendar: LibraryCalendar
) -> None:
    """The room must be open on ``for_day``; a same-day order must come before the weekday's
    cut-off and leave the retrieval time before the room closes."""
    today = library_today(room.library, at)
    if for_day < today:
        raise OrderDayPastError()
    if for_day > today + timedelta(days=ORDER_DAYS_AHEAD):
        raise OrderDayTooFarError()
    if not room.is_active:
        raise RoomClosedError()
    try:
        open_that_day = calendar.is_open_day(for_day)
    except CalendarError:
        open_that_day = False
    if not open_that_day:
        raise RoomClosedError(day=for_day.isoformat())
    if for_day != today:
        return
    cutoff = _cutoff(room, for_day.weekday())
    local_now = at.astimezone(calendar.zone)
    if cutoff is not None and local_now.time() > cutoff.last_order_at:
        raise OrderAfterCutoffError(cutoff=cutoff.last_order_at.strftime("%H:%M"))
    minutes = cutoff.delivery_minutes if cutoff is not None else DEFAULT_DELIVERY_MINUTES
    ready = at + timedelta(minutes=minutes)
    closing = calendar.closing_time(for_day)
    if closing is None or ready > closing:
        raise OrderTooLateTodayError()


def check_room_permission(reader: Reader, room: ReadingRoom) -> None:
    if not room.entry_requires_permission:
        return
    if not RoomPermission.objects.filter(reader=reader, room=room, allowed=True).exists():
        raise RoomPermissionRequiredError()


def pickup_until_for(*, calendar: LibraryCalendar, first_day: date, open_days: int) -> date:
    """The last day of a pickup window of ``open_days`` open days starting on ``first_day``."""
    try:
        return calendar.add_open_days(first_day, max(open_days - 1, 0))
    except CalendarError:
        return first_day + timedelta(days=max(open_days - 1, 0))


# --- Helpers ---------------------------------------------------------------------------------


def _actor(*, staff: User | None, reader: Reader | None) -> tuple[str, object]:
    if staff is not None:
        return "staff", staff.pk
    if reader is not None:
        return "reader", reader.pk
    return "system", ""


def _audit(
    order: StackOrder,
    action: str,
    *,
    staff: User | None = None,
    reader: Reader | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    kind, actor_id = _actor(staff=staff, reader=reader)
    record_audit(
        actor_kind=kind,
        actor_id=actor_id,
        action=f"circulation.order_{action}",
        object_type="circulation.stackorder",
        object_id=order.pk,
        library=order.room.library,
        detail={"status": order.status, "room": order.room.code, **(detail or {})},
    )


def _locked_order(order: StackOrder | int) -> StackOrder:
    order_id = order.pk if isinstance(order, StackOrder) else order
    try:
        return (
            StackOrder.objects.select_for_update(of=("self",), no_key=True)
            .select_related("room__library", "item__record", "reader__category")
            .get(pk=order_id)
        )
    except (StackOrder.DoesNotExist, ValueError, TypeError):
        raise OrderNotFoundError() from None


def _lock_item(item_id: int) -> Item:
    # The circulation lock (FOR NO KEY UPDATE on PostgreSQL), so orders and loans never deadlock.
    return lock_item(item_id)


def _move(
    order: StackOrder,
    target: str,
    *,
    at: datetime,
    staff: User | None,
    item: Item | None = None,
) -> Item:
    """Change the order's status (refused unless the transition table allows it) and keep the
    item's status in step; returns the locked item."""
    if not can_move(order.status, target):
        raise OrderStateError(current=order.status, target=target)
    item = item or _lock_item(order.item_id)
    order.status = target
    order.status_changed_at = at
    if staff is not None:
        order.handled_by = staff
    item.status = item_status_for(target)
    if item.status != ItemStatus.ON_LOAN:
        item.due_back = None
    item.save(update_fields=["status", "due_back", "updated_at"])
    return item


def _close_room_loan(order: StackOrder, *, at: datetime, staff: User | None) -> None:
    loan = order.loan
    if loan is None:
        return
    Loan.objects.filter(pk=loan.pk, returned_at__isnull=True).update(
        returned_at=max(at, loan.checked_out_at + timedelta(seconds=1)),
        returned_at_library=order.room.library_id,
        returned_by=staff,
        return_channel=CircChannel.DESK,
    )


# --- Use cases -------------------------------------------------------------------------------


def place_stack_order(
    *,
    reader: Reader,
    item: Item,
    room: ReadingRoom,
    for_day: date,
    staff: User | None = None,
    channel: str,
    at: datetime | None = None,
) -> StackOrder:
    """Order ``item`` from the closed stacks to ``room`` for ``for_day``."""
    at = at or timezone.now()
    with transaction.atomic():
        try:
            reader = lock_reader(reader.pk)
        except Reader.DoesNotExist:
            raise ReaderNotFoundError() from None
        item = _lock_item(item.pk)
        room = ReadingRoom.objects.select_related("library").get(pk=room.pk)
        today = library_today(room.library, at)
        check_reader(reader, day=today)
        check_orderable_item(item)
        if room.library_id != item.library_id:
            raise WrongLibraryError()
        check_room_permission(reader, room)
        calendar = LibraryCalendar.cached(room.library, room)
        check_order_day(room=room, for_day=for_day, at=at, calendar=calendar)
        policy = order_policy(reader=reader, item=item)
        placed = (
            StackOrder.objects.filter(reader=reader, for_day=for_day)
            .exclude(status=StackOrderStatus.CANCELLED)
            .count()
        )
        if placed >= policy.max_orders_per_day:
            raise OrderDailyLimitError(limit=policy.max_orders_per_day)
        try:
            with transaction.atomic():
                order = StackOrder.objects.create(
                    reader=reader,
                    item=item,
                    room=room,
                    for_day=for_day,
                    status=StackOrderStatus.ORDERED,
                    ordered_at=at,
                    status_changed_at=at,
                    channel=channel,
                    handled_by=staff,
                )
        except IntegrityError:
            raise ItemOrderedError() from None
        item.status = ItemStatus.ORDERED
        item.save(update_fields=["status", "updated_at"])
        _audit(order, "placed", staff=staff, reader=reader, detail={"item": item.pk})
    return order


def start_fetching(
    *, order: StackOrder | int, staff: User | None = None, at: datetime | None = None
) -> StackOrder:
    """The stack attendant has taken the slip and is fetching the item."""
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked_order(order)
        _move(order, StackOrderStatus.FETCHING, at=at, staff=staff)
        order.save(update_fields=["status", "status_changed_at", "handled_by"])
        _audit(order, "fetching", staff=staff)
    return order


def _retrieval_minutes(order: StackOrder, calendar: LibraryCalendar, at: datetime) -> int:
    """Minutes from the moment the fetch could start (the order, or the room's opening on the
    day ordered for, whichever is later) to delivery."""
    start = order.ordered_at
    try:
        intervals = calendar.opening_intervals(order.for_day)
    except CalendarError:
        intervals = []
    if intervals and intervals[0][0] > start:
        start = intervals[0][0]
    return max(0, int((at - start).total_seconds() // 60))


def mark_on_shelf(
    *, order: StackOrder | int, staff: User | None = None, at: datetime | None = None
) -> StackOrder:
    """The item is on the reading-room shelf: the pickup window (open days) starts; the reader
    is told after commit."""
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked_order(order)
        _move(order, StackOrderStatus.ON_SHELF, at=at, staff=staff)
        room = order.room
        calendar = LibraryCalendar.cached(room.library, room)
        policy = order_policy(reader=order.reader, item=order.item)
        first_day = max(order.for_day, library_today(room.library, at))
        order.delivered_at = at
        order.pickup_until = pickup_until_for(
            calendar=calendar, first_day=first_day, open_days=policy.order_pickup_open_days
        )
        order.save(
            update_fields=[
                "status",
                "status_changed_at",
                "handled_by",
                "delivered_at",
                "pickup_until",
            ]
        )
        reader = order.reader
        record_service_event(
            kind=STACK_ORDER_FACT,
            library=room.library,
            place=room.code,
            channel=STATS_CHANNEL.get(CircChannel(order.channel), ""),
            reader_category=reader.category.code,
            age_band=age_band(reader.age_on(library_today(room.library, at))),
            value=_retrieval_minutes(order, calendar, at),
            at=at,
        )
        _audit(order, "on_shelf", staff=staff)
        # Queued in this transaction; the outbox delivers it after commit.
        notify_order_ready(order, at=at)
    return order


def start_use(
    *, order: StackOrder | int, staff: User | None = None, at: datetime | None = None
) -> StackOrder:
    """The reader takes the item at the reading-room desk: a ``reading_room`` loan opens
    (``services.loans.open_reading_room_loan``: due back at the desk when the library closes
    today, never renewable)."""
    at = at or timezone.now()
    with transaction.atomic():
        # Reader, then order, then item: the lock order of every circulation service.
        order_id = order.pk if isinstance(order, StackOrder) else order
        reader_id = (
            StackOrder.objects.filter(pk=order_id).values_list("reader_id", flat=True).first()
        )
        if reader_id is None:
            raise OrderNotFoundError()
        reader = lock_reader(reader_id)
        order = _locked_order(order_id)
        room = order.room
        check_reader(reader, day=library_today(room.library, at), action="loans")
        if not can_move(order.status, StackOrderStatus.IN_USE):
            raise OrderStateError(current=order.status, target=StackOrderStatus.IN_USE)
        item = _lock_item(order.item_id)
        loan = open_reading_room_loan(
            item=item, reader=reader, library=room.library, staff=staff, at=at
        )
        # The loan set the item's status and due-back day (the day of the loan's due time).
        _move(order, StackOrderStatus.IN_USE, at=at, staff=staff, item=item)
        order.loan = loan
        order.keep_until = None
        order.save(
            update_fields=["status", "status_changed_at", "handled_by", "loan", "keep_until"]
        )
        _audit(order, "in_use", staff=staff, detail={"loan": loan.pk})
    return order


def keep_on_shelf(
    *, order: StackOrder | int, staff: User | None = None, at: datetime | None = None
) -> StackOrder:
    """The reader gives the item back at the desk but wants it again: it waits on the room's
    shelf for the policy's number of open days after today."""
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked_order(order)
        _move(order, StackOrderStatus.KEPT, at=at, staff=staff)
        room = order.room
        _close_room_loan(order, at=at, staff=staff)
        calendar = LibraryCalendar.cached(room.library, room)
        policy = order_policy(reader=order.reader, item=order.item)
        today = library_today(room.library, at)
        try:
            order.keep_until = calendar.add_open_days(today, policy.order_keep_open_days)
        except CalendarError:
            order.keep_until = today + timedelta(days=policy.order_keep_open_days)
        order.save(update_fields=["status", "status_changed_at", "handled_by", "keep_until"])
        _audit(order, "kept", staff=staff, detail={"keep_until": order.keep_until.isoformat()})
    return order


def return_to_stacks(
    *, order: StackOrder | int, staff: User | None = None, at: datetime | None = None
) -> StackOrder:
    """The item goes back to storage; an open reading-room loan closes."""
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked_order(order)
        _move(order, StackOrderStatus.RETURNED_TO_STACKS, at=at, staff=staff)
        _close_room_loan(order, at=at, staff=staff)
        order.save(update_fields=["status", "status_changed_at", "handled_by"])
        _audit(order, "returned_to_stacks", staff=staff)
    return order


def cancel_stack_order(
    *,
    order: StackOrder | int,
    reader: Reader | None = None,
    staff: User | None = None,
    note: str = "",
    at: datetime | None = None,
) -> StackOrder:
    """Cancel an order. A reader may cancel only their own order, and not while the item is
    being fetched or in use; staff may cancel whenever the transition table allows."""
    at = at or timezone.now()
    with transaction.atomic():
        order = _locked_order(order)
        if staff is None:
            if reader is None or order.reader_id != reader.pk:
                raise OrderNotFoundError()
            if order.status not in READER_CANCELLABLE:
                raise OrderStateError(current=order.status, target=StackOrderStatus.CANCELLED)
        _move(order, StackOrderStatus.CANCELLED, at=at, staff=staff)
        order.cancelled_by = ActorRole.STAFF if staff is not None else ActorRole.READER
        order.note = note[:300] or order.note
        order.save(
            update_fields=["status", "status_changed_at", "handled_by", "cancelled_by", "note"]
        )
        _audit(order, "cancelled", staff=staff, reader=reader)
    return order


def mark_slips_printed(*, orders: list[StackOrder], at: datetime | None = None) -> int:
    """Remember that the slips of these orders were printed (shown on the pick list)."""
    at = at or timezone.now()
    return StackOrder.objects.filter(pk__in=[o.pk for o in orders]).update(slip_printed_at=at)


def _expired_ids(today: date) -> list[int]:
    """Orders whose window has passed: waiting on the shelf past ``pickup_until``, kept past
    ``keep_until``, or never delivered and past the pickup window of their day."""
    due: list[int] = []
    on_shelf = StackOrder.objects.filter(
        status=StackOrderStatus.ON_SHELF, pickup_until__lt=today
    ).values_list("pk", flat=True)
    kept = StackOrder.objects.filter(
        status=StackOrderStatus.KEPT, keep_until__lt=today
    ).values_list("pk", flat=True)
    due += list(on_shelf) + list(kept)
    waiting = StackOrder.objects.filter(
        status__in=[StackOrderStatus.ORDERED, StackOrderStatus.FETCHING], for_day__lt=today
    ).select_related("room__library", "reader", "item__record")
    calendars: dict[int, LibraryCalendar] = {}
    for order in waiting:
        room = order.room
        calendar = calendars.get(room.pk) or LibraryCalendar.cached(room.library, room)
        calendars[room.pk] = calendar
        policy = order_policy(reader=order.reader, item=order.item)
        last = pickup_until_for(
            calendar=calendar, first_day=order.for_day, open_days=policy.order_pickup_open_days
        )
        if last < today:
            due.append(order.pk)
    return due


def expire_stack_orders(*, today: date | None = None) -> int:
    """Expire every order whose pickup or keep window has passed (open days of the room);
    the item goes back to the stacks. Returns how many expired. ``today`` defaults to the
    library's local date of each order."""
    now = timezone.now()
    expired = 0
    # No time zone is more than 14 hours ahead of UTC: a bound for every library's local date.
    candidates = _expired_ids(today or (now + timedelta(hours=14)).date())
    for order_id in candidates:
        with transaction.atomic():
            order = _locked_order(order_id)
            local_today = today or library_today(order.room.library, now)
            if order.status == StackOrderStatus.ON_SHELF and not (
                order.pickup_until and order.pickup_until < local_today
            ):
                continue
            if order.status == StackOrderStatus.KEPT and not (
                order.keep_until and order.keep_until < local_today
            ):
                continue
            if order.status in (StackOrderStatus.ORDERED, StackOrderStatus.FETCHING) and (
                order.for_day >= local_today
            ):
                continue
            if not can_move(order.status, StackOrderStatus.EXPIRED):
                continue
            _move(order, StackOrderStatus.EXPIRED, at=now, staff=None)
            order.cancelled_by = ActorRole.SYSTEM
            order.save(update_fields=["status", "status_changed_at", "cancelled_by"])
            _audit(order, "expired")
            expired += 1
    return expired


def order_ready_estimate(*, room: ReadingRoom, at: datetime | None = None) -> datetime:
    """When an order placed now for today would be on the shelf (cut-off delivery time)."""
    at = at or timezone.now()
    cutoff = _cutoff(room, library_today(room.library, at).weekday())
    minutes = cutoff.delivery_minutes if cutoff is not None else DEFAULT_DELIVERY_MINUTES
    return at + timedelta(minutes=minutes)


__all__ = [
    "cancel_stack_order",
    "expire_stack_orders",
    "keep_on_shelf",
    "mark_on_shelf",
    "mark_slips_printed",
    "order_ready_estimate",
    "place_stack_order",
    "return_to_stacks",
    "start_fetching",
    "start_use",
]
