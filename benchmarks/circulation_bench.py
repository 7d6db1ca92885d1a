"""Circulation benchmark: checkout, check-in and mixed load through the HTTP API, a reader with
1,000 loans, the staff reader page, against a hand-written raw-SQL checkout of the same shape.

Run as ``DATABASE_URL=postgres://… .venv/bin/python benchmarks/circulation_bench.py``
(``--quick`` for a short smoke run). PostgreSQL only: the load runs in real threads. It builds a
throwaway test database next to ``DATABASE_URL``'s (named by ``TEST_DATABASE_NAME``), fills it
with ``seed_scale`` (libraries, readers with cards, records and items; the reference run is
200 000 readers, 1 000 000 records and 2 000 000 items) and adds what ``seed_scale`` has no
option for: opening hours, a benchmark reader category without a practical loan limit, 1,000
open loans for one reader and a reader with 20 loans and 3 holds; then it settles the load
(``VACUUM ANALYZE``, ``CHECKPOINT``) so that autovacuum does not work through it during the runs.

Server time per request: by default a real gunicorn (``skaitykla.wsgi``, production settings,
``--workers`` sync workers, by default as many as ``skaitykla serve`` would start on this machine,
token authentication) is started against the benchmark database and 20 client threads send HTTP
requests; the server time of each request is gunicorn's own
(``%(D)s`` microseconds in its access log), the round trip seen by the clients is printed too.
With ``--in-process`` the 20 threads call Django's WSGI handler directly (``django.test.Client``)
and the time around each call is the server time (it then includes waiting for the GIL).
Printed (ms): p50/p95 of

* checkout (``POST /api/v1/circulation/checkout``) at 20 concurrent clients (target p50 ≤ 10,
  p95 ≤ 25, ≤ 5× the raw-SQL baseline);
* check-in (``POST /api/v1/circulation/checkin``) at 20 clients (target p95 ≤ 20);
* mixed checkout / check-in / renewal for a fixed time: operations per second (target ≥ 150,
  p95 ≤ 100);
* checkout for a reader with 1,000 open loans vs a reader with one (target ratio ≤ 1.2);
* the staff reader circulation page with 20 loans and 3 holds (target p95 ≤ 50, ≤ 15 queries);
* baseline: one transaction of raw SQL of the same shape as a checkout (lock the reader, lock
  the item, count the reader's open loans, insert the loan, update the item), 20 threads.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import itertools
import json
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from reference_data import ITEMS, READERS, RECORDS, seed_scale_arguments

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skaitykla.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ.setdefault("TEST_DATABASE_NAME", "test_skaitykla_circulation_bench")

CLIENTS = 20
API = "/api/v1/circulation"
BIN = Path(sys.executable).parent
ACCESS_FORMAT = "%(U)s %(s)s %(D)s"  # path (no query string), status, microseconds


def summary(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return float("nan"), float("nan")
    p95 = statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)
    return statistics.median(samples), p95


# --- Talking to the application -------------------------------------------------------------------


class InProcess:
    """Django's WSGI handler called in this process (``django.test.Client``)."""

    def __init__(self, staff: Any) -> None:
        from django.test import Client

        self.client = Client(SERVER_NAME="localhost")
        self.client.force_login(staff)

    def post(self, path: str, data: dict[str, Any]) -> tuple[int, Any]:
        response = self.client.post(path, data, content_type="application/json")
        return response.status_code, response.json() if response.content else None

    def get(self, path: str) -> int:
        return int(self.client.get(path).status_code)


class Http:
    """HTTP to the gunicorn server: the API with a token, pages with a session cookie."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.cookie = "django_language=en"

    def log_in(self, username: str, password: str) -> None:
        """A staff session for the pages, through the login form (CSRF token and all)."""
        self.connection.request("GET", "/staff/login/")
        response = self.connection.getresponse()
        response.read()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        csrf = jar["csrftoken"].value
        body = urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password})
        self.connection.request(
            "POST",
            "/staff/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
            },
        )
        response = self.connection.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        if response.status != 302 or "sessionid" not in jar:
            raise RuntimeError(f"staff login failed: {response.status}")
        self.cookie = f"sessionid={jar['sessionid'].value}; django_language=en"

    def post(self, path: str, data: dict[str, Any]) -> tuple[int, Any]:
        self.connection.request("POST", path, body=json.dumps(data), headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else None

    def get(self, path: str) -> int:
        self.connection.request("GET", path, headers={"Cookie": self.cookie})
        response = self.connection.getresponse()
        response.read()
        return response.status


class AccessLog:
    """Server times (ms) from gunicorn's access log, read by offset."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self) -> int:
        time.sleep(0.2)  # gunicorn writes the line after sending the response
        return self.path.stat().st_size

    def since(self, offset: int, prefix: str) -> list[float]:
        time.sleep(0.2)
        with self.path.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode("utf-8", "replace").splitlines()
        samples = []
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0].startswith(prefix):
                samples.append(int(parts[2]) / 1000)
        return samples


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, workdir: Path) -> Iterator[tuple[int, AccessLog]]:
    """``skaitykla.wsgi`` under gunicorn with production settings, on a free port."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "skaitykla.settings",
        "SKAITYKLA_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SKAITYKLA_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [str(BIN / "skaitykla"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    access = workdir / "access.log"
    access.touch()
    errors = (workdir / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "skaitykla.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--backlog",
            "256",
            "--access-logfile",
            str(access),
            "--access-logformat",
            ACCESS_FORMAT,
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=errors,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                errors.flush()
                raise SystemExit(f"gunicorn did not start: {workdir / 'gunicorn.log'}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        yield port, AccessLog(access)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        errors.close()


def run_threads(
    work: Callable[[int], list[float]], threads: int = CLIENTS
) -> tuple[list[float], float]:
    """Run ``work(index)`` in ``threads`` threads started together; all samples and wall time."""
    from django.db import connection

    results: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    pool = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - began
    if errors:
        raise errors[0]
    return list(itertools.chain.from_iterable(results)), wall


def database_url_for(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument("--readers", type=int, default=0)
    parser.add_argument("--records", type=int, default=0)
    parser.add_argument("--items", type=int, default=0)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers (default: as `skaitykla serve` would start here)",
    )
    parser.add_argument(
        "--in-process", action="store_true", help="call the WSGI handler in this process"
    )
    options, _unknown = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("circulation_bench needs PostgreSQL: set DATABASE_URL=postgres://…")
        return 2
    quick = options.quick
    readers = options.readers or (2_000 if quick else READERS)
    records = options.records or (2_000 if quick else RECORDS)
    items = options.items or (6_000 if quick else ITEMS)
    per_client = 10 if quick else 100  # checkouts (then check-ins) per client thread
    mixed_seconds = 3.0 if quick else 30.0
    solo_runs = 20 if quick else 200
    import django

    django.setup()
    from skaitykla.core.management.commands.serve import default_workers

    # What `skaitykla serve` starts here (the database is on this machine: one per core).
    workers = options.workers or default_workers()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from skaitykla.accounts.models import User
    from skaitykla.catalogue.choices import ItemStatus, LoanType
    from skaitykla.catalogue.models import Item
    from skaitykla.circulation.choices import HoldStatus, LoanKind
    from skaitykla.circulation.models import Hold, Loan
    from skaitykla.circulation.policies import forget_cached_policies
    from skaitykla.core.models import Library, OpeningHours
    from skaitykla.patrons.models import Card, Reader, ReaderCategory

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    with contextlib.redirect_stdout(io.StringIO()):
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    test_name = connection.settings_dict["NAME"]
    results: dict[str, Any] = {}
    stack = contextlib.ExitStack()
    try:
        began = time.perf_counter()
        call_command(
            "seed_scale",
            *seed_scale_arguments(readers=readers, records=records, items=items),
            stdout=io.StringIO(),
        )
        build_seconds = time.perf_counter() - began

        # --- What seed_scale has no option for -----------------------------------------------
        for each in Library.objects.all():
            if not OpeningHours.objects.filter(library=each).exists():
                OpeningHours.objects.bulk_create(
                    OpeningHours(library=each, weekday=d, opens=dt.time(8), closes=dt.time(20))
                    for d in range(7)
                )
        category, _created = ReaderCategory.objects.get_or_create(
            code="bench", defaults={"name": "Benchmark", "loan_limit": 5000}
        )
        library = Library.objects.order_by("pk").first()
        assert library is not None
        staff = User.objects.create_user(
            "bench",
            password="x",  # noqa: S106 - a throwaway account in a throwaway database
            is_staff=True,
            is_superuser=True,
            home_library=library,
        )
        token = Token.objects.create(user=staff).key
        available = list(
            Item.objects.filter(status=ItemStatus.AVAILABLE, loan_type=LoanType.HOME_LOAN)
            .order_by("pk")
            .values_list("pk", "barcode", "record_id")
        )
        mixed_per_client = 40 if quick else 200
        need = CLIENTS * (per_client * 2 + mixed_per_client) + 1_100 + solo_runs * 2 + workers * 2
        if len(available) < need:
            raise SystemExit(f"only {len(available)} available items, {need} needed: more --items")
        rng = random.Random(5)
        rng.shuffle(available)
        pool = iter(available)
        held_records: set[int] = set()  # titles with a hold: their copies are not lent here

        def take(n: int) -> list[tuple[int, str]]:
            rows = (row for row in pool if row[2] not in held_records)
            return [(pk, barcode) for pk, barcode, _record in itertools.islice(rows, n)]

        reader_rows = list(
            Reader.objects.filter(status="active")
            .order_by("pk")
            .values_list("pk", flat=True)[: CLIENTS * 4 + 10]
        )
        Reader.objects.filter(pk__in=reader_rows).update(category=category)
        cards = dict(
            Card.objects.filter(reader_id__in=reader_rows, state="active").values_list(
                "reader_id", "barcode"
            )
        )
        readers_for = [reader_rows[i * 4 : i * 4 + 4] for i in range(CLIENTS)]
        heavy, light, page_reader = reader_rows[-1], reader_rows[-2], reader_rows[-3]

        # 1,000 open loans for one reader (and one for another), written in bulk.
        now = timezone.now()
        due = now + dt.timedelta(days=30)

        def bulk_loans(reader_id: int, rows: list[tuple[int, str]]) -> None:
            Loan.objects.bulk_create(
                Loan(
                    item_id=pk,
                    reader_id=reader_id,
                    library=library,
                    kind=LoanKind.HOME,
                    checked_out_at=now,
                    due_at=due,
                    channel="desk",
                )
                for pk, _barcode in rows
            )
            Item.objects.filter(pk__in=[pk for pk, _b in rows]).update(status=ItemStatus.ON_LOAN)

        bulk_loans(heavy, take(1_000))
        bulk_loans(light, take(1))
        # The page reader: 20 loans and 3 holds (on titles out on loan elsewhere).
        bulk_loans(page_reader, take(20))
        for pk, _barcode in take(3):
            record_id = Item.objects.values_list("record_id", flat=True).get(pk=pk)
            held_records.add(record_id)
            Hold.objects.filter(record_id=record_id).delete()
            Hold.objects.create(
                reader_id=page_reader,
                record_id=record_id,
                pickup_library=library,
                status=HoldStatus.WAITING,
                position=1,
                placed_at=now,
                channel="desk",
            )
        # Settle the bulk load as a long-running database is settled: without this, autovacuum
        # (and the first reads setting hint bits) works through the freshly written millions of
        # rows during the measurements, and the load's checkpoint lands in them.
        settle_started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        settle_seconds = time.perf_counter() - settle_started
        forget_cached_policies()
        teardown_test_environment()  # production template rendering

        log: AccessLog | None = None
        if options.in_process:

            def transport() -> InProcess | Http:
                return InProcess(staff)

            mode = "in-process WSGI handler, 20 threads (times include GIL waits)"
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="circ-bench-")))
            port, log = stack.enter_context(gunicorn(database_url_for(test_name), workers, workdir))

            def transport() -> InProcess | Http:
                return Http(port, token)

            mode = f"gunicorn, {workers} sync workers, HTTP from {CLIENTS} client threads"

        def measured(prefix: str, run: Callable[[], tuple[list[float], float]]) -> dict[str, float]:
            offset = log.mark() if log else 0
            client, wall = run()
            server = log.since(offset, prefix) if log else client
            (s50, s95), (c50, c95) = summary(server), summary(client)
            return {"p50": s50, "p95": s95, "rt50": c50, "rt95": c95, "rate": len(client) / wall}

        def checkout(client: InProcess | Http, barcode: str, reader_id: int) -> Any:
            status, body = client.post(
                f"{API}/checkout", {"item_barcode": barcode, "card_barcode": cards[reader_id]}
            )
            if status != 201:
                raise RuntimeError(f"checkout {status}: {body!r}")
            return body

        # Warm-up (every worker: code paths, policy cache, connections) outside the measurement.
        warm = [transport() for _ in range(workers * 2)]
        for client, (_pk, barcode) in zip(warm, take(len(warm)), strict=True):
            checkout(client, barcode, light)

        # --- Checkout at 20 clients ------------------------------------------------------------
        batches = [take(per_client) for _ in range(CLIENTS)]
        lent: list[list[str]] = [[] for _ in range(CLIENTS)]

        def checkout_work(index: int) -> list[float]:
            client = transport()
            samples = []
            for n, (_pk, barcode) in enumerate(batches[index]):
                began = time.perf_counter()
                checkout(client, barcode, readers_for[index][n % 4])
                samples.append((time.perf_counter() - began) * 1e3)
                lent[index].append(barcode)
            return samples

        results["checkout"] = measured(f"{API}/checkout", lambda: run_threads(checkout_work))

        # --- Check-in at 20 clients ------------------------------------------------------------
        def checkin_work(index: int) -> list[float]:
            client = transport()
            samples = []
            for barcode in lent[index]:
                began = time.perf_counter()
                status, body = client.post(f"{API}/checkin", {"item_barcode": barcode})
                samples.append((time.perf_counter() - began) * 1e3)
                if status != 200:
                    raise RuntimeError(f"checkin {status}: {body!r}")
            return samples

        results["checkin"] = measured(f"{API}/checkin", lambda: run_threads(checkin_work))

        # --- Mixed load for a fixed time -------------------------------------------------------
        mixed_items = [take(mixed_per_client) for _ in range(CLIENTS)]

        def mixed_work(index: int) -> list[float]:
            client = transport()
            samples: list[float] = []
            out: list[tuple[str, int]] = []
            spare = [barcode for _pk, barcode in mixed_items[index]]
            deadline = time.perf_counter() + mixed_seconds
            op = 0
            while time.perf_counter() < deadline:
                op += 1
                began = time.perf_counter()
                if out and op % 3 == 0:
                    barcode, _loan = out.pop(0)
                    status, body = client.post(f"{API}/checkin", {"item_barcode": barcode})
                    spare.append(barcode)
                elif out and op % 5 == 0:
                    status, body = client.post(f"{API}/renew", {"loan": out[-1][1]})
                elif spare:
                    barcode = spare.pop(0)
                    status, body = client.post(
                        f"{API}/checkout",
                        {
                            "item_barcode": barcode,
                            "card_barcode": cards[readers_for[index][op % 4]],
                        },
                    )
                    if status == 201:
                        out.append((barcode, body["id"]))
                else:
                    continue
                samples.append((time.perf_counter() - began) * 1e3)
                if status >= 500:
                    raise RuntimeError(f"mixed {status}: {body!r}")
            return samples

        results["mixed"] = measured(API, lambda: run_threads(mixed_work))

        # --- 1,000 loans vs one (one client, interleaved so that drift hits both alike) ----------
        solo = transport()
        if isinstance(solo, Http):
            solo.log_in("bench", "x")
        heavy_rows, light_rows = take(solo_runs), take(solo_runs)

        def solo_checkouts(
            reader_id: int, rows: list[tuple[int, str]]
        ) -> tuple[list[float], float]:
            samples = []
            began_all = time.perf_counter()
            for _pk, barcode in rows:
                began = time.perf_counter()
                checkout(solo, barcode, reader_id)
                samples.append((time.perf_counter() - began) * 1e3)
            return samples, time.perf_counter() - began_all

        heavy_server: list[float] = []
        light_server: list[float] = []
        for start in range(0, solo_runs, 5):
            for reader_id, rows, sink in (
                (heavy, heavy_rows, heavy_server),
                (light, light_rows, light_server),
            ):
                offset = log.mark() if log else 0
                client_samples, _wall = solo_checkouts(reader_id, rows[start : start + 5])
                sink += log.since(offset, f"{API}/checkout") if log else client_samples
        results["heavy"] = summary(heavy_server)
        results["light"] = summary(light_server)

        # --- The staff reader page -------------------------------------------------------------
        url = f"/staff/circulation/readers/{page_reader}/"
        if solo.get(url) != 200:
            raise RuntimeError(f"GET {url} failed")
        page_client = Client(SERVER_NAME="localhost")
        page_client.force_login(staff)
        with CaptureQueriesContext(connection) as captured:
            page_client.get(url)
        page_queries = len(captured)

        def page_work() -> tuple[list[float], float]:
            samples = []
            began_all = time.perf_counter()
            for _ in range(solo_runs * 2):
                began = time.perf_counter()
                if solo.get(url) != 200:
                    raise RuntimeError(f"GET {url} failed")
                samples.append((time.perf_counter() - began) * 1e3)
            return samples, time.perf_counter() - began_all

        results["page"] = measured("/staff/circulation/readers/", page_work)

        # --- Raw-SQL baseline of the same shape (20 threads in this process) -------------------
        raw_batches = [take(per_client) for _ in range(CLIENTS)]
        loan_table = Loan._meta.db_table
        item_table = Item._meta.db_table
        reader_table = Reader._meta.db_table

        def raw_work(index: int) -> list[float]:
            samples = []
            for n, (item_id, _barcode) in enumerate(raw_batches[index]):
                reader_id = readers_for[index][n % 4]
                began = time.perf_counter()
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id FROM {reader_table} WHERE id = %s FOR UPDATE",
                        [reader_id],
                    )
                    cursor.execute(
                        f"SELECT id, status FROM {item_table} WHERE id = %s FOR UPDATE",
                        [item_id],
                    )
                    cursor.execute(
                        f"SELECT count(*) FROM {loan_table} "
                        "WHERE reader_id = %s AND returned_at IS NULL",
                        [reader_id],
                    )
                    stamp = timezone.now()
                    cursor.execute(
                        f"INSERT INTO {loan_table} (item_id, reader_id, library_id, kind, "
                        "checked_out_at, due_at, renewals_count, channel, anonymised, "
                        "reader_category_code, age_band, return_channel) "
                        "VALUES (%s, %s, %s, 'home', %s, %s, 0, 'api', false, '', '', '')",
                        [item_id, reader_id, library.pk, stamp, stamp + dt.timedelta(days=30)],
                    )
                    cursor.execute(
                        f"UPDATE {item_table} SET status = 'on_loan', due_back = %s WHERE id = %s",
                        [(stamp + dt.timedelta(days=30)).date(), item_id],
                    )
                samples.append((time.perf_counter() - began) * 1e3)
            return samples

        samples, wall = run_threads(raw_work)
        results["raw"] = (*summary(samples), len(samples) / wall)
        with connection.cursor() as cursor:
            cursor.execute("show server_version")
            version = cursor.fetchone()[0]
    finally:
        stack.close()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        with contextlib.suppress(Exception):
            teardown_test_environment()

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Python {platform.python_version()}, PostgreSQL {version}, {os.cpu_count()} CPUs "
        f"(load average {load}); seed_scale: {readers:,} readers, {records:,} records, "
        f"{items:,} items in {build_seconds:.1f} s (VACUUM ANALYZE and CHECKPOINT after it: "
        f"{settle_seconds:.1f} s); {mode}; "
        f"{per_client} checkouts per client{' (quick)' if quick else ''}"
    )
    print("server time (ms; round trip at the client in brackets)")
    checks: list[tuple[str, bool]] = []

    def line(label: str, row: dict[str, float]) -> None:
        print(
            f"  {label:<34} p50 {row['p50']:8.2f}  p95 {row['p95']:8.2f}   "
            f"[{row['rt50']:.2f} / {row['rt95']:.2f}]  {row['rate']:.0f}/s"
        )

    line(f"checkout, {CLIENTS} clients", results["checkout"])
    line(f"check-in, {CLIENTS} clients", results["checkin"])
    line(f"mixed, {CLIENTS} clients, {mixed_seconds:.0f} s", results["mixed"])
    line("staff reader page (20 loans, 3 holds)", results["page"])
    r50, r95, rps = results["raw"]
    print(f"  {'raw-SQL checkout, 20 threads':<34} p50 {r50:8.2f}  p95 {r95:8.2f}   {rps:.0f}/s")
    c = results["checkout"]
    ratio50, ratio95 = c["p50"] / r50, c["p95"] / r95
    print(f"checkout / raw SQL: p50 {ratio50:.1f}×, p95 {ratio95:.1f}× (target ≤ 5×)")
    h50, h95 = results["heavy"]
    l50, l95 = results["light"]
    print(
        f"checkout, reader with 1,000 loans: p50 {h50:.2f}, p95 {h95:.2f} ms; with one: "
        f"p50 {l50:.2f}, p95 {l95:.2f} ms; ratio p95 {h95 / l95:.2f} (target ≤ 1.2)"
    )
    print(f"staff reader page: {page_queries} queries")
    i, m, p = results["checkin"], results["mixed"], results["page"]
    checks += [
        ("checkout p50 ≤ 10 ms", c["p50"] <= 10),
        ("checkout p95 ≤ 25 ms", c["p95"] <= 25),
        ("checkout ≤ 5× raw SQL (p50)", ratio50 <= 5),
        ("check-in p95 ≤ 20 ms", i["p95"] <= 20),
        ("mixed ≥ 150 ops/s", m["rate"] >= 150),
        ("mixed p95 ≤ 100 ms", m["p95"] <= 100),
        ("1,000 loans ≤ 1.2× one (p95)", h95 / l95 <= 1.2),
        ("reader page p95 ≤ 50 ms", p["p95"] <= 50),
        ("reader page ≤ 15 queries", page_queries <= 15),
    ]
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(ok for _name, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
