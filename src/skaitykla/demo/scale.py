"""Reference data at scale for benchmarks, built with bulk inserts.

Today it builds the library network and de-identified statistics facts; the readers, catalogue
and circulation issues extend it with 200 k readers, 1 M records, 2 M items and 10 M past
transactions. Everything is generated from a seed, so two runs build the same data.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from skaitykla.core.choices import AgeBand, Channel
from skaitykla.core.models import Library, ServiceFact
from skaitykla.core.timezones import library_zone
from skaitykla.demo.catalogue import build_catalogue
from skaitykla.demo.readers import build_readers

SCALE_PREFIX = "LT-S"
FACT_KINDS = (
    "visit",
    "loan",
    "renewal",
    "in_house_use",
    "stack_order",
    "reference",
    "event_attendance",
)
READER_CATEGORIES = ("adult", "student", "child", "researcher", "senior")
PLACES = ("MEDIA", "LITUANICA", "SOCIAL", "HUMANITIES", "MUSIC_ART", "CHILDREN", "RARE")


@dataclass
class ScaleReport:
    libraries: int = 0
    facts: int = 0
    readers: int = 0
    records: int = 0
    items: int = 0
    seconds: float = 0.0


def _batches(total: int, size: int) -> Iterator[int]:
    done = 0
    while done < total:
        step = min(size, total - done)
        yield step
        done += step


def build_libraries(count: int) -> list[Library]:
    libraries = [
        Library(code=f"{SCALE_PREFIX}{n:04d}", name=f"Mastelio biblioteka {n}", short_name=f"S{n}")
        for n in range(1, count + 1)
    ]
    Library.objects.bulk_create(libraries, ignore_conflicts=True)
    return list(Library.objects.filter(code__startswith=SCALE_PREFIX).order_by("code"))


def build_facts(
    libraries: list[Library],
    total: int,
    *,
    seed: int = 2026,
    years: int = 3,
    batch_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``total`` facts spread over the last ``years`` years, deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    end = datetime(2026, 1, 1, tzinfo=UTC)
    zones = {library.pk: library_zone(library) for library in libraries}
    span = int(timedelta(days=365 * years).total_seconds())
    channels = [c for c in Channel.values if c]
    age_bands = [a for a in AgeBand.values if a]
    written = 0
    for step in _batches(total, batch_size):
        rows = []
        for _ in range(step):
            at = end - timedelta(seconds=rng.randrange(span))
            kind = rng.choice(FACT_KINDS)
            library = rng.choice(libraries)
            rows.append(
                ServiceFact(
                    at=at,
                    day=at.astimezone(zones[library.pk]).date(),  # as record_service_event does
                    kind=kind,
                    library=library,
                    place=rng.choice(PLACES),
                    channel=rng.choice(channels),
                    reader_category=rng.choice(READER_CATEGORIES),
                    age_band=rng.choice(age_bands),
                    quantity=1,
                )
            )
        with transaction.atomic():
            ServiceFact.objects.bulk_create(rows, batch_size=5_000)
        written += step
        if progress:
            progress(written)
    return written


def seed_scale(
    *,
    libraries: int,
    facts: int,
    seed: int,
    readers: int = 0,
    records: int = 0,
    items: int = 0,
    progress: Callable[[int], None] | None = None,
    reader_progress: Callable[[int], None] | None = None,
    catalogue_progress: Callable[[str, int], None] | None = None,
) -> ScaleReport:
    started = time.perf_counter()
    network = build_libraries(libraries)
    written = build_facts(network, facts, seed=seed, progress=progress) if facts else 0
    reader_count = (
        build_readers(readers, network, seed=seed, progress=reader_progress) if readers else 0
    )
    catalogue = (
        build_catalogue(
            network, records=records, items=items, seed=seed, progress=catalogue_progress
        )
        if records
        else None
    )
    return ScaleReport(
        libraries=len(network),
        facts=written,
        readers=reader_count,
        records=catalogue.records if catalogue else 0,
        items=catalogue.items if catalogue else 0,
        seconds=time.perf_counter() - started,
    )
