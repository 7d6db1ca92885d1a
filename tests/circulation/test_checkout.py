"""Checkout: the loan, every refusal (state unchanged), overrides, holds fulfilled."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.circulation import errors, services
from skaitykla.circulation.models import Fee, Hold, Loan
from skaitykla.core.models import AuditEntry, ServiceFact
from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Block
from tests.circulation.conftest import NOW, set_rule, state_of


def checkout(circ, item, *, card=None, reader=None, at=NOW, **kwargs):
    kwargs.setdefault("staff", circ.staff)
    kwargs.setdefault("channel", "desk")
    if reader is None and card is None:
        card = circ.card.barcode
    return services.checkout_item(
        item_barcode=item.barcode,
        card_barcode=card,
        reader=reader,
        library=circ.library,
        at=at,
        **kwargs,
    )


def refused(circ, item, code, **kwargs):
    before = state_of(item)
    with pytest.raises(errors.CirculationError) as caught:
        checkout(circ, item, **kwargs)
    assert caught.value.code == code
    assert state_of(item) == before
    return caught.value


def test_checkout_lends_the_item(circ):
    item = circ.item()
    loan = checkout(circ, item, card=" circ0001 ")  # card numbers are normalised
    assert loan.reader == circ.reader
    assert loan.kind == "home"
    assert loan.channel == "desk"
    assert loan.checked_out_by == circ.staff
    assert loan.reader_category_code == "adult"
    assert loan.age_band == "30-64"
    assert loan.due_at.date() == date(2026, 4, 1)
    item.refresh_from_db()
    assert (item.status, item.due_back) == (ItemStatus.ON_LOAN, date(2026, 4, 1))
    fact = ServiceFact.objects.get(kind="loan")
    assert (fact.channel, fact.reader_category, fact.category) == ("in_person", "adult", "home")
    audit = AuditEntry.objects.get(action="circulation.checkout")
    assert audit.detail["item_id"] == item.pk
    assert audit.object_id == str(loan.pk)


def test_item_barcode_is_normalised_and_max_loan_days_shortens(circ):
    circ.item(barcode="ABC123", max_loan_days=7)
    loan = services.checkout_item(
        item_barcode=" abc123 ", reader=circ.reader, library=circ.library, channel="api", at=NOW
    )
    assert loan.due_at.date() == date(2026, 3, 9)
    assert loan.checked_out_by is None


# --- Reader refusals -----------------------------------------------------------------------


def test_unknown_card_and_no_reader(circ):
    item = circ.item()
    refused(circ, item, "reader_not_found", card="NOPE")
    with pytest.raises(errors.ReaderNotFoundError):
        services.checkout_item(item_barcode=item.barcode, library=circ.library, channel="desk")


def test_lost_card(circ):
    circ.card.state = CardState.LOST
    circ.card.save()
    refused(circ, circ.item(), "card_lost")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (ReaderStatus.PENDING, "reader_pending"),
        (ReaderStatus.EXPIRED, "reader_expired"),
        (ReaderStatus.BLOCKED, "reader_blocked"),
    ],
)
def test_reader_status_refusals(circ, status, code):
    circ.reader.status = status
    circ.reader.save()
    error = refused(circ, circ.item(), code)
    assert error.overridable is False


def test_card_past_its_validity_is_expired(circ):
    circ.card.valid_until = date(2026, 3, 1)
    circ.card.save()
    refused(circ, circ.item(), "reader_expired")


def test_manual_block_refuses_loans_only_while_in_force(circ):
    Block.objects.create(
        reader=circ.reader, reason="x", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 5)
    )
    item = circ.item()
    refused(circ, item, "reader_blocked")
    later = NOW + timedelta(days=5)
    assert checkout(circ, item, at=later).reader == circ.reader


def test_block_for_holds_only_does_not_refuse_loans(circ):
    Block.objects.create(
        reader=circ.reader, reason="x", starts_on=date(2026, 3, 1), blocks_loans=False
    )
    assert checkout(circ, circ.item()).pk


# --- Limits and automatic blocks -----------------------------------------------------------


def test_loan_limit_from_the_category_and_override(circ):
    circ.category.loan_limit = 2
    circ.category.save()
    for _ in range(2):
        checkout(circ, circ.item())
    item = circ.item()
    error = refused(circ, item, "loan_limit")
    assert error.overridable is True
    refused(circ, item, "override_not_permitted", override=["loan_limit"])
    loan = checkout(circ, item, staff=circ.supervisor, override=["loan_limit"])
    assert Loan.objects.filter(reader=circ.reader, returned_at=None).count() == 3
    override = AuditEntry.objects.get(action="circulation.override")
    assert override.detail == {"code": "loan_limit", "for": "checkout"}
    assert (override.actor_id, override.object_id) == (str(circ.supervisor.pk), str(loan.pk))


def test_policy_limit_replaces_the_category_limit(circ):
    set_rule(max_loans_total=1)
    checkout(circ, circ.item())
    refused(circ, circ.item(), "loan_limit")


def test_loan_type_and_library_limits(circ):
    set_rule(max_loans_per_loan_type=1)
    checkout(circ, circ.item())
    refused(circ, circ.item(), "loan_type_limit")
    set_rule(max_loans_per_library=1)
    refused(circ, circ.item(), "library_loan_limit")


def test_one_copy_per_title(circ):
    set_rule(one_copy_per_title=True)
    _record, (first, second) = circ.record_with_items(2)
    checkout(circ, first)
    refused(circ, second, "title_already_on_loan")


def test_overdue_items_block(circ):
    for _ in range(3):
        checkout(circ, circ.item(), at=NOW - timedelta(days=60))
    error = refused(circ, circ.item(), "overdue_items")
    assert error.overridable


def test_balance_over_limit_blocks(circ):
    Fee.objects.create(
        reader=circ.reader,
        library=circ.library,
        kind="other",
        amount=Decimal("5.01"),
        outstanding=Decimal("5.01"),
        created_at=NOW,
    )
    refused(circ, circ.item(), "balance_over_limit")
    checkout(circ, circ.item(), staff=circ.supervisor, override=["balance_over_limit"])


# --- Item refusals -------------------------------------------------------------------------


def test_unknown_item(circ):
    with pytest.raises(errors.ItemNotFoundError):
        services.checkout_item(
            item_barcode="NOPE", reader=circ.reader, library=circ.library, channel="desk"
        )


@pytest.mark.parametrize(
    ("status", "code", "overridable"),
    [
        (ItemStatus.WITHDRAWN, "item_withdrawn", False),
        (ItemStatus.LOST, "item_lost", False),
        (ItemStatus.MISSING, "item_missing", True),
    ],
)
def test_item_status_refusals(circ, status, code, overridable):
    error = refused(circ, circ.item(status=status), code)
    assert error.overridable is overridable


def test_reference_and_reading_room_items(circ):
    refused(circ, circ.item(loan_type=LoanType.REFERENCE), "item_reference_only")
    reading = circ.item(loan_type=LoanType.READING_ROOM)
    refused(circ, reading, "item_reading_room_only")
    refused(circ, circ.item(loan_type=LoanType.CLOSED_STACK), "item_reading_room_only")
    loan = checkout(circ, reading, staff=circ.supervisor, override=["item_reading_room_only"])
    assert loan.kind == "home"


def test_a_rule_may_let_reading_room_items_go_home(circ):
    set_rule(LoanType.READING_ROOM, home_loan_allowed=True, loan_period_days=2)
    loan = checkout(circ, circ.item(loan_type=LoanType.READING_ROOM))
    assert loan.due_at.date() == date(2026, 3, 4)


def test_item_on_loan_to_another_reader(circ):
    item = circ.item()
    _other, other_card = circ.new_reader()
    checkout(circ, item, card=other_card.barcode)
    error = refused(circ, item, "item_on_loan")
    assert error.overridable is False


def test_same_reader_scanning_again_renews(circ):
    item = circ.item()
    first = checkout(circ, item)
    again = checkout(circ, item, at=NOW + timedelta(days=1))
    assert again.pk == first.pk
    assert again.renewals_count == 1
    # From the due date (1 April) + 30 days = 1 May, Labour Day (closed) → Saturday 2 May.
    assert again.due_at.date() == date(2026, 5, 2)
    assert Loan.objects.count() == 1


# --- Holds ---------------------------------------------------------------------------------


def test_item_on_the_hold_shelf_for_another_reader(circ):
    record, (item,) = circ.record_with_items(1)
    _other, other_card = circ.new_reader()
    checkout(circ, item, card=other_card.barcode)
    hold = services.place_hold(
        reader=circ.reader, record=record, pickup_library=circ.library, channel="portal"
    )
    _third, third_card = circ.new_reader()
    services.checkin_item(item_barcode=item.barcode, library=circ.library, channel="desk", at=NOW)
    hold.refresh_from_db()
    assert hold.status == "ready"
    error = refused(circ, item, "item_on_hold_for_other", card=third_card.barcode)
    assert error.overridable
    # The reader the item waits for takes it: the hold is fulfilled.
    loan = checkout(circ, item)
    hold.refresh_from_db()
    assert (hold.status, hold.fulfilled_loan) == ("fulfilled", loan)


def test_first_in_queue_is_another_reader(circ):
    record, (item,) = circ.record_with_items(1)
    _other, other_card = circ.new_reader()
    checkout(circ, item, card=other_card.barcode)
    waiting = services.place_hold(
        reader=circ.reader, record=record, pickup_library=circ.library, channel="portal"
    )
    # The item comes back but the desk lends it straight away to a third reader.
    Loan.objects.filter(item=item).update(returned_at=NOW)
    item.status = ItemStatus.AVAILABLE
    item.save()
    third, third_card = circ.new_reader()
    refused(circ, item, "item_on_hold_for_other", card=third_card.barcode)
    loan = checkout(
        circ,
        item,
        card=third_card.barcode,
        staff=circ.supervisor,
        override=["item_on_hold_for_other"],
    )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.position) == ("waiting", 1)
    assert loan.reader == third


def test_overriding_a_trapped_hold_puts_it_back_at_the_head_of_the_queue(circ):
    record, (item,) = circ.record_with_items(1)
    _holder, holder_card = circ.new_reader()
    second, _ = circ.new_reader()
    checkout(circ, item, card=holder_card.barcode)
    ready = services.place_hold(
        reader=circ.reader, record=record, pickup_library=circ.library, channel="portal"
    )
    behind = services.place_hold(
        reader=second, record=record, pickup_library=circ.library, channel="portal"
    )
    services.checkin_item(item_barcode=item.barcode, library=circ.library, channel="desk", at=NOW)
    _third, third_card = circ.new_reader()
    checkout(
        circ,
        item,
        card=third_card.barcode,
        staff=circ.supervisor,
        override=["item_on_hold_for_other"],
    )
    ready.refresh_from_db()
    behind.refresh_from_db()
    assert (ready.status, ready.position, ready.trapped_item) == ("waiting", 1, None)
    assert behind.position == 2


def test_checkout_fulfils_the_readers_own_queued_hold(circ):
    # The only copy stands on the shelf of the branch; the reader asks for it at the central
    # library, then walks to the branch and borrows it there.
    record, (item,) = circ.record_with_items(1, library=circ.other_library)
    hold = services.place_hold(
        reader=circ.reader, record=record, pickup_library=circ.library, channel="portal"
    )
    assert hold.position == 1
    loan = services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.other_library, channel="desk"
    )
    hold.refresh_from_db()
    assert (hold.status, hold.position, hold.fulfilled_loan) == ("fulfilled", None, loan)
    assert Hold.objects.filter(status="waiting").count() == 0


def test_overrides_need_overridable_codes(circ):
    item = circ.item(status=ItemStatus.WITHDRAWN)
    refused(circ, item, "item_withdrawn", staff=circ.supervisor, override=["item_withdrawn"])


def test_unknown_channel_is_a_programming_error(circ):
    with pytest.raises(ValueError, match="channel"):
        checkout(circ, circ.item(), channel="fax")


def test_checkout_at_a_moment_without_explicit_time(circ):
    loan = services.checkout_item(
        item_barcode=circ.item().barcode, reader=circ.reader, library=circ.library, channel="sip2"
    )
    assert loan.checked_out_at <= datetime.now(tz=loan.checked_out_at.tzinfo)
    assert ServiceFact.objects.get(kind="loan").channel == "kiosk"
