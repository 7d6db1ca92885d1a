# ruff: noqa: F811 - the fixtures imported from order_fixtures are test parameters
"""Closed-stack orders: the rules of placing one, the state machine, the reading-room loan,
expiry in open days, the pick list, statistics and audit."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import IntegrityError, transaction

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.circulation.choices import CircChannel, LoanKind, NoticeKind, StackOrderStatus
from skaitykla.circulation.models import Loan, NoticeSent, StackOrder
from skaitykla.circulation.order_selectors import list_pick_list, list_room_shelf
from skaitykla.circulation.order_transitions import TRANSITIONS, can_move
from skaitykla.circulation.services.loans import open_reading_room_loan
from skaitykla.circulation.services.orders import (
    cancel_stack_order,
    expire_stack_orders,
    keep_on_shelf,
    mark_on_shelf,
    place_stack_order,
    return_to_stacks,
    start_fetching,
    start_use,
)
from skaitykla.core.errors import DomainError
from skaitykla.core.models import AuditEntry, CalendarException, ServiceFact
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Block, RoomPermission
from tests.circulation.order_fixtures import (  # noqa: F401 - fixtures
    _fresh_policy_cache,
    adult,
    attendant,
    egle,
    jonas,
    lnb,
    local,
    order_rule,
    room,
    stack_item,
    stacked,
)
from tests.factories import LibraryFactory, OpeningHoursFactory, ReadingRoomFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)
FRIDAY = date(2026, 3, 6)
SATURDAY = date(2026, 3, 7)
SUNDAY = date(2026, 3, 8)
NEXT_MONDAY = date(2026, 3, 9)
HOLIDAY = date(2026, 3, 11)


def order(reader, item, room, day, at, **kwargs):
    return place_stack_order(
        reader=reader,
        item=item,
        room=room,
        for_day=day,
        channel=CircChannel.PORTAL,
        at=at,
        **kwargs,
    )


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


def assert_untouched(item, orders_before=0):
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    assert StackOrder.objects.count() == orders_before


# --- Placing ----------------------------------------------------------------------------------


def test_an_order_for_a_later_day_is_placed_and_the_item_is_marked_ordered(
    egle, stacked, room, order_rule
):
    placed = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 2, 18, 30))
    placed.refresh_from_db()
    stacked.refresh_from_db()
    assert placed.status == StackOrderStatus.ORDERED
    assert placed.for_day == FRIDAY
    assert placed.room == room
    assert placed.channel == CircChannel.PORTAL
    assert stacked.status == ItemStatus.ORDERED
    entry = AuditEntry.objects.get(action="circulation.order_placed")
    assert entry.actor_kind == "reader"
    assert entry.object_id == str(placed.pk)
    assert entry.detail == {"status": "ordered", "room": "HUM", "item": stacked.pk}


def test_open_shelf_items_cannot_be_ordered(egle, lnb, room, order_rule):
    home = stack_item(lnb, barcode="LV00000001", loan_type=LoanType.HOME_LOAN)
    on_room_shelf = stack_item(
        lnb, barcode="LV00000002", loan_type=LoanType.READING_ROOM, reading_room=room
    )
    for item in (home, on_room_shelf):
        error = refused(
            "order_open_shelf", order, egle.reader, item, room, FRIDAY, local(2026, 3, 2)
        )
        assert error.overridable is False
        assert_untouched(item)


def test_reading_room_only_items_in_storage_go_through_orders(egle, lnb, room, order_rule):
    stored = stack_item(lnb, barcode="LVF00000077", loan_type=LoanType.READING_ROOM)
    placed = order(egle.reader, stored, room, FRIDAY, local(2026, 3, 2))
    assert placed.status == StackOrderStatus.ORDERED


def test_an_item_on_loan_is_refused(egle, jonas, lnb, stacked, room, order_rule):
    open_reading_room_loan(item=stacked, reader=jonas.reader, library=lnb, at=local(2026, 3, 2, 9))
    refused("item_on_loan", order, egle.reader, stacked, room, FRIDAY, local(2026, 3, 2, 10))
    stacked.refresh_from_db()
    assert stacked.status == ItemStatus.ON_LOAN
    assert StackOrder.objects.count() == 0


def test_one_active_order_per_item_by_rule_and_by_constraint(
    egle, jonas, stacked, room, order_rule
):
    first = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 2))
    refused("item_ordered", order, jonas.reader, stacked, room, FRIDAY, local(2026, 3, 2, 11))
    with pytest.raises(IntegrityError), transaction.atomic():
        StackOrder.objects.create(
            reader=jonas.reader,
            item=stacked,
            room=room,
            for_day=FRIDAY,
            ordered_at=local(2026, 3, 2),
            status_changed_at=local(2026, 3, 2),
            channel=CircChannel.DESK,
        )
    assert list(StackOrder.objects.values_list("pk", flat=True)) == [first.pk]
    # Once the first order is over, the item can be ordered again.
    cancel_stack_order(order=first, reader=egle.reader, at=local(2026, 3, 2, 12))
    again = order(jonas.reader, stacked, room, FRIDAY, local(2026, 3, 2, 13))
    assert again.status == StackOrderStatus.ORDERED


def test_daily_cap_per_reader_and_day(egle, lnb, room, order_rule):
    items = [stack_item(lnb, barcode=f"LVF0000010{n}") for n in range(4)]
    at = local(2026, 3, 2, 9)
    order(egle.reader, items[0], room, FRIDAY, at)
    second = order(egle.reader, items[1], room, FRIDAY, at)
    error = refused("order_daily_limit", order, egle.reader, items[2], room, FRIDAY, at)
    assert error.params == {"limit": 2}
    items[2].refresh_from_db()
    assert items[2].status == ItemStatus.AVAILABLE
    # Another day has its own cap; a cancelled order frees a place.
    assert order(egle.reader, items[2], room, NEXT_MONDAY, at).for_day == NEXT_MONDAY
    cancel_stack_order(order=second, reader=egle.reader, at=at)
    assert order(egle.reader, items[3], room, FRIDAY, at).status == StackOrderStatus.ORDERED
    assert StackOrder.objects.filter(reader=egle.reader, for_day=FRIDAY).count() == 3


@pytest.mark.parametrize(
    ("day", "hour", "minute", "code"),
    [
        (MONDAY, 15, 59, None),
        (MONDAY, 16, 0, None),
        (MONDAY, 16, 1, "order_after_cutoff"),
        (FRIDAY, 14, 59, None),
        (FRIDAY, 15, 30, "order_after_cutoff"),
        (SATURDAY, 15, 30, None),  # no cut-off: delivery at 16:30, the room closes at 17:00
        (SATURDAY, 16, 30, "order_too_late_today"),  # delivery would be after closing
    ],
)
def test_same_day_orders_follow_the_cutoff_and_the_lead_time(
    egle, stacked, room, order_rule, day, hour, minute, code
):
    at = local(day.year, day.month, day.day, hour, minute)
    if code is None:
        assert order(egle.reader, stacked, room, day, at).status == StackOrderStatus.ORDERED
    else:
        refused(code, order, egle.reader, stacked, room, day, at)
        assert_untouched(stacked)


def test_a_room_specific_cutoff_wins(egle, lnb, stacked, room, order_rule):
    from skaitykla.circulation.models import StackOrderCutoff

    StackOrderCutoff.objects.create(
        library=lnb, reading_room=room, weekday=0, last_order_at=time(12), delivery_minutes=30
    )
    refused(
        "order_after_cutoff", order, egle.reader, stacked, room, MONDAY, local(2026, 3, 2, 12, 30)
    )


def test_the_room_must_be_open_on_the_day(egle, lnb, stacked, room, order_rule):
    at = local(2026, 3, 2, 10)
    refused("room_closed", order, egle.reader, stacked, room, SUNDAY, at)
    refused("room_closed", order, egle.reader, stacked, room, HOLIDAY, at)
    CalendarException.objects.create(
        library=lnb, reading_room=room, date=FRIDAY, kind="closed", reason="Inventorizacija"
    )
    refused("room_closed", order, egle.reader, stacked, room, FRIDAY, at)
    refused("order_day_past", order, egle.reader, stacked, room, date(2026, 3, 1), at)
    # Two weeks ahead at most (Monday 2 March: Monday 16 March is the last day).
    refused("order_day_too_far", order, egle.reader, stacked, room, date(2026, 3, 17), at)
    assert_untouched(stacked)
    assert order(egle.reader, stacked, room, date(2026, 3, 12), at).for_day == date(2026, 3, 12)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": ReaderStatus.PENDING}, "reader_pending"),
        ({"status": ReaderStatus.EXPIRED}, "reader_expired"),
        ({"status": ReaderStatus.BLOCKED}, "reader_blocked"),
        ("manual_block", "reader_blocked"),
        ("card_lost", "card_lost"),
        ("card_expired", "reader_expired"),
    ],
)
def test_readers_who_may_not_order_are_refused(egle, stacked, room, order_rule, change, code):
    reader = egle.reader
    if change == "manual_block":
        Block.objects.create(reader=reader, reason="Skola", starts_on=date(2026, 3, 1))
    elif change == "card_lost":
        egle.card.state = CardState.LOST
        egle.card.save()
    elif change == "card_expired":
        egle.card.valid_until = date(2026, 3, 1)
        egle.card.save()
    else:
        for field, value in change.items():
            setattr(reader, field, value)
        reader.save()
    refused(code, order, reader, stacked, room, FRIDAY, local(2026, 3, 2))
    assert_untouched(stacked)


def test_orders_go_to_a_room_of_the_items_library_and_need_room_permission(
    egle, stacked, room, order_rule
):
    elsewhere = LibraryFactory(code="LT-VUB")
    OpeningHoursFactory(library=elsewhere, weekday=4, opens=time(8), closes=time(20))
    other_room = ReadingRoomFactory(library=elsewhere, code="R1")
    refused(
        "order_wrong_library", order, egle.reader, stacked, other_room, FRIDAY, local(2026, 3, 2)
    )
    room.entry_requires_permission = True
    room.save()
    refused(
        "room_permission_required", order, egle.reader, stacked, room, FRIDAY, local(2026, 3, 2)
    )
    assert_untouched(stacked)
    RoomPermission.objects.create(reader=egle.reader, room=room, allowed=True)
    assert order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 2)).status == "ordered"


# --- The state machine ------------------------------------------------------------------------


def test_the_whole_loop_with_a_reading_room_loan_and_a_kept_item(
    egle, stacked, room, order_rule, attendant
):
    placed = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 5, 17))
    start_fetching(order=placed, staff=attendant, at=local(2026, 3, 6, 8, 10))
    placed.refresh_from_db()
    assert placed.status == StackOrderStatus.FETCHING
    assert placed.handled_by == attendant

    mark_on_shelf(order=placed, staff=attendant, at=local(2026, 3, 6, 8, 40))
    placed.refresh_from_db()
    stacked.refresh_from_db()
    assert placed.status == StackOrderStatus.ON_SHELF
    # Three open days: Friday, Saturday, (Sunday closed) Monday.
    assert placed.pickup_until == NEXT_MONDAY
    assert placed.delivered_at == local(2026, 3, 6, 8, 40)
    assert stacked.status == ItemStatus.ON_SHELF
    # Retrieval time counts from the opening at 8:00 (the order came the evening before).
    fact = ServiceFact.objects.get(kind="stack_order")
    assert (fact.value, fact.place, fact.reader_category) == (40, "HUM", "adult")
    assert fact.library_id == room.library_id

    start_use(order=placed, staff=attendant, at=local(2026, 3, 6, 11))
    placed.refresh_from_db()
    stacked.refresh_from_db()
    loan = placed.loan
    assert placed.status == StackOrderStatus.IN_USE
    assert loan.kind == LoanKind.READING_ROOM
    assert loan.reader == egle.reader
    assert loan.returned_at is None
    assert loan.due_at == local(2026, 3, 6, 20)
    assert stacked.status == ItemStatus.ON_LOAN

    keep_on_shelf(order=placed, staff=attendant, at=local(2026, 3, 6, 19))
    placed.refresh_from_db()
    loan.refresh_from_db()
    stacked.refresh_from_db()
    assert placed.status == StackOrderStatus.KEPT
    assert loan.returned_at == local(2026, 3, 6, 19)
    # Kept for two open days after Friday: Saturday and Monday.
    assert placed.keep_until == NEXT_MONDAY
    assert stacked.status == ItemStatus.ON_SHELF

    start_use(order=placed, staff=attendant, at=local(2026, 3, 7, 10, 30))
    placed.refresh_from_db()
    second_loan = placed.loan
    assert second_loan.pk != loan.pk
    assert second_loan.due_at == local(2026, 3, 7, 17)

    return_to_stacks(order=placed, staff=attendant, at=local(2026, 3, 7, 16))
    placed.refresh_from_db()
    second_loan.refresh_from_db()
    stacked.refresh_from_db()
    assert placed.status == StackOrderStatus.RETURNED_TO_STACKS
    assert second_loan.returned_at == local(2026, 3, 7, 16)
    assert stacked.status == ItemStatus.AVAILABLE
    assert Loan.objects.filter(item=stacked, returned_at__isnull=True).count() == 0
    assert list(
        AuditEntry.objects.filter(object_type="circulation.stackorder")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "circulation.order_placed",
        "circulation.order_fetching",
        "circulation.order_on_shelf",
        "circulation.order_in_use",
        "circulation.order_kept",
        "circulation.order_in_use",
        "circulation.order_returned_to_stacks",
    ]


def test_delivery_queues_the_order_ready_notice_once(egle, stacked, room, order_rule):
    placed = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 5, 17))
    mark_on_shelf(order=placed, at=local(2026, 3, 6, 9))
    notice = NoticeSent.objects.get(order=placed)
    assert notice.kind == NoticeKind.ORDER_READY
    message = OutgoingEmail.objects.get(topic="circulation.order_ready")
    assert message.to == egle.reader.email
    assert (
        message.subject
        == "Užsakytas leidinys jau skaitykloje: „Žemaičių kunigaikštystės žemėlapiai“"
    )
    assert "Humanitarinių mokslų skaitykla" in message.body_text
    assert "2026-03-09" in message.body_text


def test_the_transition_table_refuses_illegal_moves_and_changes_nothing(
    egle, stacked, room, order_rule, attendant
):
    assert can_move("ordered", "fetching")
    assert not can_move("ordered", "in_use")
    assert TRANSITIONS["returned_to_stacks"] == frozenset()
    placed = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 2))
    for call in (start_use, keep_on_shelf, return_to_stacks):
        error = refused(
            "order_state", call, order=placed, staff=attendant, at=local(2026, 3, 2, 11)
        )
        assert error.params["current"] == "ordered"
    placed.refresh_from_db()
    stacked.refresh_from_db()
    assert placed.status == StackOrderStatus.ORDERED
    assert stacked.status == ItemStatus.ORDERED
    assert Loan.objects.count() == 0
    cancel_stack_order(order=placed, staff=attendant, at=local(2026, 3, 2, 12))
    refused("order_state", start_fetching, order=placed, staff=attendant)
    refused("order_state", mark_on_shelf, order=placed, staff=attendant)


def test_a_blocked_reader_cannot_take_the_item(egle, stacked, room, order_rule, attendant):
    placed = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 5, 17))
    mark_on_shelf(order=placed, at=local(2026, 3, 6, 9))
    Block.objects.create(reader=egle.reader, reason="Skola", starts_on=date(2026, 3, 6))
    refused("reader_blocked", start_use, order=placed, staff=attendant, at=local(2026, 3, 6, 11))
    placed.refresh_from_db()
    stacked.refresh_from_db()
    assert placed.status == StackOrderStatus.ON_SHELF
    assert stacked.status == ItemStatus.ON_SHELF
    assert Loan.objects.count() == 0


def test_cancelling(egle, jonas, stacked, lnb, room, order_rule, attendant):
    placed = order(egle.reader, stacked, room, FRIDAY, local(2026, 3, 2))
    refused("order_not_found", cancel_stack_order, order=placed, reader=jonas.reader)
    start_fetching(order=placed, staff=attendant, at=local(2026, 3, 6, 8))
    # Being fetched: only staff may stop it.
    refused("order_state", cancel_stack_order, order=placed, reader=egle.reader)
    placed.refresh_from_db()
    assert placed.status == StackOrderStatus.FETCHING
    cancel_stack_order(order=placed, staff=attendant, note="Nerasta", at=local(2026, 3, 6, 9))
    placed.refresh_from_db()
    stacked.refresh_from_db()
    assert (placed.status, placed.cancelled_by, placed.note) == ("cancelled", "staff", "Nerasta")
    assert stacked.status == ItemStatus.AVAILABLE


# --- Expiry -----------------------------------------------------------------------------------


def test_orders_expire_after_their_window_in_open_days(egle, lnb, room, order_rule, attendant):
    shelf_item = stack_item(lnb, barcode="LVF00000201")
    kept_item = stack_item(lnb, barcode="LVF00000202")
    never_item = stack_item(lnb, barcode="LVF00000203")
    waiting = order(egle.reader, shelf_item, room, FRIDAY, local(2026, 3, 5, 17))
    mark_on_shelf(order=waiting, at=local(2026, 3, 6, 9))  # shelf until Monday 9 March
    kept = order(egle.reader, kept_item, room, FRIDAY, local(2026, 3, 5, 17))
    mark_on_shelf(order=kept, at=local(2026, 3, 6, 9))
    start_use(order=kept, staff=attendant, at=local(2026, 3, 6, 10))
    keep_on_shelf(order=kept, staff=attendant, at=local(2026, 3, 6, 18))  # kept until Monday
    never = order(egle.reader, never_item, room, NEXT_MONDAY, local(2026, 3, 5, 17))

    assert expire_stack_orders(today=NEXT_MONDAY) == 0
    # Tuesday: the shelf and keep windows ended on Monday; the order for Monday waits until
    # Thursday 12 March (Monday, Tuesday, then the holiday on Wednesday is skipped).
    assert expire_stack_orders(today=date(2026, 3, 10)) == 2
    assert expire_stack_orders(today=date(2026, 3, 12)) == 0
    assert expire_stack_orders(today=date(2026, 3, 13)) == 1
    for placed, item in ((waiting, shelf_item), (kept, kept_item), (never, never_item)):
        placed.refresh_from_db()
        item.refresh_from_db()
        assert placed.status == StackOrderStatus.EXPIRED
        assert placed.cancelled_by == "system"
        assert item.status == ItemStatus.AVAILABLE
    assert expire_stack_orders(today=date(2026, 3, 20)) == 0


# --- Reads ------------------------------------------------------------------------------------


def test_pick_list_is_sorted_by_storage_location_then_call_number(
    egle, jonas, lnb, room, order_rule
):
    at = local(2026, 3, 2, 9)
    third = stack_item(lnb, barcode="LVF301", location="Saugykla B-1", call_number="LVF 1")
    second = stack_item(lnb, barcode="LVF302", location="Saugykla A-3", call_number="LVF 9")
    first = stack_item(lnb, barcode="LVF303", location="Saugykla A-3", call_number="LVF 2")
    later = stack_item(lnb, barcode="LVF304", location="Saugykla A-1", call_number="LVF 1")
    for reader, item in ((egle, third), (jonas, second), (egle, first)):
        order(reader.reader, item, room, MONDAY, at)
    order(jonas.reader, later, room, FRIDAY, at)
    picked = list(list_pick_list(library=lnb, day=MONDAY))
    assert [o.item.barcode for o in picked] == ["LVF303", "LVF302", "LVF301"]
    # Friday's list also carries what is still unfetched from earlier days.
    assert [o.item.barcode for o in list_pick_list(library=lnb, day=FRIDAY)] == [
        "LVF304",
        "LVF303",
        "LVF302",
        "LVF301",
    ]
    assert list(list_room_shelf(room=room)) == []


# --- Real concurrency (PostgreSQL) ------------------------------------------------------------


def _in_threads(work, count):
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcome: object = work(index)
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_for_one_item_exactly_one_wins(lnb, adult, stacked, room, order_rule):
    from tests.circulation.order_fixtures import make_person

    readers = [make_person(lnb, adult, f"R{n}", f"LNBC{n:04d}").reader for n in range(10)]
    results = _in_threads(
        lambda n: order(readers[n], stacked, room, FRIDAY, local(2026, 3, 2, 10)), 10
    )
    won = [r for r in results if isinstance(r, StackOrder)]
    lost = [r for r in results if not isinstance(r, StackOrder)]
    assert len(won) == 1
    assert {getattr(error, "code", repr(error)) for error in lost} == {"item_ordered"}
    assert StackOrder.objects.filter(item=stacked).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_by_one_reader_never_pass_the_daily_cap(egle, lnb, room, order_rule):
    items = [stack_item(lnb, barcode=f"LVFC{n:04d}") for n in range(6)]
    results = _in_threads(
        lambda n: order(egle.reader, items[n], room, FRIDAY, local(2026, 3, 2, 10)), 6
    )
    assert sum(isinstance(r, StackOrder) for r in results) == 2
    assert {getattr(r, "code", repr(r)) for r in results if not isinstance(r, StackOrder)} == {
        "order_daily_limit"
    }
    assert StackOrder.objects.filter(reader=egle.reader, for_day=FRIDAY).count() == 2
