"""Fees (payments, waivers, permissions), automatic blocks, obligations and data rights."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from skaitykla.circulation import errors, services
from skaitykla.circulation.models import Fee, FeeTransaction
from skaitykla.circulation.selectors import (
    circulation_refusals_for,
    open_obligations,
    overdue_count,
    reader_balance,
)
from skaitykla.core.models import AuditEntry
from skaitykla.patrons.data_rights import RULES
from skaitykla.patrons.obligations import open_obligations as patron_obligations
from skaitykla.patrons.selectors import reader_relations, relation_key
from tests.circulation.conftest import NOW, set_rule


def charge(circ, amount, kind="other"):
    return services.charge_fee(
        reader=circ.reader,
        kind=kind,
        amount=amount,
        library=circ.library,
        staff=circ.supervisor,
        at=NOW,
    )


def test_payments_go_to_the_oldest_fees_first(circ):
    first = charge(circ, "1.00")
    second = charge(circ, "2.50", kind="damaged")
    assert reader_balance(circ.reader) == Decimal("3.50")
    paid = services.pay_fees(reader=circ.reader, amount="1.50", staff=circ.supervisor)
    assert [(t.fee_id, t.amount) for t in paid] == [
        (first.pk, Decimal("1.00")),
        (second.pk, Decimal("0.50")),
    ]
    assert reader_balance(circ.reader) == Decimal("2.00")
    audit = AuditEntry.objects.get(action="circulation.fees_paid")
    assert audit.detail["amount"] == "1.50"


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "3.51"])
def test_invalid_payments_are_refused(circ, amount):
    charge(circ, "3.50")
    with pytest.raises(errors.InvalidAmountError):
        services.pay_fees(reader=circ.reader, amount=amount, staff=circ.supervisor)
    assert reader_balance(circ.reader) == Decimal("3.50")
    assert not FeeTransaction.objects.exists()


def test_fees_need_the_permission(circ):
    with pytest.raises(errors.PermissionDeniedError):
        services.charge_fee(
            reader=circ.reader, kind="other", amount="1", library=circ.library, staff=circ.staff
        )
    fee = charge(circ, "1.00")
    with pytest.raises(errors.PermissionDeniedError):
        services.pay_fees(reader=circ.reader, amount="1", staff=circ.staff)
    with pytest.raises(errors.PermissionDeniedError):
        services.waive_fee(fee=fee, staff=circ.staff, reason="x")
    # Without a member of staff only a self-service kiosk (SIP2) may take a payment.
    for channel in ("desk", "portal", "api"):
        with pytest.raises(errors.PermissionDeniedError):
            services.pay_fees(reader=circ.reader, amount="1", staff=None, channel=channel)
    assert reader_balance(circ.reader) == Decimal("1.00")
    services.pay_fees(reader=circ.reader, amount="0.40", staff=None, channel="sip2")
    assert reader_balance(circ.reader) == Decimal("0.60")


def test_waivers(circ):
    fee = charge(circ, "2.00")
    part = services.waive_fee(fee=fee, staff=circ.supervisor, reason="goodwill", amount="0.50")
    assert (part.kind, part.amount, part.reason) == ("waiver", Decimal("0.50"), "goodwill")
    with pytest.raises(errors.InvalidAmountError):
        services.waive_fee(fee=fee, staff=circ.supervisor, reason="x", amount="5")
    services.waive_fee(fee=fee.pk, staff=circ.supervisor, reason="rest")
    fee.refresh_from_db()
    assert fee.outstanding == Decimal("0.00")
    with pytest.raises(errors.FeeStateError):
        services.waive_fee(fee=fee, staff=circ.supervisor, reason="again")
    assert AuditEntry.objects.filter(action="circulation.fee_waived").count() == 2


def test_automatic_blocks_are_computed(circ):
    assert circulation_refusals_for(circ.reader, at=NOW) == []
    for _ in range(3):
        services.checkout_item(
            item_barcode=circ.item().barcode,
            reader=circ.reader,
            library=circ.library,
            channel="desk",
            at=NOW - timedelta(days=60),
        )
    assert circulation_refusals_for(circ.reader, at=NOW) == ["overdue_items"]
    charge(circ, "5.01")
    assert circulation_refusals_for(circ.reader, at=NOW) == ["overdue_items", "balance_over_limit"]
    set_rule(max_overdue_items_before_block=None, max_balance_before_block=None)
    assert circulation_refusals_for(circ.reader, at=NOW) == []


def test_paying_lifts_the_balance_block(circ):
    charge(circ, "6.00")
    item = circ.item()
    with pytest.raises(errors.BalanceOverLimitError):
        services.checkout_item(
            item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
        )
    services.pay_fees(reader=circ.reader, amount="1.00", staff=circ.supervisor)
    assert services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    ).pk


def test_open_loans_and_unpaid_fees_are_obligations(circ):
    assert open_obligations(circ.reader) == []
    loan = services.checkout_item(
        item_barcode=circ.item().barcode,
        reader=circ.reader,
        library=circ.library,
        channel="desk",
        at=NOW,
    )
    assert "open_loans" in patron_obligations(circ.reader)
    services.checkin_item(
        item_barcode=loan.item.barcode,
        library=circ.library,
        channel="desk",
        at=NOW + timedelta(days=45),
    )
    assert open_obligations(circ.reader) == ["unpaid_fees"]
    assert Fee.objects.get().kind == "overdue"


def test_every_reader_relation_of_circulation_is_covered(circ):
    keys = {
        relation_key(model, field)
        for model, field in reader_relations()
        if model._meta.app_label == "circulation"
    }
    assert keys
    assert keys <= set(RULES)


def test_declare_lost_charges_the_policy_fee_or_the_price(circ):
    set_rule(lost_fee=Decimal("20.00"))
    loan = services.checkout_item(
        item_barcode=circ.item(price=Decimal("9.99")).barcode,
        reader=circ.reader,
        library=circ.library,
        channel="desk",
    )
    services.declare_lost(loan=loan, staff=circ.staff)
    assert Fee.objects.get(kind="lost").amount == Decimal("20.00")
    set_rule(lost_fee=None, max_balance_before_block=None)  # the first fee blocks otherwise
    priced = services.checkout_item(
        item_barcode=circ.item(price=Decimal("9.99")).barcode,
        reader=circ.reader,
        library=circ.library,
        channel="desk",
    )
    services.declare_lost(loan=priced, staff=circ.staff)
    assert Fee.objects.get(kind="lost", loan=priced).amount == Decimal("9.99")


def scan(circ, at, *, action="loans", item=None):
    from skaitykla.circulation.selectors import scan_standing

    item = item or circ.item()
    return scan_standing(
        reader=circ.reader, item=item, library=circ.library, at=at, action=action, day=at.date()
    )


def test_scan_standing_counts_home_loans_overdue_loans_and_the_balance_in_one_query(
    circ, django_assert_num_queries
):
    on_time, late = (
        services.checkout_item(
            item_barcode=circ.item().barcode,
            reader=circ.reader,
            library=circ.library,
            channel="desk",
            at=at,
        )
        for at in (NOW, NOW - timedelta(days=40))
    )
    services.checkout_item(  # returned: counts nowhere
        item_barcode=(returned := circ.item()).barcode,
        reader=circ.reader,
        library=circ.library,
        channel="desk",
        at=NOW,
    )
    services.checkin_item(
        item_barcode=returned.barcode, library=circ.library, channel="desk", at=NOW
    )
    charge(circ, "1.50")
    charge(circ, "0.25")
    services.pay_fees(reader=circ.reader, amount="0.25", staff=circ.supervisor)
    item = circ.item()
    with django_assert_num_queries(1):
        standing = scan(circ, NOW + timedelta(days=1), item=item)
    assert standing.reader == (2, 1, Decimal("1.50"), False)
    # Exactly at the due time the loan is not yet overdue; a second later it is.
    assert scan(circ, late.due_at, item=item).reader.overdue == 0
    assert scan(circ, late.due_at + timedelta(seconds=1), item=item).reader.overdue == 1
    assert on_time.due_at > NOW + timedelta(days=1)
    assert standing.reader.overdue == overdue_count(reader=circ.reader, at=NOW + timedelta(days=1))
    assert standing.reader.balance == reader_balance(circ.reader)
    # The item's side: nothing ordered, in transit or held; the open loan of another copy.
    assert standing.item == (False, None, False, None, None)
    assert scan(circ, NOW, item=on_time.item).item[3:] == (on_time.pk, circ.reader.pk)


def test_scan_standing_reads_the_policy_fingerprint_and_the_calendar_stamp(circ):
    from skaitykla.circulation.policies import _fingerprint
    from skaitykla.core.models import CalendarStamp

    standing = scan(circ, NOW)
    assert standing.policy_fingerprint == _fingerprint()
    assert standing.calendar_stamp == CalendarStamp.objects.get(library_id=circ.library.pk).token
    set_rule(loan_period_days=7)  # a policy edit changes the fingerprint
    assert scan(circ, NOW).policy_fingerprint != standing.policy_fingerprint


def test_scan_standing_answers_the_manual_block_check_in_the_same_query(
    circ, django_assert_num_queries
):
    from skaitykla.patrons.models import Block

    day = NOW.date()
    item = circ.item()

    def blocked(action, on=NOW):
        with django_assert_num_queries(1):
            return scan(circ, on, action=action, item=item).reader.blocked

    assert [blocked(action) for action in ("loans", "holds", "renewals")] == [False] * 3
    Block.objects.create(
        reader=circ.reader,
        reason="test",
        starts_on=day,
        ends_on=day + timedelta(days=2),
        blocks_loans=True,
        blocks_holds=False,
        blocks_renewals=True,
    )
    assert [blocked(action) for action in ("loans", "holds", "renewals")] == [True, False, True]
    assert blocked("loans", NOW + timedelta(days=2)) is True
    assert blocked("loans", NOW + timedelta(days=3)) is False  # ended
    assert blocked("loans", NOW - timedelta(days=1)) is False  # not yet begun
    Block.objects.update(lifted_at=NOW)
    assert blocked("loans") is False
    with pytest.raises(ValueError, match="cannot check blocks"):
        scan(circ, NOW, action="room_entry; DROP")
    # The refusal it drives: a blocked reader cannot borrow.
    Block.objects.update(lifted_at=None)
    with pytest.raises(errors.ReaderBlockedError):
        services.checkout_item(
            item_barcode=circ.item().barcode,
            reader=circ.reader,
            library=circ.library,
            channel="desk",
            at=NOW,
        )
