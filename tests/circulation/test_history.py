# ruff: noqa: F811 - the fixtures imported from order_fixtures are test parameters
"""Loan-history anonymisation honours each reader's choice and never touches open loans; the
periodic jobs are registered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation.choices import (
    CircChannel,
    OfflineKind,
    OfflineOutcome,
    StackOrderStatus,
)
from skaitykla.circulation.history_selectors import keeps_history, my_history
from skaitykla.circulation.models import (
    Loan,
    OfflineBatch,
    OfflineTransaction,
    StackOrder,
)
from skaitykla.circulation.periodic import PERIODIC
from skaitykla.circulation.services.history import anonymise_loan_history
from skaitykla.core.models import AuditEntry
from skaitykla.core.schedule import PERIODIC_JOBS
from skaitykla.patrons.choices import LoanHistoryChoice, ReaderStatus
from tests.catalogue.factories import ItemFactory
from tests.circulation.order_fixtures import (  # noqa: F401 - fixtures
    _fresh_policy_cache,
    adult,
    lnb,
    local,
    make_person,
    room,
)

pytestmark = pytest.mark.django_db

NOW = local(2026, 4, 30, 3)


def loan(reader, library, *, barcode, returned=None):
    item = ItemFactory(library=library, barcode=barcode, status=ItemStatus.AVAILABLE)
    out = local(2026, 3, 1)
    return Loan.objects.create(
        item=item,
        reader=reader,
        library=library,
        checked_out_at=out,
        due_at=out + timedelta(days=30),
        returned_at=returned,
        channel=CircChannel.DESK,
        reader_category_code="adult",
        age_band="30-64",
    )


@pytest.fixture
def readers(lnb, adult):
    keep = make_person(lnb, adult, "Keep", "LNB1", loan_history=LoanHistoryChoice.KEEP)
    after = make_person(
        lnb,
        adult,
        "After",
        "LNB2",
        loan_history=LoanHistoryChoice.ANONYMISE_AFTER,
        loan_history_days=30,
    )
    after_long = make_person(
        lnb,
        adult,
        "Long",
        "LNB3",
        loan_history=LoanHistoryChoice.ANONYMISE_AFTER,
        loan_history_days=90,
    )
    on_return = make_person(lnb, adult, "Now", "LNB4", loan_history=LoanHistoryChoice.ON_RETURN)
    return keep.reader, after.reader, after_long.reader, on_return.reader


def test_each_readers_choice_is_honoured_and_open_loans_are_never_touched(readers, lnb):
    keep, after, after_long, on_return = readers
    kept_old = loan(keep, lnb, barcode="K1", returned=NOW - timedelta(days=400))
    kept_open = loan(keep, lnb, barcode="K2")
    after_due = loan(after, lnb, barcode="A1", returned=NOW - timedelta(days=30, minutes=1))
    after_not_yet = loan(after, lnb, barcode="A2", returned=NOW - timedelta(days=29))
    after_open = loan(after, lnb, barcode="A3")
    long_due = loan(after_long, lnb, barcode="L1", returned=NOW - timedelta(days=91))
    long_not_yet = loan(after_long, lnb, barcode="L2", returned=NOW - timedelta(days=31))
    now_returned = loan(on_return, lnb, barcode="N1", returned=NOW - timedelta(minutes=5))
    now_open = loan(on_return, lnb, barcode="N2")

    assert anonymise_loan_history(now=NOW) == 3

    anonymised = {after_due.pk, long_due.pk, now_returned.pk}
    for row in Loan.objects.all():
        if row.pk in anonymised:
            assert row.reader_id is None
            assert row.anonymised is True
            assert row.anonymised_at == NOW
            # De-identified columns stay for statistics and collection work.
            assert (row.reader_category_code, row.age_band) == ("adult", "30-64")
            assert row.item_id is not None
            assert row.returned_at is not None
        else:
            assert row.reader_id is not None
            assert row.anonymised is False
    for untouched in (kept_old, kept_open, after_not_yet, after_open, long_not_yet, now_open):
        untouched.refresh_from_db()
        assert untouched.reader_id is not None
    entry = AuditEntry.objects.get(action="circulation.loan_history_anonymised")
    assert entry.detail == {"loans": 3}
    # A second run has nothing left to do.
    assert anonymise_loan_history(now=NOW) == 0
    # A day later the 29-day-old return is due.
    assert anonymise_loan_history(now=NOW + timedelta(days=1)) == 1
    after_not_yet.refresh_from_db()
    assert after_not_yet.reader_id is None


def test_an_anonymised_reader_loses_every_returned_loan_but_not_an_open_one(readers, lnb):
    keep = readers[0]
    returned = loan(keep, lnb, barcode="K1", returned=NOW - timedelta(days=1))
    still_open = loan(keep, lnb, barcode="K2")
    keep.status = ReaderStatus.ANONYMISED
    keep.save()
    assert anonymise_loan_history(now=NOW) == 1
    returned.refresh_from_db()
    still_open.refresh_from_db()
    assert returned.reader_id is None
    assert still_open.reader_id == keep.pk


def test_links_back_to_the_reader_are_cleared_too(readers, lnb, room):
    on_return = readers[3]
    returned = loan(on_return, lnb, barcode="N1", returned=NOW - timedelta(hours=1))
    batch = OfflineBatch.objects.create(digest="x" * 64, library=lnb)
    row = OfflineTransaction.objects.create(
        batch=batch,
        row_number=2,
        at=returned.checked_out_at,
        kind=OfflineKind.CHECKOUT,
        card_barcode="LNB4",
        item_barcode="N1",
        reader=on_return,
        loan=returned,
        outcome=OfflineOutcome.DONE,
    )
    StackOrder.objects.create(
        reader=on_return,
        item=returned.item,
        room=room,
        for_day=returned.checked_out_at.date(),
        status=StackOrderStatus.RETURNED_TO_STACKS,
        ordered_at=returned.checked_out_at,
        status_changed_at=returned.checked_out_at,
        loan=returned,
        channel=CircChannel.PORTAL,
    )
    assert anonymise_loan_history(now=NOW) == 1
    row.refresh_from_db()
    assert (row.reader_id, row.card_barcode, row.loan_id) == (None, "", returned.pk)
    assert StackOrder.objects.count() == 0


def test_my_history_shows_the_readers_returned_loans_newest_first(readers, lnb):
    keep, after, *_ = readers
    older = loan(keep, lnb, barcode="K1", returned=NOW - timedelta(days=10))
    newer = loan(keep, lnb, barcode="K2", returned=NOW - timedelta(days=2))
    loan(keep, lnb, barcode="K3")  # open: not history
    loan(after, lnb, barcode="A1", returned=NOW - timedelta(days=1))
    assert keeps_history(keep)
    assert not keeps_history(after)
    assert list(my_history(reader=keep)) == [newer, older]


def test_the_periodic_jobs_are_registered():
    names = {name for name, _path, _interval in PERIODIC}
    assert names == {
        "circulation_send_due_notices",
        "circulation_send_hold_notices",
        "circulation_expire_stack_orders",
        "circulation_expire_holds",
        "circulation_expire_hold_shelf",
        "circulation_anonymise_loan_history",
    }
    for name, path, interval in PERIODIC:
        job = PERIODIC_JOBS[name]
        assert (job.task_path, job.interval) == (path, interval)
    assert PERIODIC_JOBS["circulation_send_due_notices"].interval == timedelta(hours=1)
    assert PERIODIC_JOBS["circulation_anonymise_loan_history"].interval == timedelta(days=1)


def test_the_tasks_run_the_services(readers, lnb):
    from skaitykla.circulation import tasks

    on_return = readers[3]
    loan(on_return, lnb, barcode="N1", returned=local(2026, 3, 20))
    assert tasks.anonymise_loan_history.call() == 1
    assert tasks.send_due_notices.call() == 0
    assert tasks.send_hold_notices.call() == 0
    assert tasks.expire_stack_orders.call() == 0
    assert tasks.expire_holds.call() == 0
    assert tasks.expire_hold_shelf.call() == 0
