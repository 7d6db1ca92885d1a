"""Holds: placing, cancelling, suspending, reordering, expiring, and trapping items for them.

The queue of a record is its waiting and suspended holds, with positions 1..k. Every change
of a queue runs under a lock on the record row and ends with :func:`compact_queue`, which
writes the new positions in two steps (first negative, then flipped) so the unique
``(record, position)`` constraint holds after every statement on both databases.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from skaitykla.accounts.models import User
from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.catalogue.models import Item, Record
from skaitykla.circulation.choices import (
    ACTIVE_HOLD_STATUSES,
    QUEUED_HOLD_STATUSES,
    TRAPPED_HOLD_STATUSES,
    ActorRole,
    CircChannel,
    HoldStatus,
    TransitReason,
)
from skaitykla.circulation.errors import (
    AlreadyOnLoanToReaderError,
    DuplicateHoldError,
    HoldLimitError,
    HoldNotFoundError,
    HoldStateError,
    InvalidDateError,
    ItemAvailableHereError,
    PickupNotAllowedError,
    RecordNotHoldableError,
)
from skaitykla.circulation.models import Hold, Loan, Transit
from skaitykla.circulation.policies import PolicyTable, policy_table
from skaitykla.circulation.selectors import library_today, open_transit
from skaitykla.circulation.services.gate import (
    Gate,
    audit,
    check_channel,
    check_reader,
    fact,
    lock_item,
    lock_reader,
    lock_record,
    reader_snapshot,
)
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.compiled_writes import update_row
from skaitykla.core.errors import CalendarError
from skaitykla.core.models import Library
from skaitykla.patrons.models import Reader

OBJECT_TYPE = "circulation.hold"
#: Statuses of an item that no hold can take.
UNHOLDABLE_STATUSES = (ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING)


# --- Queue -------------------------------------------------------------------------------------


def _write_order(record_id: int, ordered: list[tuple[int, int | None]]) -> None:
    """``ordered``: (hold id, current position) in the wanted order → positions 1..k."""
    changes = [(hold_id, index) for index, (hold_id, old) in enumerate(ordered, 1) if old != index]
    if not changes:
        return
    for hold_id, position in changes:
        Hold.objects.filter(pk=hold_id).update(position=-position)
    Hold.objects.filter(record_id=record_id, position__lt=0).update(position=-F("position"))


def compact_queue(record_id: int) -> None:
    """Renumber the queued holds of a record 1..k, keeping their order. Caller locks the record."""
    ordered = list(
        Hold.objects.filter(record_id=record_id, status__in=QUEUED_HOLD_STATUSES)
        .order_by("position", "placed_at", "id")
        .values_list("id", "position")
    )
    _write_order(record_id, ordered)


def _leave_queue(hold: Hold, **changes: object) -> None:
    """Take a queued hold out of the queue (position cleared) and close the gap."""
    for name, value in changes.items():
        setattr(hold, name, value)
    hold.position = None
    hold.save()
    compact_queue(hold.record_id)


# --- Policies for holds ------------------------------------------------------------------------


def item_holdable(item: Item, table: PolicyTable, category_id: int | None = None) -> bool:
    if item.status in UNHOLDABLE_STATUSES or item.loan_type == LoanType.REFERENCE:
        return False
    policy = table.resolve(
        library_id=item.library_id,
        category_id=category_id,
        loan_type=item.loan_type,
        material_type=item.record.material_type,
    )
    return policy.loanable and policy.holds_allowed and policy.home_loan_allowed


def eligible_holds(item: Item, today: date) -> QuerySet[Hold]:
    """Queued holds ``item`` can fill, first in the queue first."""
    return (
        Hold.objects.filter(record_id=item.record_id, status__in=QUEUED_HOLD_STATUSES)
        .filter(Q(item__isnull=True) | Q(item=item))
        .filter(
            Q(status=HoldStatus.WAITING) | Q(status=HoldStatus.SUSPENDED, suspended_until__lt=today)
        )
        .filter(Q(not_needed_after__isnull=True) | Q(not_needed_after__gte=today))
        .select_related("reader", "pickup_library")
        .order_by("position")
    )


def _shelf_expiry(hold: Hold, item: Item, today: date, table: PolicyTable) -> date:
    policy = table.resolve(
        library_id=hold.pickup_library_id,
        category_id=hold.reader.category_id,
        loan_type=item.loan_type,
        material_type=item.record.material_type,
    )
    days = max(policy.hold_shelf_open_days, 1)
    try:
        calendar = LibraryCalendar.cached(hold.pickup_library)
        return calendar.add_open_days(today, days)
    except CalendarError:
        return today + timedelta(days=days)


# --- Trapping and routing ----------------------------------------------------------------------


@dataclass
class Routing:
    hold: Hold | None = None
    in_transit_to: Library | None = None


def make_ready(hold: Hold, item: Item, *, at: datetime, table: PolicyTable) -> None:
    """The item is on the hold shelf at the pickup library."""
    today = library_today(hold.pickup_library, at)
    hold.status = HoldStatus.READY
    hold.ready_at = at
    hold.shelf_expires_on = _shelf_expiry(hold, item, today, table)
    hold.save()
    item.status = ItemStatus.ON_HOLD_SHELF
    item.due_back = None
    update_row(item, ["status", "due_back", "updated_at"])
    # Notices (hold ready) are queued by ``services.notices`` from the ready holds.


def trap(
    hold: Hold, item: Item, *, at_library: Library, at: datetime, table: PolicyTable
) -> Routing:
    """Set ``item`` aside for ``hold``: on the shelf here or in transit to the pickup library.
    Caller holds the item and record locks."""
    hold.trapped_item = item
    hold.trapped_at = at
    hold.position = None
    if hold.pickup_library_id == at_library.pk:
        make_ready(hold, item, at=at, table=table)
        routing = Routing(hold=hold)
    else:
        hold.status = HoldStatus.IN_TRANSIT
        hold.save()
        Transit.objects.create(
            item=item,
            from_library=at_library,
            to_library=hold.pickup_library,
            reason=TransitReason.HOLD,
            hold=hold,
            sent_at=at,
        )
        item.status = ItemStatus.IN_TRANSIT
        item.due_back = None
        update_row(item, ["status", "due_back", "updated_at"])
        routing = Routing(hold=hold, in_transit_to=hold.pickup_library)
    compact_queue(hold.record_id)
    return routing


def route_item(
    item: Item, *, at_library: Library, at: datetime, table: PolicyTable, may_trap: bool = True
) -> Routing:
    """An item free of loans at ``at_library``: trap it for the first hold it can fill, else send
    it home, else put it back on the shelf. Caller holds the item lock; the record is locked
    here (lock order: item → record)."""
    queued = lock_record(item.record_id)
    today = library_today(at_library, at)
    if queued and may_trap and item_holdable(item, table):
        hold = eligible_holds(item, today).first()
        if hold is not None:
            return trap(hold, item, at_library=at_library, at=at, table=table)
    item.due_back = None
    if item.library_id != at_library.pk:
        Transit.objects.create(
            item=item,
            from_library=at_library,
            to_library=item.library,
            reason=TransitReason.HOME,
            sent_at=at,
        )
        item.status = ItemStatus.IN_TRANSIT
        update_row(item, ["status", "due_back", "updated_at"])
        return Routing(in_transit_to=item.library)
    item.status = ItemStatus.AVAILABLE
    update_row(item, ["status", "due_back", "updated_at"])
    return Routing()


def receive_transit(
    item: Item, transit: Transit, *, library: Library, at: datetime, table: PolicyTable
) -> Routing:
    """The item arrived at ``library`` (caller holds the item lock)."""
    transit.received_at = at
    transit.save(update_fields=["received_at"])
    hold = transit.hold
    if (
        hold is not None
        and hold.status == HoldStatus.IN_TRANSIT
        and hold.trapped_item_id == item.pk
    ):
        lock_record(item.record_id)
        make_ready(hold, item, at=at, table=table)
        return Routing(hold=hold)
    return route_item(item, at_library=library, at=at, table=table)


def release_trapped_item(hold: Hold, *, at: datetime, table: PolicyTable) -> Routing:
    """The trapped hold ended (cancelled, expired): pass the item to the next hold or home.
    Caller holds the item lock."""
    item = lock_item(hold.trapped_item_id) if hold.trapped_item_id else None
    if item is None:
        return Routing()
    transit = open_transit(item)
    if transit is not None:
        transit.cancelled_at = at
        transit.save(update_fields=["cancelled_at"])
        where = transit.from_library
    else:
        where = hold.pickup_library
    return route_item(item, at_library=where, at=at, table=table)


# --- Placing -----------------------------------------------------------------------------------


def place_hold(
    *,
    reader: Reader,
    record: Record | None = None,
    item: Item | None = None,
    pickup_library: Library,
    not_needed_after: date | None = None,
    staff: User | None = None,
    channel: str,
    override: Collection[str] = (),
    at: datetime | None = None,
) -> Hold:
    """Place a title-level hold (``record``) or an item-level one (``item``)."""
    check_channel(channel)
    if record is None and item is None:
        raise RecordNotHoldableError()
    at = at or timezone.now()
    gate = Gate.open(override=override, staff=staff)
    table = policy_table()
    with transaction.atomic():
        reader = lock_reader(reader.pk)
        record_id = item.record_id if item is not None else record.pk  # type: ignore[union-attr]
        lock_record(record_id)
        if item is not None:
            item = Item.objects.select_related("record", "library").get(pk=item.pk)
        today = library_today(pickup_library, at)
        check_reader(gate, reader, day=today, action="holds")
        if not pickup_library.is_active:
            raise PickupNotAllowedError()
        if not_needed_after is not None and not_needed_after < today:
            raise InvalidDateError()
        if Hold.objects.filter(
            reader=reader, record_id=record_id, status__in=ACTIVE_HOLD_STATUSES
        ).exists():
            raise DuplicateHoldError()
        if Loan.objects.filter(
            reader=reader, item__record_id=record_id, returned_at__isnull=True
        ).exists():
            raise AlreadyOnLoanToReaderError()
        candidates = (
            [item]
            if item is not None
            else list(Item.objects.filter(record_id=record_id).select_related("record"))
        )
        holdable = [c for c in candidates if item_holdable(c, table, reader.category_id)]
        if not holdable:
            raise RecordNotHoldableError()
        trapped = set(
            Hold.objects.filter(
                trapped_item__in=holdable, status__in=TRAPPED_HOLD_STATUSES
            ).values_list("trapped_item_id", flat=True)
        )
        if any(
            c.library_id == pickup_library.pk
            and c.status == ItemStatus.AVAILABLE
            and c.pk not in trapped
            for c in holdable
        ):
            gate.refuse(ItemAvailableHereError())
        policy = table.resolve(library_id=pickup_library.pk, category_id=reader.category_id)
        active = Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES).count()
        if active >= policy.max_holds:
            gate.refuse(HoldLimitError())
        last = (
            Hold.objects.filter(record_id=record_id, status__in=QUEUED_HOLD_STATUSES)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        try:
            with transaction.atomic():
                hold = Hold.objects.create(
                    reader=reader,
                    record_id=record_id,
                    item=item,
                    pickup_library=pickup_library,
                    status=HoldStatus.WAITING,
                    position=(last or 0) + 1,
                    placed_at=at,
                    not_needed_after=not_needed_after,
                    placed_by=staff,
                    channel=channel,
                )
        except IntegrityError:
            raise DuplicateHoldError() from None
        gate.audit_overrides(
            object_type=OBJECT_TYPE, object_id=hold.pk, library=pickup_library, action="hold"
        )
        audit(
            "hold_placed",
            staff=staff,
            reader=reader,
            channel=channel,
            object_type=OBJECT_TYPE,
            object_id=hold.pk,
            library=pickup_library,
            reader_id=reader.pk,
            record_id=record_id,
            item_level=item is not None,
        )
        code, band = reader_snapshot(reader, today)
        fact(
            "hold",
            library=pickup_library,
            channel=channel,
            at=at,
            category_code=code,
            band=band,
            category="item" if item is not None else "title",
        )
    return hold


# --- Changing ----------------------------------------------------------------------------------


def _own(hold: Hold | int, reader: Reader | None) -> Hold:
    hold_id = hold.pk if isinstance(hold, Hold) else int(hold)
    found = Hold.objects.filter(pk=hold_id).first()
    if found is None or (reader is not None and found.reader_id != reader.pk):
        raise HoldNotFoundError()
    return found


def _relock(hold_id: int, reader_id: int) -> Hold:
    lock_reader(reader_id)
    hold = Hold.objects.select_related("pickup_library", "reader", "record").get(pk=hold_id)
    if hold.trapped_item_id and hold.status in TRAPPED_HOLD_STATUSES:
        lock_item(hold.trapped_item_id)
    lock_record(hold.record_id)
    return Hold.objects.select_related("pickup_library", "reader", "record").get(pk=hold_id)


def cancel_hold(
    *,
    hold: Hold | int,
    reader: Reader | None = None,
    staff: User | None = None,
    channel: str = CircChannel.DESK,
    at: datetime | None = None,
) -> Hold:
    """Cancel a hold; an item set aside for it goes to the next hold or home (rule 21)."""
    at = at or timezone.now()
    found = _own(hold, reader)
    table = policy_table()
    with transaction.atomic():
        hold = _relock(found.pk, found.reader_id)
        if hold.status not in ACTIVE_HOLD_STATUSES:
            raise HoldStateError()
        by = ActorRole.STAFF if staff is not None else ActorRole.READER
        if hold.status in QUEUED_HOLD_STATUSES:
            _leave_queue(
                hold,
                status=HoldStatus.CANCELLED,
                closed_at=at,
                cancelled_by=by,
                cancelled_by_user=staff,
            )
        else:
            hold.status = HoldStatus.CANCELLED
            hold.closed_at = at
            hold.cancelled_by = by
            hold.cancelled_by_user = staff
            hold.save()
            release_trapped_item(hold, at=at, table=table)
        audit(
            "hold_cancelled",
            staff=staff,
            reader=reader,
            channel=channel,
            object_type=OBJECT_TYPE,
            object_id=hold.pk,
            library=hold.pickup_library,
        )
    return hold


def suspend_hold(
    *,
    hold: Hold | int,
    until: date | None,
    reader: Reader | None = None,
    staff: User | None = None,
    channel: str = CircChannel.DESK,
    at: datetime | None = None,
) -> Hold:
    """Suspend a waiting hold (it keeps its place; no item is set aside for it meanwhile)."""
    at = at or timezone.now()
    found = _own(hold, reader)
    with transaction.atomic():
        hold = _relock(found.pk, found.reader_id)
        if hold.status not in QUEUED_HOLD_STATUSES:
            raise HoldStateError()
        if until is not None and until < library_today(hold.pickup_library, at):
            raise InvalidDateError()
        hold.status = HoldStatus.SUSPENDED
        hold.suspended_until = until
        hold.save(update_fields=["status", "suspended_until"])
        audit(
            "hold_suspended",
            staff=staff,
            reader=reader,
            channel=channel,
            object_type=OBJECT_TYPE,
            object_id=hold.pk,
            library=hold.pickup_library,
        )
    return hold


def resume_hold(
    *,
    hold: Hold | int,
    reader: Reader | None = None,
    staff: User | None = None,
    channel: str = CircChannel.DESK,
) -> Hold:
    found = _own(hold, reader)
    with transaction.atomic():
        hold = _relock(found.pk, found.reader_id)
        if hold.status != HoldStatus.SUSPENDED:
            raise HoldStateError()
        hold.status = HoldStatus.WAITING
        hold.suspended_until = None
        hold.save(update_fields=["status", "suspended_until"])
        audit(
            "hold_resumed",
            staff=staff,
            reader=reader,
            channel=channel,
            object_type=OBJECT_TYPE,
            object_id=hold.pk,
            library=hold.pickup_library,
        )
    return hold


def move_hold(*, hold: Hold | int, position: int, staff: User) -> Hold:
    """Staff reorder: put a queued hold at ``position`` (clamped to 1..k)."""
    found = _own(hold, None)
    with transaction.atomic():
        lock_record(found.record_id)
        hold = Hold.objects.select_related("pickup_library").get(pk=found.pk)
        if hold.status not in QUEUED_HOLD_STATUSES:
            raise HoldStateError()
        ordered = list(
            Hold.objects.filter(record_id=hold.record_id, status__in=QUEUED_HOLD_STATUSES)
            .order_by("position", "placed_at", "id")
            .values_list("id", "position")
        )
        mine = next(entry for entry in ordered if entry[0] == hold.pk)
        ordered.remove(mine)
        index = min(max(int(position), 1), len(ordered) + 1) - 1
        ordered.insert(index, mine)
        _write_order(hold.record_id, ordered)
        hold.refresh_from_db()
        audit(
            "hold_moved",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=hold.pk,
            library=hold.pickup_library,
            position=hold.position,
        )
    return hold


# --- Expiry ------------------------------------------------------------------------------------


def expire_holds(*, today: date | None = None) -> int:
    """Unfilled holds past their "not needed after" date (or the policy's maximum age) expire;
    suspensions that ended are lifted. Returns how many holds expired."""
    today = today or timezone.localdate()
    table = policy_table()
    expired = 0
    candidates = Hold.objects.filter(status__in=QUEUED_HOLD_STATUSES).select_related("reader")
    for hold in candidates.iterator():
        policy = table.resolve(
            library_id=hold.pickup_library_id, category_id=hold.reader.category_id
        )
        too_old = hold.placed_at.date() + timedelta(days=policy.hold_max_days) < today
        past = hold.not_needed_after is not None and hold.not_needed_after < today
        ended = (
            hold.status == HoldStatus.SUSPENDED
            and hold.suspended_until is not None
            and hold.suspended_until < today
        )
        if not (too_old or past or ended):
            continue
        with transaction.atomic():
            lock_reader(hold.reader_id)
            lock_record(hold.record_id)
            current = Hold.objects.get(pk=hold.pk)
            if current.status not in QUEUED_HOLD_STATUSES:
                continue
            if too_old or past:
                _leave_queue(
                    current,
                    status=HoldStatus.EXPIRED,
                    closed_at=timezone.now(),
                    cancelled_by=ActorRole.SYSTEM,
                )
                audit(
                    "hold_expired",
                    staff=None,
                    object_type=OBJECT_TYPE,
                    object_id=current.pk,
                    library=None,
                )
                expired += 1
            else:
                current.status = HoldStatus.WAITING
                current.suspended_until = None
                current.save(update_fields=["status", "suspended_until"])
    return expired


def expire_hold_shelf(*, today: date | None = None, at: datetime | None = None) -> int:
    """Ready holds not picked up by their last shelf day (counted in open days) expire; the
    item passes to the next hold, or goes home. Returns how many expired."""
    today = today or timezone.localdate()
    at = at or timezone.now()
    table = policy_table()
    expired = 0
    due = Hold.objects.filter(status=HoldStatus.READY, shelf_expires_on__lt=today)
    for hold_id, reader_id in list(due.values_list("id", "reader_id")):
        with transaction.atomic():
            hold = _relock(hold_id, reader_id)
            if hold.status != HoldStatus.READY:
                continue
            hold.status = HoldStatus.EXPIRED
            hold.closed_at = at
            hold.cancelled_by = ActorRole.SYSTEM
            hold.save()
            release_trapped_item(hold, at=at, table=table)
            audit(
                "hold_shelf_expired",
                staff=None,
                object_type=OBJECT_TYPE,
                object_id=hold.pk,
                library=hold.pickup_library,
            )
            expired += 1
    return expired


def receive_item_transit(*, item: Item, library: Library, at: datetime) -> Routing | None:
    """Used by check-in: an item in transit arrives (caller holds the item lock)."""
    transit = open_transit(item)
    if transit is None or transit.to_library_id != library.pk:
        return None
    return receive_transit(item, transit, library=library, at=at, table=policy_table())
