"""Django's PostgreSQL backend, with a connection check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before a request first uses it, so
that a connection the server ended (a restart, a failover, ``pg_terminate_backend``) is
replaced instead of failing the request. Django's check is ``SELECT 1``: a round trip on every
request, about as much as one of a checkout's own statements.

An idle connection receives nothing unless the server is ending it: then the server's last
message ("terminating connection …") and the end of the stream wait on the socket. So the check
here first asks the socket, without waiting: nothing to read means the server has not ended the
connection, and it is used as it is. Anything waiting (or a socket the driver reports closed or
broken) falls back to Django's ``SELECT 1``, which fails on a dead connection, so that Django
opens a new one. Not detected, as with any check that sends nothing: a server host that vanished
without closing its connections; the request's own first statement then fails.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base

_WAITING = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        driver = self.connection
        if driver is None or driver.closed or driver.broken:
            return False
        try:
            ready = select.poll()
            ready.register(driver.pgconn.socket, _WAITING)
            waiting = ready.poll(0)
        except (OSError, ValueError, psycopg.Error):
            return False
        return not waiting or super().is_usable()
