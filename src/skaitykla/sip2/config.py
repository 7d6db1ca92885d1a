"""SIP2 server settings, read from Django settings with safe defaults.

``SIP2_REQUIRE_LOGIN_FOR_STATUS`` — answer ``99`` only after ``93`` (default False: Koha and
SIPServer answer it before login, and some clients need that).

``SIP2_LOGIN_FAILURE_LIMIT`` (20) and ``SIP2_LOGIN_WINDOW_MINUTES`` (15) — failed ``93`` logins
for one account name from one address (four times as many from one address for any names) in a
window, across connections and server processes; past either, even the right password is
refused until the window ends. ``SIP2_MAX_FAILED_LOGINS`` (10) closes one connection sooner.

``SIP2_WORKER_THREADS`` — database threads of each server process (each holds one database
connection). Unset, the server's processes share about ``TOTAL_WORKER_THREADS`` between them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

#: Database connections the whole SIP2 server (all its processes) aims to hold at most.
TOTAL_WORKER_THREADS = 32
#: Bounds on one process's threads when they are derived from the process count.
_MIN_THREADS, _MAX_THREADS = 4, 16


@dataclass(frozen=True)
class ServerLimits:
    require_login_for_status: bool
    login_timeout: float
    idle_timeout: float
    max_connections: int
    max_line_bytes: int
    max_failed_logins: int
    #: Failed logins counted across connections and processes (``core.rate_limit``): per
    #: account name from one address, and four times as many per address, in a fixed window.
    login_failure_limit: int
    login_window_minutes: int
    worker_threads: int
    retry_window_minutes: int


def default_processes(*, port: int) -> int:
    """Server processes when ``--processes`` is not given: one per core on PostgreSQL, since a
    message's work is Python that one interpreter runs on one core at a time; one on SQLite
    (its writes are serialised whatever the processes) and on port 0 (a port picked at random
    cannot be shared)."""
    if port == 0 or connection.vendor != "postgresql":
        return 1
    return max(1, os.cpu_count() or 1)


def worker_threads(*, processes: int = 1) -> int:
    """Database threads of one server process: ``SIP2_WORKER_THREADS``, else a share of
    ``TOTAL_WORKER_THREADS`` (16 for one or two processes, 8 for four, 4 from eight on)."""
    explicit = getattr(settings, "SIP2_WORKER_THREADS", None)
    if explicit is not None:
        return int(explicit)
    return min(_MAX_THREADS, max(_MIN_THREADS, TOTAL_WORKER_THREADS // max(processes, 1)))


def server_limits(*, processes: int = 1) -> ServerLimits:
    return ServerLimits(
        require_login_for_status=bool(getattr(settings, "SIP2_REQUIRE_LOGIN_FOR_STATUS", False)),
        login_timeout=float(getattr(settings, "SIP2_LOGIN_TIMEOUT", 30)),
        idle_timeout=float(getattr(settings, "SIP2_IDLE_TIMEOUT", 600)),
        max_connections=int(getattr(settings, "SIP2_MAX_CONNECTIONS", 200)),
        max_line_bytes=int(getattr(settings, "SIP2_MAX_LINE_BYTES", 65536)),
        max_failed_logins=int(getattr(settings, "SIP2_MAX_FAILED_LOGINS", 10)),
        login_failure_limit=int(getattr(settings, "SIP2_LOGIN_FAILURE_LIMIT", 20)),
        login_window_minutes=int(getattr(settings, "SIP2_LOGIN_WINDOW_MINUTES", 15)),
        worker_threads=worker_threads(processes=processes),
        retry_window_minutes=int(getattr(settings, "SIP2_RETRY_WINDOW_MINUTES", 10)),
    )
