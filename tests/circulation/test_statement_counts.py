"""The statements a checkout, a check-in and a renewal send to PostgreSQL: the writes that
follow each other go as one statement (``core.write_batches``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation import services
from skaitykla.core.models import AuditEntry, ServiceFact
from tests.circulation.conftest import NOW

pytestmark = pytest.mark.postgresql


def _sent(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _checkout(circ, item):
    return services.checkout_item(
        item_barcode=item.barcode,
        card_barcode=circ.card.barcode,
        library=circ.library,
        staff=circ.staff,
        channel="desk",
        at=NOW,
    )


def test_checkout_checkin_and_renewal_statements(circ):
    _checkout(circ, circ.item())  # the loan rules and the calendar are read once, then cached
    item = circ.item()
    with CaptureQueriesContext(connection) as captured:
        loan = _checkout(circ, item)
    # card and reader, then item, locked in one statement; standing; the loan; then item +
    # audit + fact as one
    assert len(_sent(captured)) == 4
    item.refresh_from_db()
    assert item.status == ItemStatus.ON_LOAN
    assert AuditEntry.objects.filter(action="circulation.checkout", object_id=str(loan.pk)).exists()
    assert ServiceFact.objects.filter(kind="loan").count() == 2

    with CaptureQueriesContext(connection) as captured:
        renewed = services.renew_loan(
            loan=loan.pk, staff=circ.staff, channel="desk", at=NOW + timedelta(days=20)
        )
    # the look-up, the policy stamp, reader and item locked in one statement, the loan, card,
    # blocks, holds, calendar; then loan + item + audit + fact as one
    assert len(_sent(captured)) == 9
    assert renewed.renewals_count == 1
    assert ServiceFact.objects.filter(kind="renewal").count() == 1

    with CaptureQueriesContext(connection) as captured:
        result = services.checkin_item(
            item_barcode=item.barcode,
            library=circ.library,
            staff=circ.staff,
            channel="desk",
            at=NOW + timedelta(days=21),
        )
    assert result.loan is not None
    assert result.loan.returned_at is not None
    # the look-up; reader and item locked in one statement; the loan; loan + fact as one;
    # the record's hold queue; item + audit as one
    assert len(_sent(captured)) == 6
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    assert ServiceFact.objects.filter(kind="return").count() == 1
    assert AuditEntry.objects.filter(action="circulation.checkin").count() == 1
