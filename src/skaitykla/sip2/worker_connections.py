"""Database connection upkeep for the server's worker threads, around every message.

A web request calls Django's ``close_old_connections`` at its start and end. That also clears
the health-check flag, so with ``CONN_HEALTH_CHECKS`` the first query of every request costs an
extra ``SELECT 1`` round trip. A SIP2 worker thread handles one message after another on the
same connection, many per second: it needs that check only when its connection has sat idle
(a database restart or a dropped network shows up then), and otherwise only the rest of the
upkeep — drop the connection after a database error, at ``CONN_MAX_AGE``, or when a handler left
autocommit off.
"""

from __future__ import annotations

import threading
import time

from django.db import close_old_connections, connections

#: A worker's connection idle at least this long is checked before its next message is handled.
IDLE_BEFORE_CHECK_SECONDS = 5.0

_worker = threading.local()


def before_message() -> None:
    """Full upkeep (with the health check on the next query) only after an idle spell."""
    last_used = getattr(_worker, "last_used", None)
    if last_used is None or time.monotonic() - last_used >= IDLE_BEFORE_CHECK_SECONDS:
        close_old_connections()


def after_message() -> None:
    """Drop a connection that errored, outlived ``CONN_MAX_AGE`` or was left in a transaction
    mode it did not start in; keep a healthy one (and its checked state) for the next message."""
    now = time.monotonic()
    _worker.last_used = now
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        obsolete = connection.close_at is not None and now >= connection.close_at
        autocommit_changed = connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"]
        if connection.errors_occurred or obsolete or autocommit_changed:
            connection.close_if_unusable_or_obsolete()
