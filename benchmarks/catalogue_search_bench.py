"""Catalogue search latency at scale: medians and p95 per query class at 20 concurrent clients.

Builds ``--records`` synthetic records (default 1,000,000) and twice as many items with the scale
builder (``skaitykla.demo.catalogue.build_catalogue``) in a test database
(``TEST_DATABASE_NAME``, default ``test_skaitykla_catalogue_search_bench``; ``--keep`` keeps it
and reuses the data next time), then runs the ranked search with facets and live availability
(``selectors.search_records``, exactly what the page and the API call) from ``--clients``
concurrent clients served by ``--workers`` worker processes (like ``skaitykla serve`` workers;
HTTP itself is not included). Target (quality guide P7): p95 <= 100 ms for typical queries,
<= 250 ms for a term matching over 250,000 records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skaitykla \
        .venv/bin/python benchmarks/catalogue_search_bench.py [--records N] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skaitykla.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ.setdefault("TEST_DATABASE_NAME", "test_skaitykla_catalogue_search_bench")

QUERY_CLASSES = {
    "one word": ["pasakos", "žiemos", "gramatika", "kronikos", "dvarai", "ugnis", "vėjo"],
    "two words": ["upės giria", "miesto kultūra", "jūros vėjas", "sodas gėlės", "pilis kaimas"],
    "author": ["Kazlauskas", "Žemaitis", "mickevičius", "Paulauskas Rūta"],
    "prefix": ["žvaigžd*", "gramat*", "metrašt*", "univers*"],
    "phrase": ['"kelias dangus"', '"vasara žiema"', '"tauta valstybė"'],
    "filtered": ["pasakos", "muzika", "teatras"],
    "broad (> 250 k hits)": ["lietuvos"],
}


def _setup_child(test_name: str) -> None:
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["NAME"] = test_name


def _search(kind: str, query: str) -> tuple[str, float, int]:
    from skaitykla.catalogue.search.backends import Filters
    from skaitykla.catalogue.selectors import search_records

    filters = Filters(language="lit", available=True) if kind == "filtered" else None
    started = time.perf_counter()
    result = search_records(query, filters)
    return kind, time.perf_counter() - started, result.count


def build(records: int, items: int) -> None:
    from django.db import connection

    from skaitykla.catalogue.models import Item, Record
    from skaitykla.core.models import ReadingRoom
    from skaitykla.demo.catalogue import build_catalogue
    from skaitykla.demo.scale import build_libraries

    existing = Record.objects.count()
    missing_items = max(0, items - Item.objects.count())
    if existing >= records and not missing_items:
        print(f"reusing {existing:,} records and {Item.objects.count():,} items")
        return
    libraries = build_libraries(20)
    for library in libraries[:5]:
        for code in ("A", "B", "C"):
            ReadingRoom.objects.get_or_create(library=library, code=code, defaults={"name": code})
    started = time.perf_counter()
    last = [0.0]

    def progress(kind: str, done: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  {kind}: {done:,} ({time.perf_counter() - started:.0f} s)", flush=True)

    report = build_catalogue(
        libraries,
        records=max(0, records - existing),
        items=missing_items,
        progress=progress,
    )
    print(f"built {report.records:,} records, {report.items:,} items in {report.seconds:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE catalogue_record")
            cursor.execute("VACUUM ANALYZE catalogue_searchentry")
            cursor.execute("VACUUM ANALYZE catalogue_item")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring time")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    options, _unknown = parser.parse_known_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    with contextlib.redirect_stdout(io.StringIO()):
        test_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=options.keep, serialize=False
        )
    try:
        build(options.records, options.records * 2)
        connection.close()
        print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        kinds = list(QUERY_CLASSES)
        plan = [(kind, query) for kind in kinds for query in QUERY_CLASSES[kind]]
        latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
        hits: dict[str, int] = {}
        deadline = time.perf_counter() + options.seconds
        with ProcessPoolExecutor(
            options.workers, initializer=_setup_child, initargs=(test_name,)
        ) as pool:
            for kind, query in plan:  # warm up every worker's connection and caches
                pool.submit(_search, kind, query).result()

            def client(number: int) -> None:
                rng = random.Random(number)
                while time.perf_counter() < deadline:
                    kind, query = rng.choice(plan)
                    started = time.perf_counter()
                    kind, _server, count = pool.submit(_search, kind, query).result()
                    latencies[kind].append(time.perf_counter() - started)
                    hits[kind] = max(hits.get(kind, 0), count)

            threads = [threading.Thread(target=client, args=(n,)) for n in range(options.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        total = sum(len(values) for values in latencies.values())
        print(
            f"{options.records:,} records, {options.clients} clients, {options.workers} workers, "
            f"{options.seconds:.0f} s: {total:,} searches = {total / options.seconds:.0f}/s"
        )
        print("| query class | searches | max hits | median ms | p95 ms | target p95 |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind in kinds:
            values = sorted(latencies[kind])
            if not values:
                continue
            p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
            target = 250 if kind.startswith("broad") else 100
            print(
                f"| {kind} | {len(values)} | {hits.get(kind, 0):,} | "
                f"{statistics.median(values) * 1000:.0f} | {p95 * 1000:.0f} | {target} |"
            )
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {connection.vendor}; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
    finally:
        if not options.keep:
            with contextlib.redirect_stdout(io.StringIO()):
                connection.creation.destroy_test_db(test_name, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
