"""``skaitykla serve`` in production mode: health check, database outage, logs, shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connections
from django.test import RequestFactory

from skaitykla.core import views
from skaitykla.core.management.commands.serve import (
    MAX_DEFAULT_WORKERS,
    database_is_local,
    default_workers,
)
from tests.ops.processes import (
    fetch,
    free_port,
    process_group_alive,
    production_env,
    run_skaitykla,
    serving,
    stop,
)

SESSION_COOKIE = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Static files collected once (hashed and compressed, as in production) for these tests."""
    workdir = tmp_path_factory.mktemp("static")
    env = production_env(workdir, f"sqlite:///{workdir / 'unused.sqlite3'}")
    result = run_skaitykla("collectstatic", "--noinput", "-v0", env=env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    return workdir / "static"


def sqlite_env(workdir: Path, static_root: Path) -> dict[str, str]:
    env = production_env(workdir, f"sqlite:///{workdir / 'db.sqlite3'}")
    env["STATIC_ROOT"] = str(static_root)
    return env


@pytest.mark.slow
def test_healthy_health_check_is_exactly_ok(tmp_path: Path, static_root: Path) -> None:
    with serving(sqlite_env(tmp_path, static_root), tmp_path) as server:
        response = fetch(f"{server.url}/healthz")

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    assert json.loads(response.body) == {"status": "ok", "database": "ok"}


@pytest.mark.slow
def test_database_outage_gives_503_pages_without_a_stack_trace(tmp_path: Path) -> None:
    # PostgreSQL on a port where nothing listens; serve collects the static files itself.
    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/skaitykla"
    env = production_env(tmp_path, unreachable)

    with serving(env, tmp_path, collectstatic=True) as server:
        health = fetch(f"{server.url}/healthz")
        home = fetch(f"{server.url}/")
        # A returning visitor: the session lookup itself needs the database.
        api = fetch(f"{server.url}/api/v1/me/", headers=SESSION_COOKIE)

    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert health.status == 503
    health_body = json.loads(health.body)
    assert health_body["status"] == "error"
    assert health_body["database"] == "unavailable"
    for page in (home, api):
        assert page.status == 503
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<html lang="lt">' in page.body
        assert "<h1>Paslauga laikinai neveikia</h1>" in page.body
        assert '<section lang="en"' in page.body
        assert "Service temporarily unavailable" in page.body
        assert '<a href="/">' in page.body
        assert 'href="/static/skaitykla/skaitykla.css"' in page.body
        for leak in ("Traceback", "OperationalError", "psycopg", "connection failed"):
            assert leak not in page.body


def test_error_pages_render_without_database_or_request_context() -> None:
    # No `db` fixture: pytest-django fails any database access in this test.
    request = RequestFactory().get("/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        outage = views.server_error(request)
    try:
        raise ValueError("bug")
    except ValueError:
        failure = views.server_error(request)

    assert outage.status_code == 503
    assert "<h1>Paslauga laikinai neveikia</h1>" in outage.content.decode()
    assert failure.status_code == 500
    page = failure.content.decode()
    assert "<h1>Įvyko serverio klaida</h1>" in page
    assert '<h2 id="error-in-english">Server error</h2>' in page
    assert "bug" not in page


@pytest.mark.slow
def test_access_log_leaves_out_query_strings(tmp_path: Path, static_root: Path) -> None:
    with serving(sqlite_env(tmp_path, static_root), tmp_path) as server:
        fetch(f"{server.url}/healthz?token=canary-7c1d", headers={"Referer": "/x?pin=canary-7c1d"})
        stop(server)
        log = server.output()

    assert '"GET /healthz HTTP/1.1" 200' in log
    assert "canary-7c1d" not in log


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_lets_the_request_in_flight_finish(
    tmp_path: Path, static_root: Path, sig: signal.Signals
) -> None:
    with serving(sqlite_env(tmp_path, static_root), tmp_path) as server:
        client = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        with client:
            # The worker has accepted a request whose headers are not complete yet.
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            time.sleep(1)  # time for the idle worker to accept it
            server.process.send_signal(sig)
            time.sleep(0.5)
            client.sendall(b"Connection: close\r\n\r\n")
            answer = client.makefile("rb").read()
        returncode = server.process.wait(timeout=20)
        log = server.output()

    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b'{"status": "ok", "database": "ok"}')
    assert returncode == 0
    assert not process_group_alive(server.process.pid)
    assert f"Handling signal: {sig.name[3:].lower()}" in log
    assert "Shutting down: Master" in log


def test_default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    remote = {"ENGINE": "django.db.backends.postgresql", "HOST": "db.example.lt"}
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert default_workers(remote) == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    cores = len(os.sched_getaffinity(0))
    assert default_workers(remote) == min(2 * cores + 1, MAX_DEFAULT_WORKERS)
    for host in ("", "localhost", "127.0.0.1", "::1", "/run/postgresql"):
        local = {"ENGINE": "skaitykla.core.postgresql", "HOST": host}
        assert default_workers(local) == min(max(2, cores), MAX_DEFAULT_WORKERS), host
    assert default_workers({"ENGINE": "django.db.backends.sqlite3"}) == min(
        max(2, cores), MAX_DEFAULT_WORKERS
    )
    # Without an argument: the project's own database.
    assert default_workers() == default_workers(connections["default"].settings_dict)


def test_database_on_another_machine_is_not_local() -> None:
    for host in ("10.0.0.12", "db.example.lt", "[2001:db8::1]", "128.0.0.1"):
        assert not database_is_local({"ENGINE": "django.db.backends.postgresql", "HOST": host})


@pytest.mark.slow
def test_invalid_worker_count_is_refused(tmp_path: Path) -> None:
    env = production_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", WEB_CONCURRENCY="0")
    result = run_skaitykla("serve", env=env, cwd=tmp_path, stdin=subprocess.DEVNULL)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: WEB_CONCURRENCY must be at least 1, not 0"
    ]
