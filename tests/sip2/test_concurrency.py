"""Real concurrency on PostgreSQL: many kiosks at once against one server."""

from __future__ import annotations

import threading

import pytest

from skaitykla.circulation.models import Loan
from skaitykla.circulation.policies import forget_cached_policies
from skaitykla.sip2.models import KioskCheckout
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.circulation.conftest import open_mon_to_sat, set_rule
from tests.sip2.support import RawKiosk, checkout, make_kiosk

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

KIOSKS = 20
LIMIT = 5


def _at_once(count, work):
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def run(index):
        try:
            outcome: object = work(index, barrier)
        except Exception as error:
            outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_kiosks_checking_out_for_one_reader_never_break_the_loan_limit(
    make_server, library, reader_card
):
    forget_cached_policies()
    open_mon_to_sat(library)
    set_rule(max_loans_total=LIMIT)
    forget_cached_policies()
    for index in range(KIOSKS):
        make_kiosk(library, username=f"kiosk{index}")
        ItemFactory(library=library, barcode=f"C{index:04d}", record=RecordFactory())
    running = make_server(worker_threads=16)

    def work(index, barrier):
        with RawKiosk(running.port, timeout=60) as client:
            assert client.login(username=f"kiosk{index}").fixed == {"ok": "1"}
            barrier.wait(timeout=30)
            return client.ask(checkout("LNB0000001", f"C{index:04d}")).fixed["ok"]

    results = _at_once(KIOSKS, work)
    assert sorted(map(str, results)) == ["0"] * (KIOSKS - LIMIT) + ["1"] * LIMIT
    assert Loan.objects.filter(returned_at__isnull=True).count() == LIMIT
    assert KioskCheckout.objects.count() == LIMIT


def test_the_same_checkout_from_many_connections_of_one_kiosk_makes_one_loan(
    make_server, library, kiosk, reader_card
):
    forget_cached_policies()
    open_mon_to_sat(library)
    set_rule()
    forget_cached_policies()
    ItemFactory(library=library, barcode="SAME1", record=RecordFactory())
    running = make_server(worker_threads=8)

    def work(index, barrier):
        with RawKiosk(running.port, timeout=60) as client:
            client.login()
            barrier.wait(timeout=30)
            reply = client.ask(checkout("LNB0000001", "SAME1"))
            return reply.fixed["ok"], reply.fixed["renewal_ok"]

    results = _at_once(6, work)
    assert all(result == ("1", "N") or result == ("0", "N") for result in results), results
    assert ("1", "N") in results
    loans = list(Loan.objects.values_list("item__barcode", "renewals_count"))
    assert loans == [("SAME1", 0)]


def test_racing_failed_logins_never_pass_the_limit(library):
    """Twelve wrong passwords for one kiosk at once with a limit of four: exactly four are
    checked and counted, the other eight are refused unchecked."""
    from datetime import timedelta

    from django.db import connection

    from skaitykla.core.models import RateCounter
    from skaitykla.sip2.errors import KioskLoginThrottledError
    from skaitykla.sip2.services import authenticate_kiosk

    make_kiosk(library)

    def guess(_index, barrier):
        try:
            barrier.wait()
            return authenticate_kiosk(
                username="kiosk1",
                password="wrong",
                address="10.0.0.5",
                failure_limit=4,
                window=timedelta(hours=1),
            )
        finally:
            connection.close()

    results = _at_once(12, guess)
    assert results.count(None) == 4
    assert sum(isinstance(result, KioskLoginThrottledError) for result in results) == 8
    assert sorted(RateCounter.objects.values_list("scope", "count")) == [
        ("sip2.login", 4),
        ("sip2.login.address", 4),
    ]
