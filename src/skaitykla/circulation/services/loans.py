"""Checkout, check-in, renewal, lost and claimed-returned items, reading-room loans.

Every function owns its transaction: reader row, then item row, then record row are locked
(``gate``), the rules are checked against the locked rows (never against a search index),
the loan, the item's status and due date, the holds, fees and transits change together, and an
audit row and a de-identified statistics fact are written. A refusal raises before anything is
written, so the state after it is unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from skaitykla.accounts.models import User
from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import (
    ACTIVE_ORDER_STATUSES,
    QUEUED_HOLD_STATUSES,
    TRAPPED_HOLD_STATUSES,
    CircChannel,
    HoldStatus,
    LoanKind,
    StackOrderStatus,
)
from skaitykla.circulation.errors import (
    ClaimedReturnedError,
    HoldCannotBeMetError,
    ItemInTransitError,
    ItemLostError,
    ItemMissingError,
    ItemNotFoundError,
    ItemOnHoldForOtherError,
    ItemOnLoanError,
    ItemOrderedError,
    ItemReadingRoomOnlyError,
    ItemReferenceOnlyError,
    ItemWithdrawnError,
    LibraryLoanLimitError,
    LoanClosedError,
    LoanLimitError,
    LoanNotFoundError,
    LoanTypeLimitError,
    NotLaterError,
    ReaderNotFoundError,
    ReadingRoomLoanError,
    RenewalLimitError,
    RenewalTooSoonError,
    TitleAlreadyOnLoanError,
)
from skaitykla.circulation.models import Hold, Loan, LoanPolicy, StackOrder, Transit
from skaitykla.circulation.policies import (
    PolicyTable,
    due_at_for,
    policy_table,
    reading_room_due_at,
)
from skaitykla.circulation.selectors import (
    ItemStanding,
    item_and_borrower,
    library_today,
    open_transit,
    scan_standing,
)
from skaitykla.circulation.services.blocks import apply_automatic_blocks
from skaitykla.circulation.services.fines import (
    cancel_lost_fee,
    charge_lost_fee,
    charge_overdue_fine,
)
from skaitykla.circulation.services.gate import (
    Gate,
    active_card,
    audit,
    check_channel,
    check_reader,
    fact,
    lock_borrower_and_item,
    lock_reader_and_item,
    lock_reader_by_card_then_item,
    lock_reader_then_item,
    lock_record,
    reader_snapshot,
)
from skaitykla.circulation.services.holds import (
    Routing,
    compact_queue,
    eligible_holds,
    item_holdable,
    receive_transit,
    route_item,
)
from skaitykla.circulation.services.in_house import write_in_house_use
from skaitykla.core.calendar import READ_STAMP, LibraryCalendar
from skaitykla.core.compiled_writes import insert_row, update_row
from skaitykla.core.errors import CalendarError
from skaitykla.core.joined_reads import JoinedRead
from skaitykla.core.models import Library
from skaitykla.core.write_batches import atomic_with_batched_writes
from skaitykla.patrons.models import Card, Reader

OBJECT_TYPE = "circulation.loan"

#: A loan with its library, locked (after the reader and item locks).
_LOAN = JoinedRead(Loan, related=("library",), lock_of=("self",))


def _policy_for(table: PolicyTable, *, library: Library, reader: Reader, item: Item) -> LoanPolicy:
    return table.resolve(
        library_id=library.pk,
        category_id=reader.category_id,
        loan_type=item.loan_type,
        material_type=item.record.material_type,
    )


def _due_day(loan_due: datetime, library: Library) -> date:
    return library_today(library, loan_due)


# --- Checkout ----------------------------------------------------------------------------------


def checkout_item(
    *,
    item_barcode: str,
    reader: Reader | None = None,
    card_barcode: str | None = None,
    card: Card | None = None,
    library: Library,
    staff: User | None = None,
    channel: str,
    override: Collection[str] = (),
    at: datetime | None = None,
) -> Loan:
    """Lend an item for home use. An item already on loan to the same reader is renewed
    instead (the renewed loan is returned). Refusals raise ``CirculationError``s.

    The reader comes from ``card_barcode`` (read and locked in one statement), from ``card``
    (an active card the caller has just read, e.g. a kiosk's patron check), or from ``reader``.
    """
    check_channel(channel)
    at = at or timezone.now()
    gate = Gate.open(override=override, staff=staff)
    if card is not None and card_barcode is None:
        if reader is not None and reader.pk != card.reader_id:
            raise ReaderNotFoundError()
        reader = card.reader
    elif card_barcode is None:
        card = None
    if reader is None and not card_barcode:
        raise ReaderNotFoundError()
    with atomic_with_batched_writes():
        if card_barcode:
            locked, card, found = lock_reader_by_card_then_item(card_barcode, item_barcode)
            if reader is not None and reader.pk != locked.pk:
                raise ReaderNotFoundError()
            reader = locked
        else:
            assert reader is not None
            reader, found = lock_reader_then_item(reader.pk, item_barcode)
        if found is None:
            raise ItemNotFoundError()
        item = found
        today = library_today(library, at)
        scan = scan_standing(
            reader=reader, item=item, library=library, at=at, action="loans", day=today
        )
        table = policy_table(scan.policy_fingerprint)
        standing_of_item = scan.item
        open_loan_id = standing_of_item.open_loan_id
        if open_loan_id is not None and standing_of_item.open_loan_reader_id == reader.pk:
            # Rule 4: the same reader scans it again: a renewal decision, not a second loan.
            open_loan = Loan.objects.select_related("library").get(pk=open_loan_id)
            return _renew_locked(
                open_loan,
                reader=reader,
                item=item,
                staff=staff,
                channel=channel,
                gate=gate,
                at=at,
                table=table,
            )
        standing = scan.reader
        check_reader(
            gate,
            reader,
            day=today,
            action="loans",
            card=card or active_card(reader),
            blocked=standing.blocked,
        )
        if open_loan_id is not None:
            raise ItemOnLoanError()
        transit = _check_item(gate, item, standing_of_item)
        policy = _policy_for(table, library=library, reader=reader, item=item)
        if item.loan_type == LoanType.REFERENCE or not policy.loanable:
            gate.refuse(ItemReferenceOnlyError())
        home_ok = policy.home_loan_allowed and (
            item.loan_type == LoanType.HOME_LOAN or policy.loan_type == item.loan_type
        )
        if not home_ok:
            gate.refuse(ItemReadingRoomOnlyError())
        has_holds = standing_of_item.record_has_holds
        own_hold = _check_holds(gate, item, reader, today) if has_holds else None
        _check_limits(gate, reader, item, library, policy, home_loans=standing.home_loans)
        apply_automatic_blocks(gate, reader, library=library, at=at, table=table, standing=standing)

        calendar = LibraryCalendar.cached(library, stamp=scan.calendar_stamp)
        period = policy.loan_period_days
        if item.max_loan_days:
            period = min(period, item.max_loan_days)
        due_at = due_at_for(policy=policy, calendar=calendar, start=at, period_days=period)
        loan = _insert_loan(
            item=item,
            reader=reader,
            library=library,
            policy=policy,
            kind=LoanKind.HOME,
            at=at,
            today=today,
            due_at=due_at,
            channel=channel,
            staff=staff,
        )
        if transit is not None:
            transit.cancelled_at = at
            transit.save(update_fields=["cancelled_at"])
        if has_holds:
            _settle_holds_on_checkout(item, reader, own_hold, loan, at)
        gate.audit_overrides(
            object_type=OBJECT_TYPE, object_id=loan.pk, library=library, action="checkout"
        )
        _record_lending(loan, item, due_back=_due_day(due_at, library), action="checkout")
    return loan


def _insert_loan(
    *,
    item: Item,
    reader: Reader,
    library: Library,
    policy: LoanPolicy | None,
    kind: str,
    at: datetime,
    today: date,
    due_at: datetime,
    channel: str,
    staff: User | None,
) -> Loan:
    """The loan row, with the reader's de-identified snapshot. The partial unique index (one
    open loan per item) is the last guard; its error ends the caller's transaction (or
    savepoint) with the same refusal: nothing continues after it, so no savepoint of its own."""
    category_code, band = reader_snapshot(reader, today)
    try:
        return insert_row(
            Loan(
                item=item,
                reader=reader,
                library=library,
                policy=policy if policy is not None and policy.pk else None,
                kind=kind,
                checked_out_at=at,
                due_at=due_at,
                channel=channel,
                checked_out_by=staff,
                reader_category_code=category_code,
                age_band=band,
            )
        )
    except IntegrityError:
        raise ItemOnLoanError() from None


def _record_lending(loan: Loan, item: Item, *, due_back: date, action: str) -> None:
    """After a new loan: the item goes on loan, an audit row and a statistics fact."""
    item.status = ItemStatus.ON_LOAN
    item.due_back = due_back
    update_row(item, ["status", "due_back", "updated_at"])
    reader = loan.reader
    audit(
        action,
        staff=loan.checked_out_by,
        reader=reader,
        channel=loan.channel,
        object_type=OBJECT_TYPE,
        object_id=loan.pk,
        library=loan.library,
        reader_id=loan.reader_id,
        item_id=item.pk,
    )
    fact(
        "loan",
        library=loan.library,
        channel=loan.channel,
        at=loan.checked_out_at,
        category_code=loan.reader_category_code,
        band=loan.age_band,
        category=loan.kind,
    )


def _calendar(library: Library) -> LibraryCalendar:
    return LibraryCalendar.cached(library)


def _check_item(gate: Gate, item: Item, standing: ItemStanding) -> Transit | None:
    """Item-level refusals; returns the item's open transit (cancelled if the loan is made)."""
    if item.status == ItemStatus.WITHDRAWN:
        raise ItemWithdrawnError()
    if item.status == ItemStatus.LOST:
        raise ItemLostError()
    if item.status == ItemStatus.MISSING:
        gate.refuse(ItemMissingError())
    if standing.active_order:
        raise ItemOrderedError()
    transit = open_transit(item) if standing.open_transit_id is not None else None
    if transit is not None:
        hold = transit.hold
        if hold is None or hold.status != HoldStatus.IN_TRANSIT:
            gate.refuse(ItemInTransitError())
    return transit


def _check_holds(gate: Gate, item: Item, reader: Reader, today: date) -> Hold | None:
    """Rule 5. Returns the reader's own hold this checkout fulfils, if any."""
    trapped = (
        Hold.objects.filter(trapped_item=item, status__in=TRAPPED_HOLD_STATUSES)
        .select_related("reader")
        .first()
    )
    if trapped is not None:
        if trapped.reader_id == reader.pk:
            return trapped
        gate.refuse(ItemOnHoldForOtherError())
    own = Hold.objects.filter(
        reader=reader, record_id=item.record_id, status__in=QUEUED_HOLD_STATUSES
    ).first()
    first = eligible_holds(item, today).first() if trapped is None else None
    if first is not None and first.reader_id != reader.pk:
        gate.refuse(ItemOnHoldForOtherError())
    if own is not None and (own.item_id is None or own.item_id == item.pk):
        return own
    return None


def _check_limits(
    gate: Gate,
    reader: Reader,
    item: Item,
    library: Library,
    policy: LoanPolicy,
    *,
    home_loans: int,
) -> None:
    """``home_loans``: the reader's open home loans, read under the reader's lock. The other
    limits query only when the policy sets them (most do not)."""
    limit = policy.max_loans_total if policy.max_loans_total is not None else None
    if limit is None:
        limit = reader.category.loan_limit
    if home_loans >= limit:
        gate.refuse(LoanLimitError(limit=limit))
    if (
        policy.max_loans_per_loan_type is None
        and policy.max_loans_per_library is None
        and not policy.one_copy_per_title
    ):
        return
    loans = Loan.objects.filter(reader=reader, returned_at__isnull=True, kind=LoanKind.HOME)
    if policy.max_loans_per_loan_type is not None and (
        loans.filter(item__loan_type=item.loan_type).count() >= policy.max_loans_per_loan_type
    ):
        gate.refuse(LoanTypeLimitError())
    if policy.max_loans_per_library is not None and (
        loans.filter(library=library).count() >= policy.max_loans_per_library
    ):
        gate.refuse(LibraryLoanLimitError())
    if policy.one_copy_per_title and loans.filter(item__record_id=item.record_id).exists():
        gate.refuse(TitleAlreadyOnLoanError())


def _settle_holds_on_checkout(
    item: Item, reader: Reader, own: Hold | None, loan: Loan, at: datetime
) -> None:
    """Fulfil the reader's own hold; a hold of another reader that had this item set aside
    (overridden) goes back to the head of its queue."""
    lock_record(item.record_id)
    other = (
        Hold.objects.filter(trapped_item=item, status__in=TRAPPED_HOLD_STATUSES)
        .exclude(reader=reader)
        .first()
    )
    if other is not None:
        Hold.objects.filter(record_id=item.record_id, status__in=QUEUED_HOLD_STATUSES).update(
            position=-(F("position") + 1)
        )
        Hold.objects.filter(record_id=item.record_id, position__lt=0).update(
            position=-F("position")
        )
        other.status = HoldStatus.WAITING
        other.trapped_item = None
        other.trapped_at = None
        other.ready_at = None
        other.shelf_expires_on = None
        other.position = 1
        other.save()
    if own is not None:
        was_queued = own.status in QUEUED_HOLD_STATUSES
        own.status = HoldStatus.FULFILLED
        own.fulfilled_loan = loan
        own.closed_at = at
        own.position = None
        own.save()
        if was_queued:
            compact_queue(item.record_id)


# --- Renewal -----------------------------------------------------------------------------------


def renew_loan(
    *,
    loan: Loan | int,
    reader: Reader | None = None,
    staff: User | None = None,
    channel: str,
    override: Collection[str] = (),
    at: datetime | None = None,
) -> Loan:
    """Renew a loan. A reader (portal, SIP2) may renew only their own loans."""
    check_channel(channel)
    at = at or timezone.now()
    gate = Gate.open(override=override, staff=staff)
    loan_id = loan.pk if isinstance(loan, Loan) else int(loan)
    found = Loan.objects.filter(pk=loan_id).values_list("reader_id", "item_id").first()
    if found is None or (reader is not None and found[0] != reader.pk):
        raise LoanNotFoundError()
    reader_id, item_id = found
    if reader_id is None:
        raise LoanClosedError()
    table = policy_table()
    with atomic_with_batched_writes():
        locked_reader, item = lock_reader_and_item(reader_id, item_id)
        current = _LOAN.first("t0.id = %s", [loan_id])
        if current is None:
            raise LoanNotFoundError()
        return _renew_locked(
            current,
            reader=locked_reader,
            item=item,
            staff=staff,
            channel=channel,
            gate=gate,
            at=at,
            table=table,
        )


def _renew_locked(
    loan: Loan,
    *,
    reader: Reader,
    item: Item,
    staff: User | None,
    channel: str,
    gate: Gate,
    at: datetime,
    table: PolicyTable,
) -> Loan:
    if loan.returned_at is not None:
        raise LoanClosedError()
    if loan.kind == LoanKind.READING_ROOM:
        raise ReadingRoomLoanError()
    if loan.lost_at is not None:
        raise ItemLostError()
    if loan.claimed_returned_at is not None:
        raise ClaimedReturnedError()
    library = loan.library
    today = library_today(library, at)
    check_reader(gate, reader, day=today, action="renewals", card=active_card(reader))
    policy = _policy_for(table, library=library, reader=reader, item=item)
    if loan.renewals_count >= policy.renewals_allowed:
        gate.refuse(RenewalLimitError(limit=policy.renewals_allowed))
    if policy.no_renewal_before_days is not None:
        days_left = (_due_day(loan.due_at, library) - today).days
        if days_left > policy.no_renewal_before_days:
            gate.refuse(RenewalTooSoonError())
    if _holds_cannot_be_met(item, reader, today, table):
        gate.refuse(HoldCannotBeMetError())
    calendar = _calendar(library)
    period = policy.renewal_period_days or policy.loan_period_days
    if item.max_loan_days:
        period = min(period, item.max_loan_days)
    from_due = loan.due_at if policy.renew_from == "due_date" and loan.due_at > at else None
    new_due = due_at_for(
        policy=policy, calendar=calendar, start=at, from_due=from_due, period_days=period
    )
    if new_due <= loan.due_at:
        raise NotLaterError()
    loan.due_at = new_due
    loan.renewals_count += 1
    loan.last_renewed_at = at
    update_row(loan, ["due_at", "renewals_count", "last_renewed_at"])
    item.status = ItemStatus.ON_LOAN
    item.due_back = _due_day(new_due, library)
    update_row(item, ["status", "due_back", "updated_at"])
    gate.audit_overrides(
        object_type=OBJECT_TYPE, object_id=loan.pk, library=library, action="renew"
    )
    audit(
        "renewal",
        staff=staff,
        reader=reader,
        channel=channel,
        object_type=OBJECT_TYPE,
        object_id=loan.pk,
        library=library,
        renewals=loan.renewals_count,
    )
    category_code, band = reader_snapshot(reader, today)
    fact("renewal", library=library, channel=channel, at=at, category_code=category_code, band=band)
    return loan


def _holds_cannot_be_met(item: Item, reader: Reader, today: date, table: PolicyTable) -> bool:
    """Rule 15: other readers wait for this title and the other copies cannot serve them."""
    waiting = list(eligible_holds(item, today).exclude(reader=reader))
    if not waiting:
        return False
    if any(hold.item_id == item.pk for hold in waiting):
        return True
    busy = set(
        Hold.objects.filter(record_id=item.record_id, status__in=TRAPPED_HOLD_STATUSES).values_list(
            "trapped_item_id", flat=True
        )
    )
    others = [
        other
        for other in Item.objects.filter(record_id=item.record_id, status=ItemStatus.AVAILABLE)
        .exclude(pk=item.pk)
        .select_related("record")
        if other.pk not in busy and item_holdable(other, table)
    ]
    title_level = [hold for hold in waiting if hold.item_id is None]
    return len(title_level) > len(others)


# --- Check-in ----------------------------------------------------------------------------------


@dataclass
class CheckinResult:
    item: Item
    loan: Loan | None = None
    fine: Decimal = Decimal("0.00")
    hold: Hold | None = None
    in_transit_to: Library | None = None
    in_house_use: bool = False
    messages: list[str] = field(default_factory=list)


def checkin_item(
    *,
    item_barcode: str,
    library: Library,
    staff: User | None = None,
    channel: str,
    at: datetime | None = None,
    backdate_to: date | None = None,
) -> CheckinResult:
    """Return an item at ``library``: close its loan (with the fine), trap it for the first
    hold, send it home, or record an in-house use when it was not on loan."""
    check_channel(channel)
    at = at or timezone.now()
    found = item_and_borrower(item_barcode, library=library)
    if found is None:
        raise ItemNotFoundError()
    reader_id = found.reader_id
    table = policy_table(found.policy_fingerprint)
    stamps = {library.pk: found.calendar_stamp}
    for _attempt in range(CHECKIN_ATTEMPTS):
        try:
            return _checkin(
                found.item_id, reader_id, library, staff, channel, at, backdate_to, table, stamps
            )
        except _LoanChangedError as changed:
            reader_id = changed.reader_id
            continue
    raise ItemOnLoanError()


#: A loan can change between the look-up and the locks (lock order: reader first); retry.
CHECKIN_ATTEMPTS = 3


class _LoanChangedError(Exception):
    def __init__(self, reader_id: int | None) -> None:
        super().__init__(reader_id)
        self.reader_id = reader_id


def _checkin(
    item_id: int,
    reader_id: int | None,
    library: Library,
    staff: User | None,
    channel: str,
    at: datetime,
    backdate_to: date | None,
    table: PolicyTable,
    stamps: dict[int, int | None],
) -> CheckinResult:
    """``reader_id``: the borrower as read before the locks; if the loan changed meanwhile,
    ``_LoanChangedError`` carries the new one and the caller tries again."""
    with atomic_with_batched_writes():
        reader, item = lock_borrower_and_item(reader_id or None, item_id)
        loan = _LOAN.first("t0.item_id = %s AND t0.returned_at IS NULL", [item.pk])
        if (loan.reader_id if loan else None) != (reader.pk if reader else None):
            raise _LoanChangedError(loan.reader_id if loan else None)
        if loan is not None:
            loan.item = item  # the locked row (with its record): the answer reads its title
        result = CheckinResult(item=item)
        if loan is None:
            _checkin_not_on_loan(result, item, library, staff, channel, at, table)
        else:
            _close_loan(
                result, loan, reader, item, library, staff, channel, at, backdate_to, table, stamps
            )
        audit(
            "checkin",
            staff=staff,
            channel=channel,
            object_type=OBJECT_TYPE if loan else "catalogue.item",
            object_id=loan.pk if loan else item.pk,
            library=library,
            item_id=item.pk,
            messages=list(result.messages),
        )
    return result


def _return_day(library: Library, at: datetime, backdate_to: date | None, floor: date) -> date:
    """The day the item counts as returned. A book-drop return dated ``backdate_to`` counts on
    the last open day on or before it (rule 14)."""
    day = library_today(library, at)
    if backdate_to is not None and backdate_to < day:
        day = backdate_to
        with contextlib.suppress(CalendarError):
            day = _calendar(library).previous_open_day(backdate_to, include_today=True)
    return max(day, floor)


def _close_loan(
    result: CheckinResult,
    loan: Loan,
    reader: Reader | None,
    item: Item,
    library: Library,
    staff: User | None,
    channel: str,
    at: datetime,
    backdate_to: date | None,
    table: PolicyTable,
    stamps: dict[int, int | None],
) -> None:
    """``stamps``: calendar stamps already read, by library id."""
    result.loan = loan
    lending = loan.library
    returned_on = _return_day(library, at, backdate_to, library_today(lending, loan.checked_out_at))
    loan.returned_at = at
    loan.returned_at_library = library
    loan.returned_by = staff
    loan.return_channel = channel
    update_row(loan, ["returned_at", "returned_at_library", "returned_by", "return_channel"])
    if loan.claimed_returned_at is not None:
        result.messages.append("claim_resolved")
    if loan.lost_at is not None:
        cancel_lost_fee(loan=loan, at=at, staff=staff)
        result.messages.append("lost_item_returned")
    if loan.kind == LoanKind.HOME and reader is not None and loan.claimed_returned_at is None:
        policy = _policy_for(table, library=lending, reader=reader, item=item)
        fee = charge_overdue_fine(
            loan=loan,
            policy=policy,
            calendar=LibraryCalendar.cached(lending, stamp=stamps.get(lending.pk, READ_STAMP)),
            returned_on=returned_on,
            at=at,
        )
        if fee is not None:
            result.fine = fee.amount
            result.messages.append("fine_charged")
    category_code = loan.reader_category_code
    fact(
        "return",
        library=library,
        channel=channel,
        at=at,
        category_code=category_code,
        band=loan.age_band,
        category=loan.kind,
    )
    if loan.kind == LoanKind.READING_ROOM:
        _end_stack_order(loan, at)
    routing = route_item(item, at_library=library, at=at, table=table)
    _apply_routing(result, routing)


def _end_stack_order(loan: Loan, at: datetime) -> None:
    for order in StackOrder.objects.filter(loan=loan, status__in=ACTIVE_ORDER_STATUSES):
        order.status = StackOrderStatus.RETURNED_TO_STACKS
        order.status_changed_at = at
        order.save(update_fields=["status", "status_changed_at"])


def _apply_routing(result: CheckinResult, routing: Routing) -> None:
    hold = routing.hold
    destination = routing.in_transit_to
    result.hold = hold
    result.in_transit_to = destination
    if hold is not None:
        result.messages.append(
            "hold_in_transit" if hold.status == HoldStatus.IN_TRANSIT else "hold_ready"
        )
    elif destination is not None:
        result.messages.append("send_home")


def _checkin_not_on_loan(
    result: CheckinResult,
    item: Item,
    library: Library,
    staff: User | None,
    channel: str,
    at: datetime,
    table: PolicyTable,
) -> None:
    transit = open_transit(item)
    if transit is not None:
        if transit.to_library_id == library.pk:
            result.messages.append("transit_received")
            _apply_routing(
                result, receive_transit(item, transit, library=library, at=at, table=table)
            )
        else:
            result.in_transit_to = transit.to_library
            result.messages.append("in_transit")
        return
    trapped = Hold.objects.filter(trapped_item=item, status=HoldStatus.READY).first()
    if trapped is not None:
        result.hold = trapped
        result.messages.append("on_hold_shelf")
        return
    if item.status == ItemStatus.WITHDRAWN:
        result.messages.append("item_withdrawn")
        return
    if StackOrder.objects.filter(item=item, status__in=ACTIVE_ORDER_STATUSES).exists():
        result.messages.append("item_ordered")
        return
    if item.status in (ItemStatus.LOST, ItemStatus.MISSING):
        result.messages.append("item_found")
    routing = route_item(item, at_library=library, at=at, table=table)
    _apply_routing(result, routing)
    if (
        routing.hold is None
        and routing.in_transit_to is None
        and "item_found" not in result.messages
    ):
        # Rule 10: not on loan, not requested, at home: somebody used it here.
        write_in_house_use(item=item, library=library, staff=staff, channel=channel, at=at)
        result.in_house_use = True
        result.messages.append("in_house_use")


# --- Lost and claimed returned -----------------------------------------------------------------


def _lock_open_loan(loan: Loan | int) -> tuple[Loan, Reader | None, Item]:
    loan_id = loan.pk if isinstance(loan, Loan) else int(loan)
    found = Loan.objects.filter(pk=loan_id).values_list("reader_id", "item_id").first()
    if found is None:
        raise LoanNotFoundError()
    reader, item = lock_borrower_and_item(found[0] or None, found[1])
    current = (
        Loan.objects.select_for_update(of=("self",), no_key=True)
        .select_related("library")
        .get(pk=loan_id)
    )
    if current.returned_at is not None:
        raise LoanClosedError()
    return current, reader, item


def declare_lost(*, loan: Loan | int, staff: User, at: datetime | None = None) -> Loan:
    """The reader lost the item: it is marked lost and the lost fee is charged. The loan stays
    open until the item comes back (check-in) or the fee is settled."""
    at = at or timezone.now()
    with transaction.atomic():
        current, reader, item = _lock_open_loan(loan)
        if current.lost_at is not None:
            raise ItemLostError()
        current.lost_at = at
        current.save(update_fields=["lost_at"])
        item.status = ItemStatus.LOST
        update_row(item, ["status", "updated_at"])
        if reader is not None:
            policy = _policy_for(policy_table(), library=current.library, reader=reader, item=item)
            charge_lost_fee(loan=current, item=item, policy=policy, at=at)
        audit(
            "declared_lost",
            staff=staff,
            object_type=OBJECT_TYPE,
            object_id=current.pk,
            library=current.library,
            item_id=item.pk,
        )
    return current


def claim_returned(*, loan: Loan | int, staff: User, at: datetime | None = None) -> Loan:
    """The reader says they returned the item: no fine accrues; check-in resolves the claim."""
    at = at or timezone.now()
    with transaction.atomic():
        current, _reader, item = _lock_open_loan(loan)
        if current.claimed_returned_at is not None:
            raise ClaimedReturnedError()
        if current.lost_at is not None:
            raise ItemLostError()
        current.claimed_returned_at = at
        current.save(update_fields=["claimed_returned_at"])
        item.status = ItemStatus.CLAIMED_RETURNED
        update_row(item, ["status", "updated_at"])
        audit(
            "claimed_returned",
            staff=staff,
            object_type=OBJECT_TYPE,
            object_id=current.pk,
            library=current.library,
            item_id=item.pk,
        )
    return current


# --- Reading-room loans (used by closed-stack orders) ------------------------------------------


def open_reading_room_loan(
    *,
    item: Item,
    reader: Reader,
    library: Library,
    staff: User | None = None,
    channel: str = CircChannel.DESK,
    at: datetime | None = None,
) -> Loan:
    """A "use in the reading room" loan, due back at the desk at closing time; never renewable.

    The caller (a stack-order hand-out) runs inside its own transaction with the reader and
    item locked, and has checked the reader; this writes the loan, item status and facts.
    """
    at = at or timezone.now()
    with transaction.atomic():
        if Loan.objects.filter(item=item, returned_at__isnull=True).exists():
            raise ItemOnLoanError()
        today = library_today(library, at)
        due_at = reading_room_due_at(calendar=_calendar(library), start=at)
        loan = _insert_loan(
            item=item,
            reader=reader,
            library=library,
            policy=None,
            kind=LoanKind.READING_ROOM,
            at=at,
            today=today,
            due_at=due_at,
            channel=channel,
            staff=staff,
        )
        _record_lending(loan, item, due_back=_due_day(due_at, library), action="reading_room_loan")
    return loan
