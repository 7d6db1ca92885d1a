"""Calendar benchmark: ``add_open_days(…, 30)`` compiled, per call, and against a naive baseline.

Run as ``.venv/bin/python benchmarks/calendar_bench.py`` (``--quick`` for fewer runs). It builds
a throwaway test database (in-memory SQLite, or a test database next to ``DATABASE_URL``'s,
named by ``TEST_DATABASE_NAME``), fills it with one library (weekly and summer hours, split
hours in a reading room, exceptions; holidays come from the ``holidays`` package), and prints
the median of many runs of:

* compiled, warm: ``LibraryCalendar.add_open_days`` on one calendar kept between runs;
* compiled, cold: a new ``LibraryCalendar`` from rows already in memory (rules, no queries);
* module-level: ``calendar.add_open_days`` (loads the rows: two queries, then computes);
* baseline: a naive implementation written here that asks the database about every day.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skaitykla.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ.setdefault("TEST_DATABASE_NAME", "test_skaitykla_calendar_bench")

START = date(2026, 12, 1)  # 30 open days run over Christmas and New Year
OPEN_DAYS = 30


def median_seconds(function: Callable[[], object], runs: int) -> float:
    function()  # warm-up (imports, holiday tables, connection)
    samples = []
    for _run in range(runs):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def build_data() -> Any:
    from skaitykla.core.models import CalendarException, Library, OpeningHours, ReadingRoom

    library = Library.objects.create(code="LT-BENCH", name="Benchmark library")
    rows = []
    for weekday in range(5):
        rows.append(OpeningHours(library=library, weekday=weekday, opens="10:00", closes="20:00"))
        rows.append(
            OpeningHours(
                library=library,
                weekday=weekday,
                opens="10:00",
                closes="18:00",
                valid_from=date(2026, 7, 1),
                valid_until=date(2026, 8, 31),
            )
        )
    rows.append(OpeningHours(library=library, weekday=5, opens="10:00", closes="18:00"))
    room = ReadingRoom.objects.create(library=library, code="RETU", name="Rare books")
    for weekday in range(5):
        rows.append(
            OpeningHours(
                library=library, reading_room=room, weekday=weekday, opens="10:00", closes="13:00"
            )
        )
        rows.append(
            OpeningHours(
                library=library, reading_room=room, weekday=weekday, opens="14:00", closes="18:00"
            )
        )
    OpeningHours.objects.bulk_create(rows)
    exceptions = [
        CalendarException(
            library=library,
            date=date(2026, 1, 5) + timedelta(weeks=w),
            kind="closed",
            reason="Sanitary day",
        )
        for w in range(0, 104, 4)
    ]
    exceptions.append(
        CalendarException(
            library=library, date=date(2026, 12, 9), kind="hours", opens="12:00", closes="16:00"
        )
    )
    CalendarException.objects.bulk_create(exceptions)
    return library


def naive_add_open_days(library: Any, day: date, n: int) -> date:
    """The baseline: an exception query and an hours query for every day it looks at."""
    from django.db.models import Q

    from skaitykla.core.calendar import public_holidays
    from skaitykla.core.models import CalendarException, OpeningHours

    def is_open_day(candidate: date) -> bool:
        exception = CalendarException.objects.filter(
            library=library, reading_room__isnull=True, date=candidate
        ).first()
        if exception is not None:
            return exception.kind == "hours"
        # The same cached holiday table as the calendar: the baseline differs in queries only.
        if library.closed_on_public_holidays and candidate in public_holidays(
            library.country, candidate.year
        ):
            return False
        rows = list(
            OpeningHours.objects.filter(library=library, reading_room__isnull=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=candidate))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=candidate))
        )
        if not rows:
            return False

        def width(row: Any) -> tuple[int, int]:
            start = row.valid_from or date.min
            return ((row.valid_until or date.max) - start).days, -start.toordinal()

        narrowest = min(width(row) for row in rows)
        return any(
            width(row) == narrowest and row.weekday == candidate.weekday() for row in rows
        )  # an eve shortened by an hour stays open with these hours

    for _counted in range(n):
        day += timedelta(days=1)
        while not is_open_day(day):
            day += timedelta(days=1)
    return day


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    options, _unknown = parser.parse_known_args()
    scale = 10 if options.quick else 1

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from skaitykla.core import calendar
    from skaitykla.core.models import CalendarException, OpeningHours

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    with contextlib.redirect_stdout(io.StringIO()):  # createcachetable talks at verbosity 1
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        library = build_data()
        hours = list(OpeningHours.objects.filter(library=library))
        exceptions = list(CalendarException.objects.filter(library=library))
        warm = calendar.LibraryCalendar.for_library(library)

        expected = naive_add_open_days(library, START, OPEN_DAYS)
        assert calendar.add_open_days(library, START, OPEN_DAYS) == expected
        assert warm.add_open_days(START, OPEN_DAYS) == expected
        queries = {}
        for name, call in {
            "module": lambda: calendar.add_open_days(library, START, OPEN_DAYS),
            "baseline": lambda: naive_add_open_days(library, START, OPEN_DAYS),
        }.items():
            with CaptureQueriesContext(connection) as captured:
                call()
            queries[name] = len(captured)

        def cold() -> date:
            fresh = calendar.LibraryCalendar(library, hours=hours, exceptions=exceptions)
            return fresh.add_open_days(START, OPEN_DAYS)

        results = {
            "compiled, warm": median_seconds(
                lambda: warm.add_open_days(START, OPEN_DAYS), 5000 // scale
            ),
            "compiled, cold": median_seconds(cold, 2000 // scale),
            "module-level": median_seconds(
                lambda: calendar.add_open_days(library, START, OPEN_DAYS), 500 // scale
            ),
            "baseline": median_seconds(
                lambda: naive_add_open_days(library, START, OPEN_DAYS), 100 // scale
            ),
        }
        vendor = connection.vendor
        with connection.cursor() as cursor:
            cursor.execute(
                "select sqlite_version()" if vendor == "sqlite" else "show server_version"
            )
            version = cursor.fetchone()[0]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"add_open_days({START}, {OPEN_DAYS}) = {expected}")
    print(
        f"Python {platform.python_version()}, {vendor} {version}, {os.cpu_count()} CPUs, "
        f"runs scaled 1/{scale}"
    )
    print(f"queries per call: module-level {queries['module']}, baseline {queries['baseline']}")
    baseline = results["baseline"]
    for name, seconds in results.items():
        print(
            f"{name:>15}: median {seconds * 1e3:9.3f} ms   baseline/this {baseline / seconds:8.1f}×"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
