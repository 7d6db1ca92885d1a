"""``core.postgresql``: a kept connection is checked without a statement, and one the server ended
is replaced before a request uses it."""

from __future__ import annotations

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections

from skaitykla.core.postgresql.base import DatabaseWrapper

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]


@pytest.fixture
def kept():
    """A second connection to the test database, as a worker keeps one between requests."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.ensure_connection()
    assert wrapper.health_check_enabled
    assert wrapper.settings_dict["CONN_MAX_AGE"] > 0
    yield wrapper
    wrapper.close()


def _pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return str(cursor.fetchone()[0])


def _ended_by_the_server(wrapper) -> None:
    pid = _pid(wrapper)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True
    deadline = time.monotonic() + 10
    while wrapper.is_usable():
        assert time.monotonic() < deadline, "the ended connection still looks usable"
        time.sleep(0.05)


def test_a_live_connection_is_usable_and_the_check_sends_nothing(kept):
    pid = _pid(kept)
    with kept.cursor() as cursor:
        cursor.execute("SELECT 'marker before the check'")
    assert kept.is_usable()
    assert kept.is_usable()
    assert _last_statement(pid) == "SELECT 'marker before the check'"


def test_a_connection_the_server_ended_is_replaced_at_the_next_request(kept):
    old_pid = _pid(kept)
    _ended_by_the_server(kept)
    # What a request does: request_started marks the check due, the first cursor runs it.
    kept.close_if_unusable_or_obsolete()
    assert _pid(kept) != old_pid


def test_without_the_check_the_request_would_fail(kept):
    kept.health_check_enabled = False
    _ended_by_the_server(kept)
    kept.close_if_unusable_or_obsolete()
    with pytest.raises(OperationalError):
        _pid(kept)
