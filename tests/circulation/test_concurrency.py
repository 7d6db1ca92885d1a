"""Real concurrency on PostgreSQL (threads, one connection each): one loan per item, loan
limits, hold queue positions and renewal limits hold under simultaneous requests.

Same item: the issue's 50 threads × 200 rounds (about 2–3 minutes on a 2-core machine);
``CIRC_CONCURRENCY_ROUNDS=N`` runs fewer while working on the code.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from django.db import connection

from skaitykla.circulation import errors, services
from skaitykla.circulation.choices import QUEUED_HOLD_STATUSES
from skaitykla.circulation.models import Hold, Loan
from tests.circulation.conftest import NOW, set_rule

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

THREADS = 50
ROUNDS = int(os.environ.get("CIRC_CONCURRENCY_ROUNDS", "200"))


def run_in_threads(work, count, *, barrier_timeout=30):
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=barrier_timeout)
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


class Pool:
    """Long-lived worker threads (one connection each) that run a function per round."""

    def __init__(self, size):
        self.size = size
        self.start = threading.Barrier(size + 1)
        self.done = threading.Barrier(size + 1)
        self.work = None
        self.results: list[object] = [None] * size
        self.stop = False
        self.threads = [threading.Thread(target=self._loop, args=(i,)) for i in range(size)]
        for thread in self.threads:
            thread.start()

    def _loop(self, index):
        try:
            while True:
                self.start.wait(timeout=120)
                if self.stop:
                    return
                try:
                    self.results[index] = self.work(index)
                except Exception as error:
                    self.results[index] = error
                self.done.wait(timeout=120)
        finally:
            connection.close()

    def round(self, work):
        self.work = work
        self.start.wait(timeout=120)
        self.done.wait(timeout=120)
        return list(self.results)

    def close(self):
        self.stop = True
        self.start.wait(timeout=120)
        for thread in self.threads:
            thread.join(timeout=60)


def test_one_winner_per_round_for_the_same_item(circ):
    item = circ.item()
    readers = [circ.new_reader()[0] for _ in range(THREADS)]
    pool = Pool(THREADS)
    try:
        for round_number in range(ROUNDS):
            at = NOW + timedelta(minutes=round_number)

            def attempt(index, at=at):
                return services.checkout_item(
                    item_barcode=item.barcode,
                    reader=readers[index],
                    library=circ.library,
                    channel="api",
                    at=at,
                )

            results = pool.round(attempt)
            winners = [r for r in results if isinstance(r, Loan)]
            losers = [r for r in results if isinstance(r, errors.ItemOnLoanError)]
            assert len(winners) == 1, (round_number, results)
            assert len(losers) == THREADS - 1, (round_number, results)
            assert Loan.objects.filter(item=item, returned_at__isnull=True).count() == 1
            services.checkin_item(
                item_barcode=item.barcode,
                library=circ.library,
                channel="desk",
                at=at + timedelta(seconds=30),
            )
    finally:
        pool.close()
    assert Loan.objects.filter(item=item).count() == ROUNDS


def test_simultaneous_checkouts_for_one_reader_respect_the_limit(circ):
    circ.category.loan_limit = 15
    circ.category.save()
    items = [circ.item() for _ in range(20)]

    def attempt(index):
        return services.checkout_item(
            item_barcode=items[index].barcode,
            card_barcode=circ.card.barcode,
            library=circ.library,
            channel="sip2",
            at=NOW,
        )

    results = run_in_threads(attempt, 20)
    assert sum(isinstance(r, Loan) for r in results) == 15, results
    assert sum(isinstance(r, errors.LoanLimitError) for r in results) == 5, results
    assert Loan.objects.filter(reader=circ.reader, returned_at__isnull=True).count() == 15


def test_concurrent_holds_and_cancels_keep_positions_contiguous(circ):
    record, (item,) = circ.record_with_items(1)
    borrower, _ = circ.new_reader()
    services.checkout_item(
        item_barcode=item.barcode, reader=borrower, library=circ.library, channel="desk", at=NOW
    )
    readers = [circ.new_reader()[0] for _ in range(30)]
    seen: list[list[int]] = []
    stop = threading.Event()

    def watch():
        try:
            while not stop.is_set():
                seen.append(
                    sorted(
                        Hold.objects.filter(
                            record=record, status__in=QUEUED_HOLD_STATUSES
                        ).values_list("position", flat=True)
                    )
                )
        finally:
            connection.close()

    def place_then_maybe_cancel(index):
        hold = services.place_hold(
            reader=readers[index], record=record, pickup_library=circ.library, channel="portal"
        )
        if index % 3 == 0:
            services.cancel_hold(hold=hold, reader=readers[index])
            return "cancelled"
        if index % 3 == 1:
            services.suspend_hold(hold=hold, until=None, reader=readers[index])
        return hold

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = run_in_threads(place_then_maybe_cancel, 30)
    finally:
        stop.set()
        watcher.join(timeout=60)
    assert not [r for r in results if isinstance(r, Exception)], results
    final = list(
        Hold.objects.filter(record=record, status__in=QUEUED_HOLD_STATUSES)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert final == list(range(1, 21))
    assert seen
    for snapshot in seen:  # every committed state the watcher saw was contiguous
        assert snapshot == list(range(1, len(snapshot) + 1)), snapshot


def test_concurrent_renewals_stop_at_the_limit_with_the_sequential_due_date(circ):
    set_rule(renewals_allowed=3)
    first, second = circ.item(), circ.item()
    loan = services.checkout_item(
        item_barcode=first.barcode,
        reader=circ.reader,
        library=circ.library,
        channel="desk",
        at=NOW,
    )
    chain = services.checkout_item(
        item_barcode=second.barcode,
        reader=circ.reader,
        library=circ.library,
        channel="desk",
        at=NOW,
    )
    at = NOW + timedelta(days=1)

    def attempt(_index):
        return services.renew_loan(loan=loan.pk, reader=circ.reader, channel="portal", at=at)

    results = run_in_threads(attempt, 10)
    assert sum(isinstance(r, Loan) for r in results) == 3, results
    assert sum(isinstance(r, errors.RenewalLimitError) for r in results) == 7, results
    for _ in range(3):
        chain = services.renew_loan(loan=chain.pk, channel="desk", at=at)
    loan.refresh_from_db()
    assert loan.renewals_count == 3
    assert loan.due_at == chain.due_at
