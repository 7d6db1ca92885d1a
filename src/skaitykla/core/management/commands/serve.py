"""``skaitykla serve``: the production web server (gunicorn serving ``skaitykla.wsgi``).

Configuration is validated before anything starts: importing the settings raises
``ConfigurationError`` for a missing or invalid variable (printed by ``skaitykla`` as one line),
then Django's system checks run (with the deployment checks in production mode). Static files
are collected (hashed and compressed in production) and served by WhiteNoise.

Gunicorn runs in this process, so signals reach its master directly: SIGTERM and SIGINT stop
gracefully (in-flight requests finish, up to ``--graceful-timeout`` seconds); a second SIGINT
during that wait stops at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from django.conf import settings
from django.core.checks import ERROR
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

DEFAULT_BIND = "127.0.0.1:8000"
MAX_DEFAULT_WORKERS = 8

# Common Log Format without the query string (``%(U)s`` is the path only) and without the
# Referer: either can carry tokens or personal data. ``%(M)s`` is the duration in milliseconds.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def default_workers(database: dict[str, Any] | None = None) -> int:
    """``WEB_CONCURRENCY`` if set, else a count from the usable cores (at most 8).

    With the database on another machine a worker spends part of each request waiting for the
    network, so 2 × cores + 1 workers keep the cores busy. With the database on this machine its
    server processes do the other part of each request on the same cores: one worker per core
    (at least two) keeps them busy without making every request wait for a core (ADR 0063).
    """
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    if configured:
        return positive_int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    local = database_is_local(
        connections["default"].settings_dict if database is None else database
    )
    return min(max(2, cores) if local else 2 * cores + 1, MAX_DEFAULT_WORKERS)


LOCAL_HOSTS = frozenset({"", "localhost", "::1"})


def database_is_local(database: dict[str, Any]) -> bool:
    """Whether the database runs on this machine: SQLite, a Unix socket or a loopback address."""
    if "sqlite" in str(database.get("ENGINE", "")):
        return True
    host = str(database.get("HOST") or "").strip().lower()
    return host.startswith("/") or host in LOCAL_HOSTS or host.startswith("127.")


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


class GracefulArbiter(Arbiter):
    """Gunicorn's master, with SIGINT as graceful as SIGTERM (gunicorn's own SIGINT is abrupt)."""

    def handle_int(self) -> None:
        raise StopIteration


class GunicornServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from skaitykla.wsgi import application

        return application

    def run(self) -> None:
        try:
            GracefulArbiter(self).run()
        except RuntimeError as error:
            sys.stderr.write(f"skaitykla serve: {error}\n")
            raise SystemExit(1) from None


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) after validating configuration."
    # The checks run in handle(), with the deployment checks added in production mode.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--bind",
            default=DEFAULT_BIND,
            help=f"address to listen on: HOST:PORT or unix:PATH (default {DEFAULT_BIND})",
        )
        parser.add_argument(
            "--workers",
            type=positive_int,
            default=None,
            help="worker processes (default: WEB_CONCURRENCY, else one per core (at least 2) with "
            f"the database on this machine, 2 x cores + 1 with it elsewhere, at most "
            f"{MAX_DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="do not run collectstatic first (static files were collected at deploy time)",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=positive_int,
            default=30,
            help="seconds in-flight requests get to finish after SIGTERM/SIGINT (default 30)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            workers = options["workers"] or default_workers()
        except argparse.ArgumentTypeError as error:
            raise CommandError(f"WEB_CONCURRENCY {error}") from None
        self.check(include_deployment_checks=settings.PRODUCTION, fail_level=ERROR)
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=options["verbosity"])
        # Forked workers must not share the master's database connections.
        connections.close_all()
        GunicornServer(
            {
                "bind": [options["bind"]],
                "workers": workers,
                "worker_class": "sync",
                "graceful_timeout": options["graceful_timeout"],
                "accesslog": "-",
                "access_log_format": ACCESS_LOG_FORMAT,
                "errorlog": "-",
                "loglevel": os.environ.get("LOG_LEVEL", "info").strip().lower() or "info",
                "proc_name": "skaitykla",
                # Gunicorn's runtime control socket would be shared by every server of a user.
                "control_socket_disable": True,
            }
        ).run()
