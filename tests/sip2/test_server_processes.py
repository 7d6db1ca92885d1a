"""How many server processes and database threads ``sip2_server`` starts by default."""

from __future__ import annotations

import os

from django.db import connection

from skaitykla.sip2.config import (
    TOTAL_WORKER_THREADS,
    default_processes,
    server_limits,
    worker_threads,
)


def test_one_process_per_core_on_postgresql_else_one():
    cores = os.cpu_count() or 1
    expected = cores if connection.vendor == "postgresql" else 1
    assert default_processes(port=6001) == expected
    # A random port cannot be shared between processes.
    assert default_processes(port=0) == 1


def test_processes_share_the_database_connections(settings):
    del settings.SIP2_WORKER_THREADS
    assert TOTAL_WORKER_THREADS == 32
    assert [worker_threads(processes=n) for n in (1, 2, 4, 8, 16)] == [16, 16, 8, 4, 4]
    assert server_limits(processes=4).worker_threads == 8
    assert server_limits().worker_threads == 16


def test_the_setting_fixes_each_processs_threads(settings):
    settings.SIP2_WORKER_THREADS = 6
    assert worker_threads(processes=1) == 6
    assert server_limits(processes=8).worker_threads == 6
