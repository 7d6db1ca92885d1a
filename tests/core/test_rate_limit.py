from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from skaitykla.core.models import RateCounter
from skaitykla.core.rate_limit import allow, hit, prune, release

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC)


def test_limit_holds_within_a_window_and_resets_in_the_next():
    results = [
        allow(scope="ask", key="198.51.100.7", limit=3, window=MINUTE, now=T0) for _ in range(5)
    ]
    assert results == [True, True, True, False, False]
    assert allow(scope="ask", key="198.51.100.7", limit=3, window=MINUTE, now=T0 + MINUTE)
    # Other keys and scopes count apart.
    assert allow(scope="ask", key="203.0.113.1", limit=3, window=MINUTE, now=T0)
    assert hit(scope="events", key="198.51.100.7", window=MINUTE, now=T0) == 1


def test_release_takes_back_one_attempt_and_deletes_an_empty_counter():
    for _ in range(2):
        hit(scope="login", key="kiosk", window=MINUTE, now=T0)
    release(scope="login", key="kiosk", window=MINUTE, now=T0)
    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]
    assert hit(scope="login", key="kiosk", window=MINUTE, now=T0) == 2
    release(scope="login", key="kiosk", window=MINUTE, now=T0)
    release(scope="login", key="kiosk", window=MINUTE, now=T0)
    assert not RateCounter.objects.exists()
    # Nothing to take back: nothing happens.
    release(scope="login", key="kiosk", window=MINUTE, now=T0)
    assert not RateCounter.objects.exists()


def test_no_address_is_stored():
    allow(scope="ask", key="198.51.100.7", limit=3, window=MINUTE, now=T0)
    stored = RateCounter.objects.get()
    assert "198.51.100.7" not in stored.key
    assert len(stored.key) == 64


def test_prune_forgets_old_windows():
    hit(scope="ask", key="a", window=MINUTE, now=T0 - timedelta(days=2))
    hit(scope="ask", key="a", window=MINUTE)
    assert prune() == 1
    assert RateCounter.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_counted_exactly():
    def one(_: int) -> int:
        try:
            return hit(scope="flood", key="198.51.100.7", window=timedelta(hours=1), now=T0)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(one, range(200)))
    assert counts == list(range(1, 201))
    assert RateCounter.objects.get().count == 200
