"""Failed kiosk logins are counted across connections: past the limit even the right password
is refused until the window ends."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from skaitykla.core.models import RateCounter
from skaitykla.sip2.errors import KioskLoginThrottledError
from skaitykla.sip2.services import authenticate_kiosk
from tests.sip2.support import KIOSK_PASSWORD, RawKiosk, make_kiosk

# The server answers from its own threads and connections: committed data.
pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = timedelta(minutes=15)
NOW = datetime(2026, 11, 26, 10, 1, tzinfo=UTC)  # in the window 10:00–10:15


def login(username: str, password: str, address: str = "10.0.0.5", now: datetime = NOW):
    return authenticate_kiosk(
        username=username,
        password=password,
        address=address,
        failure_limit=3,
        window=WINDOW,
        now=now,
    )


def test_past_the_limit_the_right_password_is_refused_until_the_window_ends(kiosk):
    for _ in range(3):
        assert login("kiosk1", "wrong") is None
    with pytest.raises(KioskLoginThrottledError) as refused:
        login("kiosk1", KIOSK_PASSWORD)
    assert refused.value.code == "sip2_login_throttled"
    # Refused attempts are not counted again, nor is anything else written.
    assert sorted(RateCounter.objects.values_list("scope", "count")) == [
        ("sip2.login", 3),
        ("sip2.login.address", 3),
    ]
    # Another address, and the same address once the window has ended, may log in.
    assert login("kiosk1", KIOSK_PASSWORD, address="10.0.0.6") == kiosk
    assert login("kiosk1", KIOSK_PASSWORD, now=NOW + WINDOW) == kiosk


def test_neither_name_nor_address_is_stored(kiosk):
    login("kiosk1", "wrong")
    stored = " ".join(RateCounter.objects.values_list("key", flat=True))
    assert "kiosk1" not in stored
    assert "10.0.0.5" not in stored


def test_an_address_trying_many_names_is_stopped_at_four_times_the_limit(library):
    kiosk = make_kiosk(library, username="kiosk9")
    for n in range(12):  # 4 × 3 failures, three per name
        assert login(f"guess{n // 3}", "wrong") is None
    with pytest.raises(KioskLoginThrottledError):
        login("kiosk9", KIOSK_PASSWORD)
    assert login("kiosk9", KIOSK_PASSWORD, address="10.0.0.7") == kiosk


def test_successful_logins_are_not_counted(kiosk):
    for _ in range(5):
        assert login("kiosk1", KIOSK_PASSWORD) == kiosk
    assert not RateCounter.objects.exists()


def test_failures_add_up_across_connections(make_server, kiosk, caplog):
    server = make_server(login_failure_limit=3)
    for _ in range(3):  # a new connection for each guess
        with RawKiosk(server.port) as client:
            assert client.login(password="wrong").fixed == {"ok": "0"}
    with caplog.at_level(logging.WARNING, logger="skaitykla.sip2"), RawKiosk(server.port) as client:
        assert client.login().fixed == {"ok": "0"}
    assert "login refused, too many failures" in caplog.text
    assert KIOSK_PASSWORD not in caplog.text
    # Another server, with its own connections, sees the same count (it is in the database).
    other = make_server(login_failure_limit=3)
    with RawKiosk(other.port) as client:
        assert client.login().fixed == {"ok": "0"}
