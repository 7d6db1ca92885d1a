"""The API's checkout, check-in and renewal answers are exactly what the published serializers
give (``circulation.api_representations`` builds them without a serializer)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from skaitykla.circulation import services
from skaitykla.circulation.api import CheckinResultSerializer, LoanSerializer
from skaitykla.circulation.api_representations import checkin_representation, loan_representation
from skaitykla.circulation.models import Loan
from skaitykla.circulation.services.loans import CheckinResult
from tests.circulation.test_checkin import checkin, lend, noon

pytestmark = pytest.mark.django_db


def _both(loan: Loan) -> tuple[dict, dict]:
    return loan_representation(loan), dict(LoanSerializer(loan).data)


def test_an_open_and_a_returned_loan(circ):
    item = circ.item()
    loan = lend(circ, item)
    mine, theirs = _both(loan)
    assert mine == theirs
    assert mine["returned_at"] is None
    assert mine["due_at"] == "2026-04-01T23:59:00+03:00"  # Vilnius summer time
    result = checkin(circ, item, at=noon(2026, 3, 30))
    assert result.loan is not None
    mine, theirs = _both(result.loan)
    assert mine == theirs
    assert mine["returned_at"] == theirs["returned_at"] is not None


@pytest.mark.parametrize("language", ["lt", "en"])
def test_checkin_answers_with_a_fine_a_trap_a_transit_and_in_house_use(circ, language):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    waiting, _card = circ.new_reader()
    services.place_hold(
        reader=waiting, record=record, pickup_library=circ.other_library, channel="portal"
    )
    with translation.override(language):
        late = checkin(circ, item, at=noon(2026, 5, 4))  # overdue: a fine, then in transit
        unlent = checkin(circ, circ.item(), at=noon(2026, 5, 4))  # in-house use
        answers = [late, unlent, CheckinResult(item=item, fine=Decimal("1.5"))]
        for result in answers:
            assert checkin_representation(result) == dict(CheckinResultSerializer(result).data)
    first = checkin_representation(late)
    assert first["fine"] != "0.00"
    assert first["hold"] is not None
    assert first["in_transit_to"] == circ.other_library.code
    assert checkin_representation(unlent)["in_house_use"] is True
    assert checkin_representation(answers[2])["fine"] == "1.50"
