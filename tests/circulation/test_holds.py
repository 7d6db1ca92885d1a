"""Holds: placing (refusals), the queue 1..k, suspension, reordering, cancelling, expiry."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.circulation import errors, services
from skaitykla.circulation.models import Hold, Transit
from skaitykla.circulation.selectors import hold_queue, pull_list
from skaitykla.core.models import ServiceFact
from skaitykla.patrons.models import Block
from tests.circulation.conftest import NOW, item_status, set_rule, state_of

VILNIUS = ZoneInfo("Europe/Vilnius")


def noon(year, month, day):
    return datetime(year, month, day, 12, 0, tzinfo=VILNIUS)


def hold(circ, reader, record=None, item=None, pickup=None, **kwargs):
    kwargs.setdefault("channel", "portal")
    kwargs.setdefault("at", NOW)
    return services.place_hold(
        reader=reader, record=record, item=item, pickup_library=pickup or circ.library, **kwargs
    )


def lent_record(circ, copies=1):
    """A record whose copies are all on loan to a fresh reader."""
    record, items = circ.record_with_items(copies)
    borrower, _ = circ.new_reader()
    for item in items:
        services.checkout_item(
            item_barcode=item.barcode,
            reader=borrower,
            library=circ.library,
            channel="desk",
            at=NOW,
        )
    return record, items


def positions(record):
    return list(hold_queue(record_id=record.pk).values_list("position", "reader_id"))


def refused(circ, code, *args, **kwargs):
    before = state_of()
    with pytest.raises(errors.CirculationError) as caught:
        hold(circ, *args, **kwargs)
    assert caught.value.code == code
    assert state_of() == before
    return caught.value


def test_holds_queue_in_order(circ):
    record, _ = lent_record(circ)
    readers = [circ.new_reader()[0] for _ in range(3)]
    holds = [hold(circ, reader, record) for reader in readers]
    assert positions(record) == [(1, readers[0].pk), (2, readers[1].pk), (3, readers[2].pk)]
    assert holds[0].status == "waiting"
    fact = ServiceFact.objects.filter(kind="hold").first()
    assert (fact.category, fact.channel) == ("title", "web")


def test_item_level_hold_joins_the_record_queue(circ):
    record, (item,) = lent_record(circ)
    first = hold(circ, circ.reader, item=item)
    assert (first.record, first.item, first.position) == (record, item, 1)
    assert first.is_item_level


def test_refusals(circ):
    record, (item,) = lent_record(circ)
    hold(circ, circ.reader, record)
    refused(circ, "duplicate_hold", circ.reader, record)
    refused(circ, "duplicate_hold", circ.reader, item=item)
    other, _ = circ.new_reader()
    refused(circ, "invalid_date", other, record, not_needed_after=date(2026, 3, 1))
    circ.other_library.is_active = False
    circ.other_library.save()
    refused(circ, "pickup_not_allowed", other, record, pickup=circ.other_library)


def test_already_on_loan_to_the_reader(circ):
    record, (item,) = circ.record_with_items(1)
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    refused(circ, "already_on_loan_to_reader", circ.reader, record)


def test_record_without_holdable_items(circ):
    record, _ = circ.record_with_items(2, loan_type=LoanType.REFERENCE)
    refused(circ, "record_not_holdable", circ.reader, record)
    withdrawn, _ = circ.record_with_items(1, status=ItemStatus.WITHDRAWN)
    refused(circ, "record_not_holdable", circ.reader, withdrawn)
    set_rule(holds_allowed=False)
    ordinary, _ = lent_record(circ)
    refused(circ, "record_not_holdable", circ.reader, ordinary)


def test_copy_on_the_shelf_at_the_pickup_library(circ):
    record, _ = circ.record_with_items(1)
    error = refused(circ, "item_available_here", circ.reader, record)
    assert error.overridable
    # Elsewhere it is not on this shelf: the hold is taken (the copy goes on the pull list).
    placed = hold(circ, circ.reader, record, pickup=circ.other_library)
    assert placed.position == 1
    assert list(pull_list(library=circ.library).values_list("record", flat=True)) == [record.pk]
    other, _ = circ.new_reader()
    forced = hold(
        circ,
        other,
        record,
        staff=circ.supervisor,
        override=["item_available_here"],
        channel="desk",
    )
    assert forced.position == 2


def test_hold_limit(circ):
    set_rule(max_holds=2)
    for _ in range(2):
        record, _ = lent_record(circ)
        hold(circ, circ.reader, record)
    record, _ = lent_record(circ)
    refused(circ, "hold_limit", circ.reader, record)
    hold(circ, circ.reader, record, staff=circ.supervisor, override=["hold_limit"])


def test_blocked_reader_cannot_place_holds(circ):
    record, _ = lent_record(circ)
    Block.objects.create(
        reader=circ.reader, reason="x", starts_on=date(2026, 3, 1), blocks_loans=False
    )
    refused(circ, "reader_blocked", circ.reader, record)


def test_cancel_renumbers_the_queue(circ):
    record, _ = lent_record(circ)
    readers = [circ.new_reader()[0] for _ in range(4)]
    holds = [hold(circ, reader, record) for reader in readers]
    services.cancel_hold(hold=holds[1], reader=readers[1])
    assert [p for p, _ in positions(record)] == [1, 2, 3]
    assert [r for _, r in positions(record)] == [readers[0].pk, readers[2].pk, readers[3].pk]
    cancelled = Hold.objects.get(pk=holds[1].pk)
    assert (cancelled.status, cancelled.position, cancelled.cancelled_by) == (
        "cancelled",
        None,
        "reader",
    )
    with pytest.raises(errors.HoldStateError):
        services.cancel_hold(hold=holds[1], staff=circ.staff)
    with pytest.raises(errors.HoldNotFoundError):
        services.cancel_hold(hold=holds[0], reader=readers[3])


def test_suspended_hold_keeps_its_place_and_resumes(circ):
    record, _ = lent_record(circ)
    first, second = circ.new_reader()[0], circ.new_reader()[0]
    suspended = hold(circ, first, record)
    hold(circ, second, record)
    services.suspend_hold(hold=suspended, until=date(2026, 3, 20), reader=first, at=NOW)
    assert positions(record) == [(1, first.pk), (2, second.pk)]
    with pytest.raises(errors.InvalidDateError):
        services.suspend_hold(hold=suspended, until=date(2026, 2, 1), reader=first, at=NOW)
    resumed = services.resume_hold(hold=suspended, reader=first)
    assert (resumed.status, resumed.position, resumed.suspended_until) == ("waiting", 1, None)
    with pytest.raises(errors.HoldStateError):
        services.resume_hold(hold=suspended, reader=first)


def test_staff_reorder(circ):
    record, _ = lent_record(circ)
    readers = [circ.new_reader()[0] for _ in range(4)]
    holds = [hold(circ, reader, record) for reader in readers]
    services.move_hold(hold=holds[3], position=1, staff=circ.staff)
    assert [r for _, r in positions(record)] == [readers[i].pk for i in (3, 0, 1, 2)]
    services.move_hold(hold=holds[3], position=99, staff=circ.staff)
    assert [r for _, r in positions(record)] == [readers[i].pk for i in (0, 1, 2, 3)]
    services.move_hold(hold=holds[0], position=3, staff=circ.staff)
    assert positions(record) == [
        (1, readers[1].pk),
        (2, readers[2].pk),
        (3, readers[0].pk),
        (4, readers[3].pk),
    ]


def test_unfilled_holds_expire_on_their_not_needed_after_date(circ):
    record, _ = lent_record(circ)
    first, second, third = (circ.new_reader()[0] for _ in range(3))
    short = hold(circ, first, record, not_needed_after=date(2026, 3, 10))
    hold(circ, second, record)
    suspended = hold(circ, third, record)
    services.suspend_hold(hold=suspended, until=date(2026, 3, 5), reader=third, at=NOW)
    assert services.expire_holds(today=date(2026, 3, 10)) == 0
    assert services.expire_holds(today=date(2026, 3, 11)) == 1
    short.refresh_from_db()
    suspended.refresh_from_db()
    assert (short.status, short.position, short.cancelled_by) == ("expired", None, "system")
    assert (suspended.status, suspended.position) == ("waiting", 2)
    assert positions(record) == [(1, second.pk), (2, third.pk)]


def test_holds_expire_after_the_policy_maximum(circ):
    set_rule(hold_max_days=30)
    record, _ = lent_record(circ)
    hold(circ, circ.reader, record)
    assert services.expire_holds(today=date(2026, 4, 1)) == 0
    assert services.expire_holds(today=date(2026, 4, 2)) == 1


def test_hold_shelf_expiry_passes_the_item_to_the_next_reader(circ):
    record, (item,) = lent_record(circ)
    first, second = circ.new_reader()[0], circ.new_reader()[0]
    missed = hold(circ, first, record)
    following = hold(circ, second, record, pickup=circ.other_library)
    services.checkin_item(
        item_barcode=item.barcode, library=circ.library, channel="desk", at=noon(2026, 3, 2)
    )
    missed.refresh_from_db()
    assert missed.shelf_expires_on == date(2026, 3, 5)
    assert services.expire_hold_shelf(today=date(2026, 3, 5)) == 0
    assert services.expire_hold_shelf(today=date(2026, 3, 6), at=noon(2026, 3, 6)) == 1
    missed.refresh_from_db()
    following.refresh_from_db()
    assert (missed.status, missed.trapped_item) == ("expired", item)
    assert (following.status, following.trapped_item) == ("in_transit", item)
    assert item_status(item) == ItemStatus.IN_TRANSIT
    assert Transit.objects.get().to_library == circ.other_library


def test_shelf_expiry_without_a_next_hold_returns_the_item_to_the_shelf(circ):
    record, (item,) = lent_record(circ)
    missed = hold(circ, circ.reader, record)
    services.checkin_item(item_barcode=item.barcode, library=circ.library, channel="desk", at=NOW)
    assert services.expire_hold_shelf(today=date(2026, 3, 20)) == 1
    missed.refresh_from_db()
    assert missed.status == "expired"
    assert item_status(item) == ItemStatus.AVAILABLE


def test_cancelling_a_ready_hold_reroutes_the_item(circ):
    record, (item,) = lent_record(circ)
    first, second = circ.new_reader()[0], circ.new_reader()[0]
    ready = hold(circ, first, record)
    following = hold(circ, second, record)
    services.checkin_item(item_barcode=item.barcode, library=circ.library, channel="desk", at=NOW)
    services.cancel_hold(hold=ready, staff=circ.staff)
    following.refresh_from_db()
    assert (following.status, following.trapped_item) == ("ready", item)
    assert item_status(item) == ItemStatus.ON_HOLD_SHELF
    services.cancel_hold(hold=following, reader=second)
    assert item_status(item) == ItemStatus.AVAILABLE


def test_cancelling_a_hold_in_transit_sends_the_item_home(circ):
    record, (item,) = lent_record(circ)
    travelling = hold(circ, circ.reader, record, pickup=circ.other_library)
    services.checkin_item(item_barcode=item.barcode, library=circ.library, channel="desk", at=NOW)
    services.cancel_hold(hold=travelling, reader=circ.reader, at=NOW + timedelta(hours=1))
    transit = Transit.objects.get()
    assert transit.cancelled_at is not None
    # It had not left the library yet as far as we know: back on the shelf here.
    assert item_status(item) == ItemStatus.AVAILABLE
