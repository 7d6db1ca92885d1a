"""State changes of the stats app: refreshing the rollups, editing the setting tables.

Rollups are maintained by an incremental job (ADR 0050): each run takes the facts with an id above
the watermark (plus an overlap window below it, for facts whose transaction committed late),
finds the (library, day) pairs they touch, recomputes those days wholesale from the facts and
moves the watermark. Recomputing whole days makes a run idempotent and exact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Sum

from skaitykla.accounts.models import User
from skaitykla.core.choices import ActorKind
from skaitykla.core.models import Library, ServiceFact
from skaitykla.core.services import record_audit
from skaitykla.stats.definitions import DISTRIBUTION_KINDS
from skaitykla.stats.models import (
    CollectionFigures,
    DailyRollup,
    PopulationServed,
    RollupWatermark,
    ValueRollup,
)

WATERMARK = "daily"
# Facts with ids this far below the watermark are looked at again on every run: a transaction that
# took an id before the last run but committed after it is still counted.
OVERLAP_IDS = 1_000
MAX_RANGE_DAYS = 31
FULL_RANGE_DAYS = 92  # a full rebuild aggregates a quarter per query
_DIMENSIONS = ("day", "library_id", "place", "kind", "channel", "reader_category", "category")


@dataclass(frozen=True)
class RefreshResult:
    last_fact_id: int
    days_recomputed: int
    rollup_rows: int


def refresh_rollups(*, full: bool = False) -> RefreshResult:
    """Bring the daily rollups up to date with the facts (``full`` recomputes every day)."""
    with transaction.atomic():
        RollupWatermark.objects.get_or_create(name=WATERMARK)
        mark = RollupWatermark.objects.select_for_update().get(name=WATERMARK)
        top = ServiceFact.objects.aggregate(top=Max("id"))["top"] or 0
        if full:
            DailyRollup.objects.all().delete()
            ValueRollup.objects.all().delete()
            low = 0
        else:
            low = max(0, mark.last_fact_id - OVERLAP_IDS)
        pairs = (
            ServiceFact.objects.filter(id__gt=low, id__lte=top)
            .values_list("library_id", "day")
            .distinct()
            .order_by()
        )
        days_by_library: dict[int, set[date]] = defaultdict(set)
        for library_id, day in pairs:
            days_by_library[library_id].add(day)
        days = 0
        rows = 0
        for library_id, library_days in days_by_library.items():
            span = FULL_RANGE_DAYS if full else MAX_RANGE_DAYS
            for start, end in _ranges(sorted(library_days), span):
                days += (end - start).days + 1
                rows += _recompute(library_id, start, end, top)
        mark.last_fact_id = max(top, mark.last_fact_id)
        mark.save(update_fields=["last_fact_id", "updated_at"])
    return RefreshResult(last_fact_id=mark.last_fact_id, days_recomputed=days, rollup_rows=rows)


def _ranges(days: list[date], span: int) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for day in days:
        if ranges and (day - ranges[-1][0]).days < span:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _dimensions(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _DIMENSIONS}


def _recompute(library_id: int, start: date, end: date, top: int) -> int:
    """Replace the rollups of one library's days [start, end] with the facts' aggregates."""
    DailyRollup.objects.filter(library_id=library_id, day__gte=start, day__lte=end).delete()
    ValueRollup.objects.filter(library_id=library_id, day__gte=start, day__lte=end).delete()
    facts = ServiceFact.objects.filter(
        library_id=library_id, day__gte=start, day__lte=end, id__lte=top
    ).order_by()
    daily = [
        DailyRollup(
            **_dimensions(row),
            quantity=row["q"] or 0,
            value=row["v"] or 0,
            facts=row["n"],
        )
        for row in facts.values(*_DIMENSIONS).annotate(
            q=Sum("quantity"), v=Sum("value"), n=Count("id")
        )
    ]
    DailyRollup.objects.bulk_create(daily, batch_size=5_000)
    histogram = [
        ValueRollup(
            **_dimensions(row),
            value=row["value"],
            facts=row["n"],
        )
        for row in facts.filter(kind__in=DISTRIBUTION_KINDS, value__isnull=False)
        .values(*_DIMENSIONS, "value")
        .annotate(n=Count("id"))
    ]
    ValueRollup.objects.bulk_create(histogram, batch_size=5_000)
    return len(daily)


def ensure_rollups_fresh() -> int:
    """The on-demand refresh run before a report: only when facts newer than the watermark exist
    (late commits below it are picked up by the periodic job's overlap window)."""
    mark = RollupWatermark.objects.filter(name=WATERMARK).values_list("last_fact_id", flat=True)
    last = mark.first() or 0
    if ServiceFact.objects.filter(id__gt=last).exists():
        return refresh_rollups().last_fact_id
    return last


def _audit_setting(
    action: str, row: PopulationServed | CollectionFigures, actor: User | None
) -> None:
    record_audit(
        actor_kind=ActorKind.STAFF if actor is not None else ActorKind.SYSTEM,
        actor_id=actor.pk if actor is not None else "",
        action=action,
        object_type=row._meta.label_lower,
        object_id=row.pk,
        library=row.library,
        detail={"year": row.year},
    )


def set_population(
    *, library: Library, year: int, population: int, actor: User | None = None
) -> PopulationServed:
    """Set the population a library serves in a year (one row per library and year)."""
    if population < 0:
        raise ValueError("population must not be negative")
    with transaction.atomic():
        row, _created = PopulationServed.objects.update_or_create(
            library=library, year=year, defaults={"population": population}
        )
        _audit_setting("stats.population_set", row, actor)
    return row


def set_collection_figures(
    *,
    library: Library,
    year: int,
    items_held: int,
    items_not_loaned: int,
    actor: User | None = None,
) -> CollectionFigures:
    """Set a library's items held and items not loaned for a year."""
    if items_held < 0 or items_not_loaned < 0 or items_not_loaned > items_held:
        raise ValueError("items not loaned must be between 0 and items held")
    with transaction.atomic():
        row, _created = CollectionFigures.objects.update_or_create(
            library=library,
            year=year,
            defaults={"items_held": items_held, "items_not_loaned": items_not_loaned},
        )
        _audit_setting("stats.collection_figures_set", row, actor)
    return row
