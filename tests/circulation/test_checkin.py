"""Check-in: closing the loan, fines, trapping for holds, transit, in-house use, claims, lost."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation import errors, services
from skaitykla.circulation.models import Fee, FeeTransaction, InHouseUse, Transit
from skaitykla.core.models import AuditEntry, ServiceFact
from tests.circulation.conftest import NOW, item_status

VILNIUS = ZoneInfo("Europe/Vilnius")


def noon(year, month, day):
    return datetime(year, month, day, 12, 0, tzinfo=VILNIUS)


def lend(circ, item, reader=None, at=NOW):
    return services.checkout_item(
        item_barcode=item.barcode,
        reader=reader or circ.reader,
        library=circ.library,
        channel="desk",
        staff=circ.staff,
        at=at,
    )


def checkin(circ, item, library=None, at=NOW, **kwargs):
    return services.checkin_item(
        item_barcode=item.barcode,
        library=library or circ.library,
        channel="desk",
        staff=circ.staff,
        at=at,
        **kwargs,
    )


def test_return_on_time(circ):
    item = circ.item()
    loan = lend(circ, item)
    result = checkin(circ, item, at=noon(2026, 3, 20))
    loan.refresh_from_db()
    assert result.loan == loan
    assert (result.fine, result.hold, result.in_transit_to, result.in_house_use) == (
        Decimal("0.00"),
        None,
        None,
        False,
    )
    assert result.messages == []
    assert loan.returned_at == noon(2026, 3, 20)
    assert (loan.returned_at_library, loan.returned_by, loan.return_channel) == (
        circ.library,
        circ.staff,
        "desk",
    )
    item.refresh_from_db()
    assert (item.status, item.due_back) == (ItemStatus.AVAILABLE, None)
    assert ServiceFact.objects.filter(kind="return").count() == 1
    assert AuditEntry.objects.filter(action="circulation.checkin").count() == 1
    assert not Fee.objects.exists()


def test_late_return_charges_open_days(circ):
    item = circ.item()
    lend(circ, item)  # due Wednesday 1 April
    # 2, 3, 4 April; Easter Sunday and Easter Monday closed; 7, 8, 9 April → 6 open days.
    result = checkin(circ, item, at=noon(2026, 4, 9))
    assert result.fine == Decimal("0.18")
    assert result.messages == ["fine_charged"]
    fee = Fee.objects.get()
    assert (fee.kind, fee.amount, fee.outstanding, fee.reader) == (
        "overdue",
        Decimal("0.18"),
        Decimal("0.18"),
        circ.reader,
    )
    assert fee.loan == result.loan


def test_book_drop_backdating_uses_the_last_open_day(circ):
    item = circ.item()
    lend(circ, item)
    # Dropped on Sunday 12 April, emptied on Monday 13 April: counts as Saturday 11 April.
    result = checkin(circ, item, at=noon(2026, 4, 13), backdate_to=date(2026, 4, 12))
    assert result.fine == Decimal("0.24")
    other = circ.item()
    lend(circ, other)
    assert checkin(circ, other, at=noon(2026, 4, 13)).fine == Decimal("0.27")


def test_backdating_never_goes_before_the_checkout(circ):
    item = circ.item()
    lend(circ, item)
    result = checkin(circ, item, at=noon(2026, 3, 3), backdate_to=date(2026, 1, 1))
    assert result.fine == Decimal("0.00")


def test_trap_for_a_hold_picked_up_here(circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    waiting, _ = circ.new_reader()
    hold = services.place_hold(
        reader=waiting, record=record, pickup_library=circ.library, channel="portal", at=NOW
    )
    result = checkin(circ, item, at=noon(2026, 3, 7))  # Saturday
    hold.refresh_from_db()
    assert result.hold == hold
    assert result.messages == ["hold_ready"]
    assert (hold.status, hold.position, hold.trapped_item) == ("ready", None, item)
    # Three open days after Saturday: Monday 9, Tuesday 10, (11 March closed) Thursday 12.
    assert hold.shelf_expires_on == date(2026, 3, 12)
    assert item_status(item) == ItemStatus.ON_HOLD_SHELF


def test_trap_for_a_hold_elsewhere_sends_the_item_in_transit(circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    waiting, _ = circ.new_reader()
    hold = services.place_hold(
        reader=waiting, record=record, pickup_library=circ.other_library, channel="portal", at=NOW
    )
    result = checkin(circ, item, at=noon(2026, 3, 3))
    hold.refresh_from_db()
    assert (result.hold, result.in_transit_to) == (hold, circ.other_library)
    assert result.messages == ["hold_in_transit"]
    assert hold.status == "in_transit"
    assert item_status(item) == ItemStatus.IN_TRANSIT
    transit = Transit.objects.get()
    assert (transit.from_library, transit.to_library, transit.reason, transit.hold) == (
        circ.library,
        circ.other_library,
        "hold",
        hold,
    )
    # Scanned on the way at the wrong desk: still in transit.
    again = checkin(circ, item, at=noon(2026, 3, 3))
    assert again.messages == ["in_transit"]
    # Arrives at the pickup library: on the hold shelf there.
    arrived = checkin(circ, item, library=circ.other_library, at=noon(2026, 3, 4))
    hold.refresh_from_db()
    assert arrived.messages == ["transit_received", "hold_ready"]
    assert (hold.status, hold.shelf_expires_on) == ("ready", date(2026, 3, 7))
    assert item_status(item) == ItemStatus.ON_HOLD_SHELF
    transit.refresh_from_db()
    assert transit.received_at == noon(2026, 3, 4)


def test_item_of_another_library_goes_home(circ):
    item = circ.item(library=circ.other_library)
    lend(circ, item)
    result = checkin(circ, item, at=noon(2026, 3, 3))
    assert (result.in_transit_to, result.messages) == (circ.other_library, ["send_home"])
    assert item_status(item) == ItemStatus.IN_TRANSIT
    home = checkin(circ, item, library=circ.other_library, at=noon(2026, 3, 4))
    assert home.messages == ["transit_received"]
    assert item_status(item) == ItemStatus.AVAILABLE
    assert Transit.objects.get().received_at is not None
    assert not InHouseUse.objects.exists()


def test_item_not_on_loan_records_in_house_use(circ):
    item = circ.item()
    result = checkin(circ, item)
    assert (result.loan, result.in_house_use, result.messages) == (None, True, ["in_house_use"])
    use = InHouseUse.objects.get()
    assert (use.item, use.library, use.staff) == (item, circ.library, circ.staff)
    assert ServiceFact.objects.filter(kind="in_house_use").count() == 1
    assert item_status(item) == ItemStatus.AVAILABLE


def test_suspended_holds_are_skipped_by_trapping(circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    first, _ = circ.new_reader()
    second, _ = circ.new_reader()
    suspended = services.place_hold(
        reader=first, record=record, pickup_library=circ.library, channel="portal", at=NOW
    )
    services.suspend_hold(hold=suspended, until=date(2026, 4, 1), reader=first, at=NOW)
    waiting = services.place_hold(
        reader=second, record=record, pickup_library=circ.library, channel="portal", at=NOW
    )
    result = checkin(circ, item, at=noon(2026, 3, 3))
    assert result.hold == waiting
    suspended.refresh_from_db()
    assert (suspended.status, suspended.position) == ("suspended", 1)


def test_claimed_returned_is_resolved_without_a_fine(circ):
    item = circ.item()
    loan = lend(circ, item)
    services.claim_returned(loan=loan, staff=circ.staff, at=noon(2026, 4, 2))
    assert item_status(item) == ItemStatus.CLAIMED_RETURNED
    with pytest.raises(errors.ClaimedReturnedError):
        services.claim_returned(loan=loan, staff=circ.staff)
    result = checkin(circ, item, at=noon(2026, 5, 20))
    assert result.messages == ["claim_resolved"]
    assert result.fine == Decimal("0.00")
    assert item_status(item) == ItemStatus.AVAILABLE


def test_lost_item_returned_cancels_the_lost_fee(circ):
    item = circ.item(price=Decimal("12.50"))
    loan = lend(circ, item)
    services.declare_lost(loan=loan, staff=circ.staff, at=noon(2026, 3, 20))
    assert item_status(item) == ItemStatus.LOST
    lost_fee = Fee.objects.get(kind="lost")
    assert lost_fee.amount == Decimal("12.50")
    with pytest.raises(errors.ItemLostError):
        services.declare_lost(loan=loan, staff=circ.staff)
    result = checkin(circ, item, at=noon(2026, 3, 25))
    assert result.messages == ["lost_item_returned"]
    lost_fee.refresh_from_db()
    assert lost_fee.outstanding == Decimal("0.00")
    cancellation = FeeTransaction.objects.get()
    assert (cancellation.kind, cancellation.amount) == ("cancellation", Decimal("12.50"))
    assert item_status(item) == ItemStatus.AVAILABLE


def test_lost_or_missing_item_found_without_a_loan(circ):
    item = circ.item(status=ItemStatus.MISSING)
    result = checkin(circ, item)
    assert result.messages == ["item_found"]
    assert item_status(item) == ItemStatus.AVAILABLE


def test_withdrawn_item_stays_withdrawn(circ):
    item = circ.item(status=ItemStatus.WITHDRAWN)
    assert checkin(circ, item).messages == ["item_withdrawn"]
    assert item_status(item) == ItemStatus.WITHDRAWN


def test_unknown_barcode(circ):
    with pytest.raises(errors.ItemNotFoundError):
        services.checkin_item(item_barcode="NOPE", library=circ.library, channel="desk")


def test_item_already_on_the_hold_shelf(circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    waiting, _ = circ.new_reader()
    services.place_hold(
        reader=waiting, record=record, pickup_library=circ.library, channel="portal", at=NOW
    )
    checkin(circ, item, at=noon(2026, 3, 3))
    assert checkin(circ, item, at=noon(2026, 3, 3)).messages == ["on_hold_shelf"]


def test_in_house_use_scan(circ):
    item = circ.item()
    use = services.record_in_house_use(
        item_barcode=item.barcode, library=circ.library, staff=circ.staff, channel="desk"
    )
    assert use.item == item
    lend(circ, item)
    with pytest.raises(errors.ItemOnLoanError):
        services.record_in_house_use(
            item_barcode=item.barcode, library=circ.library, channel="desk"
        )
    with pytest.raises(errors.ItemNotFoundError):
        services.record_in_house_use(item_barcode="NOPE", library=circ.library, channel="desk")
    assert InHouseUse.objects.count() == 1


def test_checkin_of_a_long_overdue_loan_is_capped(circ):
    item = circ.item()
    lend(circ, item)
    result = checkin(circ, item, at=noon(2026, 3, 2) + timedelta(days=400))
    assert result.fine == Decimal("3.00")
