"""Health check round trip: ``GET /healthz`` through ``skaitykla serve`` (1 worker).

Starts the production server on a free port against a throwaway SQLite database (and against
PostgreSQL too when ``DATABASE_URL`` points at one), sends N sequential requests with
``http.client`` and compares them, in the same run, with two baselines:

* a small static file served by the same process (WhiteNoise answers before Django's views:
  the cost of HTTP, gunicorn and the middleware in front of it), and
* ``SELECT 1`` from this process straight to the database (the query the health check makes).

Usage: ``.venv/bin/python benchmarks/healthz_bench.py [--requests 2000] [--quick]``
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SKAITYKLA = str(Path(sys.executable).parent / "skaitykla")
SECRET_KEY = secrets.token_urlsafe(64)  # a throwaway server: a fresh key each run
ROUNDS = 10  # the loops alternate in rounds so that drift hits every loop alike


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(workdir: Path, database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "LANG": "C.UTF-8",
        "SKAITYKLA_MODE": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SKAITYKLA_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        # Access logging to a pipe nobody reads would measure the pipe: keep it quiet.
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def serving(workdir: Path, database_url: str) -> Iterator[int]:
    port = free_port()
    log = (workdir / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [SKAITYKLA, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "-v0"],
        env=server_env(workdir, database_url),
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise SystemExit(f"skaitykla serve did not start:\n{log.name}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def smallest_static_file(static_root: Path) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = sorted(
        manifest["paths"].values(), key=lambda name: (static_root / name).stat().st_size
    )
    return f"/static/{hashed[0]}"


def http_loop(port: int, path: str, expected: int) -> Callable[[int], list[float]]:
    """Sequential GETs on one ``http.client`` connection (re-opened when the server closes it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def run(count: int) -> list[float]:
        timings = []
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path, headers={"Accept-Encoding": "identity"})
            response = connection.getresponse()
            response.read()
            timings.append(time.perf_counter() - started)
            if response.status != expected:
                raise SystemExit(f"GET {path}: {response.status}, expected {expected}")
        return timings

    return run


def select_one_loop(database_url: str) -> Callable[[int], list[float]]:
    """``SELECT 1`` round trips on one connection, as the health check runs it."""
    execute: Callable[[str], Any]
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        execute = connection.execute
    else:
        import psycopg

        pg = psycopg.connect(database_url, autocommit=True)
        execute = pg.execute

    def run(count: int) -> list[float]:
        timings = []
        for _ in range(count):
            started = time.perf_counter()
            execute("SELECT 1").fetchone()
            timings.append(time.perf_counter() - started)
        return timings

    return run


def measure(
    loops: dict[str, Callable[[int], list[float]]], requests: int
) -> dict[str, list[float]]:
    for loop in loops.values():
        loop(max(requests // 20, 10))  # warm-up: connections, caches, lazy imports
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(ROUNDS):
        for name, loop in loops.items():
            timings[name].extend(loop(requests // ROUNDS))
    return timings


def report(label: str, timings: dict[str, list[float]]) -> None:
    def ms(values: list[float], quantile: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(int(quantile * len(ordered)), len(ordered) - 1)]

    print(f"\n{label}")
    print(f"  {'loop':<34} {'n':>6} {'median ms':>10} {'p95 ms':>8} {'req/s':>8}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"  {name:<34} {len(values):>6} {1000 * median:>10.3f} {ms(values, 0.95):>8.3f}"
            f" {1 / median:>8.0f}"
        )
    health = statistics.median(timings["GET /healthz"])
    static = statistics.median(timings["GET static file (WhiteNoise)"])
    query = statistics.median(timings["SELECT 1 (direct)"])
    print(f"  ratio healthz / static file: {health / static:.2f}")
    print(f"  ratio healthz / SELECT 1:    {health / query:.1f}")


def bench(label: str, database_url: str, workdir: Path, requests: int) -> None:
    workdir.mkdir()
    with serving(workdir, database_url) as port:
        loops = {
            "GET /healthz": http_loop(port, "/healthz", 200),
            "GET static file (WhiteNoise)": http_loop(
                port, smallest_static_file(workdir / "static"), 200
            ),
            "SELECT 1 (direct)": select_one_loop(database_url),
        }
        report(label, measure(loops, requests))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per loop")
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests")
    options, _ = parser.parse_known_args()
    if options.quick:
        options.requests = max(options.requests // 10, ROUNDS)
    print(f"healthz round trip: {options.requests} sequential requests per loop, 1 worker")
    with tempfile.TemporaryDirectory(prefix="skaitykla-healthz-") as directory:
        workdir = Path(directory)
        bench(
            "SQLite (throwaway file)",
            f"sqlite:///{workdir / 'bench.sqlite3'}",
            workdir / "sqlite",
            options.requests,
        )
        database_url = os.environ.get("DATABASE_URL", "")
        if database_url.startswith("postgres"):
            bench("PostgreSQL (DATABASE_URL)", database_url, workdir / "pg", options.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
