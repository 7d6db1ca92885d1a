"""Statistics rollup benchmark: a yearly report from the daily rollups against the raw facts.

Run as ``DATABASE_URL=postgres://… .venv/bin/python benchmarks/stats_rollup_bench.py
--facts 10000000`` (``--quick`` for 200,000 facts). It builds a throwaway test database (named by
``TEST_DATABASE_NAME``, default ``test_skaitykla_stats_bench``), inserts the facts itself with
set-based bulk inserts (PostgreSQL: ``INSERT … SELECT … FROM generate_series`` in chunks; SQLite:
``bulk_create``) spread over three years (2023–2025) and ``--libraries`` libraries, with the
correlations real data has (visits and loans in reading rooms, searches on the web, values for
retrieval minutes, answer days, READ levels, ratings), builds the rollups with
``refresh_rollups(full=True)`` and then times the yearly report for 2025: every measure
(``measure_totals``) and every indicator (``indicators``, medians included), from the rollups
and from the raw facts in the same run, checking that both give the same numbers. It prints the
medians and the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skaitykla.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ.setdefault("TEST_DATABASE_NAME", "test_skaitykla_stats_bench")

# kind, weight, places, channels, reader categories?, categories, value modulus (1..n or none)
KINDS = [
    ("visit", 30, "room", ["in_person"], True, [""], None),
    ("loan", 20, "room", ["in_person", "kiosk"], True, [""], None),
    ("renewal", 6, "", ["web", "in_person"], True, [""], None),
    ("in_house_use", 6, "room", ["in_person"], False, [""], None),
    ("stack_order", 4, "room", ["in_person", "web"], True, [""], 60),
    ("hold", 3, "", ["web"], True, [""], None),
    (
        "reference_transaction",
        3,
        "room",
        ["in_person", "chat", "email", "phone"],
        False,
        ["directional", "factual", "research"],
        5,
    ),
    ("question_received", 1, "", ["web"], False, [""], None),
    ("question_answered", 1, "", ["web"], False, ["within_deadline", "late"], 9),
    (
        "event_session_held",
        1,
        "",
        ["in_person", "virtual"],
        False,
        ["adults", "children", "training"],
        3,
    ),
    (
        "event_attendance",
        2,
        "",
        ["in_person", "virtual"],
        False,
        ["adults", "children", "training"],
        None,
    ),
    ("registration", 1, "", ["in_person", "web"], True, [""], None),
    ("search", 12, "", ["web"], False, [""], None),
    ("search_zero_result", 2, "", ["web"], False, [""], None),
    ("portal_session", 7, "", ["web"], False, [""], None),
    ("rating", 1, "", ["web"], False, [""], 5),
]
ROOMS = ["MEDIA", "LITUANICA", "RARE", "MUSIC", "KIDS", "PERIODICALS"]
READER_CATEGORIES = ["adult", "student", "child", "researcher", "senior", "staff"]
DAYS = 365


def median_seconds(function: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    samples = []
    for _run in range(runs):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), samples


def _case(expression: str, options: list[str]) -> str:
    if len(options) == 1:
        return f"'{options[0]}'"
    whens = " ".join(f"WHEN {i} THEN '{o}'" for i, o in enumerate(options))
    return f"(CASE ({expression}) % {len(options)} {whens} END)"


def insert_postgresql(
    total: int, library_ids: list[int], days: int, chunk: int = 1_000_000
) -> None:
    """One ``INSERT … SELECT`` per chunk: each generated number picks a kind slot (by weight)
    and, from the kind's row in a VALUES list, its room, channel, reader category, category and
    value."""
    from django.db import connection

    slots: list[int] = []
    for index, kind in enumerate(KINDS):
        slots += [index] * kind[1]
    rows = []
    template = "({i}, '{kind}', {room}, ARRAY[{ch}]::text[], {rd}, ARRAY[{cat}]::text[], {val})"
    for index, (kind_code, _w, place, channels, has_readers, categories, value) in enumerate(KINDS):
        rows.append(
            template.format(
                i=index,
                kind=kind_code,
                room="true" if place == "room" else "false",
                ch=",".join(f"'{c}'" for c in channels),
                rd="true" if has_readers else "false",
                cat=",".join(f"'{c}'" for c in categories),
                val=value or 0,
            )
        )
    slot_rows = ",".join(f"({n}, {k})" for n, k in enumerate(slots))
    rooms = "ARRAY[" + ",".join(f"'{r}'" for r in ROOMS) + "]::text[]"
    readers = "ARRAY[" + ",".join(f"'{r}'" for r in READER_CATEGORIES) + "]::text[]"
    libraries = "ARRAY[" + ",".join(str(i) for i in library_ids) + "]"
    sql = f"""
        INSERT INTO core_servicefact
            (at, day, kind, library_id, place, channel, reader_category, age_band, category,
             quantity, value)
        SELECT s.d + time '12:00' AT TIME ZONE 'Europe/Vilnius', s.d, k.kind,
               ({libraries})[1 + (s.g * 31) % {len(library_ids)}],
               CASE WHEN k.room THEN ({rooms})[1 + (s.g / 7) % {len(ROOMS)}] ELSE '' END,
               k.channels[1 + (s.g / 3) % cardinality(k.channels)],
               CASE WHEN k.readers THEN ({readers})[1 + (s.g / 11) % {len(READER_CATEGORIES)}]
                    ELSE '' END,
               '',
               k.categories[1 + (s.g / 5) % cardinality(k.categories)],
               CASE WHEN k.kind = 'event_attendance' THEN 1 + s.g % 40 ELSE 1 END,
               CASE WHEN k.value_mod > 0 THEN 1 + (s.g * 13) % k.value_mod END
        FROM (
            SELECT g, date '{2026 - max(1, days // 365)}-01-01' + ((g * 7919) % {days})::int AS d,
                   (g * 2654435761) % {len(slots)} AS slot
            FROM generate_series(%s::bigint, %s::bigint) AS g
        ) AS s
        JOIN (VALUES {slot_rows}) AS w(slot, kind_index) ON w.slot = s.slot
        JOIN (VALUES {",".join(rows)}) AS k(i, kind, room, channels, readers, categories, value_mod)
          ON k.i = w.kind_index
    """
    # the modulo operators are not placeholders
    sql = sql.replace("%", "%%").replace("%%s", "%s")
    with connection.cursor() as cursor:
        for start in range(0, total, chunk):
            end = min(total, start + chunk)
            cursor.execute(sql, [start + 1, end])
            print(f"  inserted {end:,} facts", flush=True)


def insert_sqlite(total: int, library_ids: list[int]) -> None:
    import random
    from datetime import UTC, date, datetime, timedelta
    from datetime import time as clock
    from decimal import Decimal

    from skaitykla.core.models import ServiceFact

    rng = random.Random(2026)
    weights = [k[1] for k in KINDS]
    batch: list[ServiceFact] = []
    for g in range(1, total + 1):
        kind, _w, place, channels, readers, categories, value = rng.choices(KINDS, weights)[0]
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(DAYS))
        batch.append(
            ServiceFact(
                at=datetime.combine(day, clock(10), tzinfo=UTC),
                day=day,
                kind=kind,
                library_id=rng.choice(library_ids),
                place=rng.choice(ROOMS) if place == "room" else "",
                channel=rng.choice(channels),
                reader_category=rng.choice(READER_CATEGORIES) if readers else "",
                category=rng.choice(categories),
                quantity=1 + g % 40 if kind == "event_attendance" else 1,
                value=Decimal(1 + rng.randrange(9)) if value else None,
            )
        )
        if len(batch) == 20_000:
            ServiceFact.objects.bulk_create(batch)
            batch.clear()
    ServiceFact.objects.bulk_create(batch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=10_000_000)
    parser.add_argument("--libraries", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--years", type=int, default=1, help="facts spread over N years to 2025")
    parser.add_argument("--quick", action="store_true", help="200,000 facts, 3 runs")
    options, _unknown = parser.parse_known_args()
    if options.quick:
        options.facts, options.runs = 200_000, 3

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from skaitykla.core.models import Library, ServiceFact
    from skaitykla.stats.models import DailyRollup, ValueRollup
    from skaitykla.stats.selectors import Period, indicators, measure_totals
    from skaitykla.stats.services import refresh_rollups, set_collection_figures, set_population

    setup_test_environment()
    with contextlib.redirect_stdout(io.StringIO()):
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    vendor = connection.vendor
    try:
        libraries = [
            Library.objects.create(code=f"LT-B{i:03d}", name=f"Biblioteka {i}")
            for i in range(options.libraries)
        ]
        for library in libraries:
            set_population(library=library, year=2025, population=50_000)
            set_collection_figures(
                library=library, year=2025, items_held=200_000, items_not_loaned=90_000
            )
        ids = [library.pk for library in libraries]
        print(f"database: {vendor}; facts: {options.facts:,}; libraries: {len(ids)}")
        began = time.perf_counter()
        if vendor == "postgresql":
            # A bulk load: the fact indexes are built after the rows are in (throwaway database).
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX fact_kind_day_idx")
                cursor.execute("DROP INDEX fact_library_day_idx")
            insert_postgresql(options.facts, ids, options.years * 365)
            with connection.cursor() as cursor:
                cursor.execute("CREATE INDEX fact_kind_day_idx ON core_servicefact (kind, day)")
                cursor.execute(
                    "CREATE INDEX fact_library_day_idx ON core_servicefact (library_id, day)"
                )
                cursor.execute("ANALYZE core_servicefact")
        else:
            insert_sqlite(options.facts, ids)
        inserted = time.perf_counter() - began
        facts = ServiceFact.objects.count()
        print(f"inserted {facts:,} facts in {inserted:.1f} s")
        began = time.perf_counter()
        refresh_rollups(full=True)
        built = time.perf_counter() - began
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE stats_dailyrollup")
                cursor.execute("ANALYZE stats_valuerollup")
        print(
            f"rollups built in {built:.1f} s: {DailyRollup.objects.count():,} daily rows, "
            f"{ValueRollup.objects.count():,} value rows"
        )
        year = Period.year(2025)

        def report(origin: str) -> tuple[object, object]:
            totals = measure_totals(year, origin=origin)  # type: ignore[arg-type]
            results = indicators(year, origin=origin, totals=totals)  # type: ignore[arg-type]
            values = [(r.indicator.code, r.value) for r in results]
            return totals, values

        from_rollups = report("rollup")  # warm-up, and the numbers to compare
        from_facts = report("facts")
        assert from_rollups == from_facts, "rollups and facts disagree"
        rollup_median, rollup_samples = median_seconds(lambda: report("rollup"), options.runs)
        facts_median, facts_samples = median_seconds(
            lambda: report("facts"), max(1, options.runs // 2 + 1)
        )
        for label, median, samples in (
            ("rollups", rollup_median, rollup_samples),
            ("raw facts", facts_median, facts_samples),
        ):
            runs = ", ".join(f"{sample * 1000:.0f}" for sample in samples)
            print(f"yearly report (2025), {label}: median {median * 1000:.0f} ms (runs: {runs})")
        print(f"raw facts ÷ rollups: {facts_median / rollup_median:.1f}×")
        print(f"budget 1 s: {'met' if rollup_median <= 1.0 else 'NOT met'}")
    finally:
        with contextlib.redirect_stdout(io.StringIO()):
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
