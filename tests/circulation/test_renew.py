"""Renewal: from the due date or today, every refusal (state unchanged), overrides."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation import errors, services
from skaitykla.circulation.models import Loan
from skaitykla.core.models import ServiceFact
from skaitykla.patrons.models import Block
from tests.circulation.conftest import NOW, set_rule, state_of

VILNIUS = ZoneInfo("Europe/Vilnius")


def lend(circ, item, reader=None, at=NOW):
    return services.checkout_item(
        item_barcode=item.barcode,
        reader=reader or circ.reader,
        library=circ.library,
        channel="desk",
        at=at,
    )


def renew(circ, loan, at=NOW, **kwargs):
    kwargs.setdefault("channel", "portal")
    return services.renew_loan(loan=loan, at=at, **kwargs)


def refused(circ, loan, code, **kwargs):
    before = state_of(loan.item)
    with pytest.raises(errors.CirculationError) as caught:
        renew(circ, loan, **kwargs)
    assert caught.value.code == code
    assert state_of(loan.item) == before
    return caught.value


def test_renew_from_the_due_date(circ):
    item = circ.item()
    loan = lend(circ, item)
    renewed = renew(circ, loan, reader=circ.reader, at=NOW + timedelta(days=3))
    assert renewed.renewals_count == 1
    # 1 April + 30 days = 1 May (Labour Day, closed) → 2 May.
    assert renewed.due_at.date() == date(2026, 5, 2)
    item.refresh_from_db()
    assert item.due_back == date(2026, 5, 2)
    assert ServiceFact.objects.get(kind="renewal").channel == "web"


def test_renew_from_today(circ):
    set_rule(renew_from="today", renewal_period_days=14)
    loan = lend(circ, circ.item())
    renewed = renew(circ, loan, at=NOW + timedelta(days=20))  # Sunday 22 March
    assert renewed.due_at.date() == date(2026, 4, 7)  # 5 and 6 April: Easter, closed


def test_overdue_loans_renew_from_today(circ):
    loan = lend(circ, circ.item())
    at = datetime(2026, 4, 20, 12, tzinfo=VILNIUS)
    assert renew(circ, loan, at=at).due_at.date() == date(2026, 5, 20)


def test_renewal_limit_and_override(circ):
    set_rule(renewals_allowed=1)
    loan = lend(circ, circ.item())
    renew(circ, loan)
    error = refused(circ, loan, "renewal_limit")
    assert error.overridable
    renewed = renew(circ, loan, staff=circ.supervisor, channel="desk", override=["renewal_limit"])
    assert renewed.renewals_count == 2


def test_renewal_too_soon(circ):
    set_rule(no_renewal_before_days=5)
    loan = lend(circ, circ.item())
    refused(circ, loan, "renewal_too_soon")
    at = datetime(2026, 3, 28, 12, tzinfo=VILNIUS)
    assert renew(circ, loan, at=at).renewals_count == 1


def test_hold_that_no_other_copy_can_meet(circ):
    record, (item,) = circ.record_with_items(1)
    loan = lend(circ, item)
    other, _ = circ.new_reader()
    services.place_hold(reader=other, record=record, pickup_library=circ.library, channel="portal")
    refused(circ, loan, "hold_cannot_be_met")


def test_hold_met_by_another_copy_on_the_shelf_allows_renewal(circ):
    record, (item, spare) = circ.record_with_items(2)
    loan = lend(circ, item)
    other, _ = circ.new_reader()
    # The spare is at the other library, so the hold is allowed (not available at pickup).
    spare.library = circ.other_library
    spare.save()
    services.place_hold(reader=other, record=record, pickup_library=circ.library, channel="portal")
    assert renew(circ, loan).renewals_count == 1


def test_item_level_hold_on_this_copy_blocks_renewal(circ):
    _record, (item, _spare) = circ.record_with_items(2)
    loan = lend(circ, item)
    other, _ = circ.new_reader()
    services.place_hold(reader=other, item=item, pickup_library=circ.library, channel="portal")
    refused(circ, loan, "hold_cannot_be_met")


def test_blocked_or_expired_reader_cannot_renew(circ):
    loan = lend(circ, circ.item())
    block = Block.objects.create(
        reader=circ.reader, reason="x", starts_on=date(2026, 3, 1), blocks_loans=False
    )
    refused(circ, loan, "reader_blocked")
    block.blocks_renewals = False
    block.blocks_holds = True
    block.save()
    assert renew(circ, loan).renewals_count == 1
    circ.card.valid_until = date(2026, 3, 1)
    circ.card.save()
    refused(circ, loan, "reader_expired")


def test_lost_claimed_and_closed_loans(circ):
    lost = lend(circ, circ.item())
    services.declare_lost(loan=lost, staff=circ.staff)
    refused(circ, lost, "item_lost")
    claimed = lend(circ, circ.item())
    services.claim_returned(loan=claimed, staff=circ.staff)
    refused(circ, claimed, "claimed_returned")
    closed = lend(circ, circ.item())
    services.checkin_item(item_barcode=closed.item.barcode, library=circ.library, channel="desk")
    refused(circ, closed, "loan_closed")


def test_new_due_date_must_be_later(circ):
    set_rule(hard_due_date=date(2026, 4, 1))
    loan = lend(circ, circ.item())
    error = refused(circ, loan, "not_later")
    assert error.overridable is False


def test_reading_room_loans_are_not_renewable(circ):
    item = circ.item(loan_type="reading_room")
    loan = services.open_reading_room_loan(
        item=item, reader=circ.reader, library=circ.library, at=NOW
    )
    assert loan.kind == "reading_room"
    assert loan.due_at == datetime(2026, 3, 2, 20, 0, tzinfo=VILNIUS)
    assert Loan.objects.get().item.status == ItemStatus.ON_LOAN
    refused(circ, loan, "reading_room_loan")


def test_a_reader_renews_only_their_own_loans(circ):
    loan = lend(circ, circ.item())
    other, _ = circ.new_reader()
    with pytest.raises(errors.LoanNotFoundError):
        renew(circ, loan, reader=other)
    with pytest.raises(errors.LoanNotFoundError):
        renew(circ, 999999)
    assert renew(circ, loan.pk, reader=circ.reader).renewals_count == 1
