"""Reads of the stats app: measures and indicators computed from the rollups (or, for checks and
the benchmark, from the raw facts) for a period, filters and an allow-listed grouping.

Nothing here joins a reader, loan or other live table: only ``DailyRollup``/``ValueRollup`` (or
``ServiceFact``) and the stats setting tables. Grouping keys come from ``GROUPS``, a fixed
allow-list of ORM expressions; no identifier is ever built from input.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncYear

from skaitykla.core.models import Library, ReadingRoom, ServiceFact
from skaitykla.stats.definitions import (
    INDICATORS,
    MEASURES,
    MEASURES_BY_CODE,
    Indicator,
    Measure,
    Source,
)
from skaitykla.stats.models import CollectionFigures, DailyRollup, PopulationServed, ValueRollup

Number = int | Decimal
Origin = Literal["rollup", "facts"]
MAX_PERIOD_DAYS = 5 * 366
TOTAL = "total"

# The allow-list of groupings: name -> ORM expression (None = one total row).
GROUPS: dict[str, Any] = {
    TOTAL: None,
    "library": F("library__code"),
    "place": F("place"),
    "channel": F("channel"),
    "reader_category": F("reader_category"),
    "category": F("category"),
    "month": TruncMonth("day"),
    "year": TruncYear("day"),
    "day": F("day"),
}
SORTS = ("group", "-group", "value", "-value")


class StatsQueryError(ValueError):
    """A period or filter outside what the statistics accept (shown as a 400)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise StatsQueryError("end before start")
        if (self.end - self.start).days + 1 > MAX_PERIOD_DAYS:
            raise StatsQueryError("period too long")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def last_year(self) -> Period:
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _shift_year(day: date, years: int) -> date:
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


@dataclass(frozen=True)
class Filters:
    libraries: tuple[int, ...] = ()
    place: str = ""
    channel: str = ""
    reader_category: str = ""

    def describe(self) -> dict[str, str]:
        codes = Library.objects.filter(pk__in=self.libraries).values_list("code", flat=True)
        return {
            "library": ", ".join(sorted(codes)),
            "room": self.place,
            "channel": self.channel,
            "reader_category": self.reader_category,
        }


# --- Raw aggregation ------------------------------------------------------------------------------


def _base(model: Any, period: Period, filters: Filters, kinds: Iterable[str]) -> QuerySet[Any]:
    qs = model.objects.filter(day__gte=period.start, day__lte=period.end, kind__in=list(kinds))
    if filters.libraries:
        qs = qs.filter(library_id__in=filters.libraries)
    if filters.place:
        qs = qs.filter(place=filters.place)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.reader_category:
        qs = qs.filter(reader_category=filters.reader_category)
    return qs.order_by()


def _group_expression(group: str) -> Any:
    if group not in GROUPS:
        raise StatsQueryError("unknown grouping")
    return GROUPS[group]


def _key(value: Any) -> Any:
    if hasattr(value, "date") and callable(value.date):
        return value.date()  # TruncMonth on some backends returns datetimes
    return value


@dataclass
class _Cell:
    quantity: int = 0
    value: Decimal = Decimal(0)
    facts: int = 0


def _grouped(
    period: Period,
    filters: Filters,
    group: str,
    kinds: Iterable[str],
    origin: Origin,
    fields: list[str],
) -> QuerySet[Any]:
    """``values()`` of the rollups (or facts) by ``fields`` and the group key ``g`` (when the
    grouping is not the total); read the key back with ``_group_key``."""
    model = DailyRollup if origin == "rollup" else ServiceFact
    expression = _group_expression(group)
    qs = _base(model, period, filters, kinds)
    if expression is None:
        return qs.values(*fields)
    return qs.annotate(g=expression).values(*fields, "g")


def _group_key(row: dict[str, Any]) -> Any:
    return _key(row["g"]) if "g" in row else TOTAL


def _sums(
    period: Period, filters: Filters, group: str, kinds: Iterable[str], origin: Origin
) -> dict[Any, dict[tuple[str, str, str], _Cell]]:
    qs = _grouped(period, filters, group, kinds, origin, ["kind", "channel", "category"])
    facts = Sum("facts") if origin == "rollup" else Count("id")
    result: dict[Any, dict[tuple[str, str, str], _Cell]] = defaultdict(dict)
    for row in qs.annotate(q=Sum("quantity"), v=Sum("value"), n=facts):
        key = _group_key(row)
        result[key][(row["kind"], row["channel"], row["category"])] = _Cell(
            int(row["q"] or 0), Decimal(row["v"] or 0), int(row["n"] or 0)
        )
    return result


def _snapshots(
    period: Period, filters: Filters, group: str, sources: tuple[Source, ...], origin: Origin
) -> dict[Any, int]:
    """Per group: the sum over libraries of each library's latest snapshot in the group."""
    kinds = {s.kind for s in sources}
    fields = ["library_id", "day", "kind", "channel", "category"]
    latest: dict[tuple[Any, int], tuple[date, int]] = {}
    for row in _grouped(period, filters, group, kinds, origin, fields).annotate(q=Sum("quantity")):
        if not any(s.matches(row["kind"], row["channel"], row["category"]) for s in sources):
            continue
        key = (_group_key(row), row["library_id"])
        day, quantity = latest.get(key, (date.min, 0))
        if row["day"] > day:
            latest[key] = (row["day"], int(row["q"] or 0))
        elif row["day"] == day:
            latest[key] = (day, quantity + int(row["q"] or 0))
    totals: dict[Any, int] = defaultdict(int)
    for (group_key, _library), (_day, quantity) in latest.items():
        totals[group_key] += quantity
    return totals


def plain(value: Decimal) -> Decimal:
    """A decimal without trailing zeros and without an exponent (``30``, not ``3E+1``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _evaluate(measure: Measure, cells: dict[tuple[str, str, str], _Cell]) -> Number:
    quantity, value, facts = 0, Decimal(0), 0
    for (kind, channel, category), cell in cells.items():
        if any(s.matches(kind, channel, category) for s in measure.sources):
            quantity += cell.quantity
            value += cell.value
            facts += cell.facts
    if measure.aggregate == "value":
        return plain(value)
    if measure.aggregate == "facts":
        return facts
    return quantity


# --- Measures -------------------------------------------------------------------------------------


def measure_table(
    period: Period,
    filters: Filters = Filters(),
    *,
    group: str = TOTAL,
    codes: Iterable[str] | None = None,
    origin: Origin = "rollup",
) -> dict[Any, dict[str, Number]]:
    """``{group key: {measure code: value}}`` for the measures (all when ``codes`` is None)."""
    measures = [MEASURES_BY_CODE[c] for c in codes] if codes is not None else list(MEASURES)
    kinds = {s.kind for m in measures for s in m.sources if m.aggregate != "snapshot"}
    sums = _sums(period, filters, group, kinds, origin) if kinds else {}
    snapshot_measures = [m for m in measures if m.aggregate == "snapshot"]
    snapshots = {
        m.code: _snapshots(period, filters, group, m.sources, origin) for m in snapshot_measures
    }
    keys = set(sums) | {k for values in snapshots.values() for k in values}
    if group == TOTAL:
        keys.add(TOTAL)
    table: dict[Any, dict[str, Number]] = {}
    for key in sorted(keys, key=str):
        row: dict[str, Number] = {}
        for measure in measures:
            if measure.aggregate == "snapshot":
                row[measure.code] = snapshots[measure.code].get(key, 0)
            else:
                row[measure.code] = _evaluate(measure, sums.get(key, {}))
        table[key] = row
    return table


def measure_totals(
    period: Period,
    filters: Filters = Filters(),
    *,
    codes: Iterable[str] | None = None,
    origin: Origin = "rollup",
) -> dict[str, Number]:
    return measure_table(period, filters, codes=codes, origin=origin)[TOTAL]


def month_keys(period: Period) -> list[date]:
    months: list[date] = []
    current = period.start.replace(day=1)
    while current <= period.end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def time_series(
    period: Period,
    filters: Filters,
    code: str,
    *,
    origin: Origin = "rollup",
) -> list[tuple[date, Number]]:
    """One measure per month of the period (months without facts are zero)."""
    table = measure_table(period, filters, group="month", codes=[code], origin=origin)
    return [(month, table.get(month, {}).get(code, 0)) for month in month_keys(period)]


def value_distribution(
    period: Period,
    filters: Filters,
    source: Source,
    *,
    origin: Origin = "rollup",
) -> list[tuple[Decimal, int]]:
    """How many facts of a distribution kind had each value, ascending by value."""
    if origin == "rollup":
        qs = _base(ValueRollup, period, filters, [source.kind])
        counts: Any = Sum("facts")
    else:
        qs = _base(ServiceFact, period, filters, [source.kind]).filter(value__isnull=False)
        counts = Count("id")
    if source.channels:
        qs = qs.filter(channel__in=source.channels)
    if source.categories:
        qs = qs.filter(category__in=source.categories)
    rows = qs.values("value").annotate(n=counts).order_by("value")
    return [(Decimal(row["value"]), int(row["n"])) for row in rows]


def weighted_median(distribution: list[tuple[Decimal, int]]) -> Decimal | None:
    """The median of values given with their counts (mean of the two middle values if even)."""
    total = sum(count for _value, count in distribution)
    if total == 0:
        return None
    lower_index, upper_index = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value, count in distribution:
        if lower is None and lower_index < seen + count:
            lower = value
        if upper_index < seen + count:
            upper = value
            break
        seen += count
    assert lower is not None
    assert upper is not None
    return plain((lower + upper) / 2)


# --- Indicators -----------------------------------------------------------------------------------


@dataclass
class IndicatorResult:
    indicator: Indicator
    period: Period
    value: Decimal | None
    inputs: dict[str, Number | None] = field(default_factory=dict)


TWO_PLACES = Decimal("0.01")


def _year_rows(model: Any, filters: Filters, year: int) -> QuerySet[Any]:
    """A setting table's rows for the year, of the filtered libraries (all when none)."""
    rows = model.objects.filter(year=year)
    return rows.filter(library_id__in=filters.libraries) if filters.libraries else rows


def population(filters: Filters, year: int) -> int | None:
    rows = _year_rows(PopulationServed, filters, year)
    total = rows.aggregate(total=Sum("population"))["total"]
    return int(total) if total is not None else None


def collection_figures(filters: Filters, year: int) -> tuple[int | None, int | None]:
    rows = _year_rows(CollectionFigures, filters, year)
    totals = rows.aggregate(held=Sum("items_held"), unused=Sum("items_not_loaned"))
    held = int(totals["held"]) if totals["held"] is not None else None
    unused = int(totals["unused"]) if totals["unused"] is not None else None
    return held, unused


def indicators(
    period: Period,
    filters: Filters = Filters(),
    *,
    codes: Iterable[str] | None = None,
    origin: Origin = "rollup",
    totals: dict[str, Number] | None = None,
) -> list[IndicatorResult]:
    """Every indicator (or those in ``codes``) with its inputs; the settings year is the period's
    end year. ``totals`` (from ``measure_totals`` for the same query) saves recomputing them."""
    chosen = [i for i in INDICATORS if codes is None or i.code in set(codes)]
    needed = {i.measure for ind in chosen for i in ind.inputs if i.kind == "measure"}
    known = {code: value for code, value in (totals or {}).items() if code in needed}
    missing = sorted(needed - set(known))
    measures = {**known, **measure_totals(period, filters, codes=missing, origin=origin)}
    year = period.end.year
    people = population(filters, year)
    held, unused = collection_figures(filters, year)
    distributions: dict[Source, list[tuple[Decimal, int]]] = {}

    def distribution(source: Source) -> list[tuple[Decimal, int]]:
        # several indicators read the same kind's values (the median and the deadline share)
        if source not in distributions:
            distributions[source] = value_distribution(period, filters, source, origin=origin)
        return distributions[source]

    results: list[IndicatorResult] = []
    for indicator in chosen:
        inputs: dict[str, Number | None] = {}
        for item in indicator.inputs:
            if item.kind == "measure":
                inputs[item.name] = measures[item.measure]
            elif item.kind == "population":
                inputs[item.name] = people
            elif item.kind == "items_held":
                inputs[item.name] = held
            elif item.kind == "items_not_loaned":
                inputs[item.name] = unused
            elif item.kind == "count_at_most" and item.source is not None:
                inputs[item.name] = sum(
                    n for value, n in distribution(item.source) if value <= item.at_most
                )
            elif item.kind == "median" and item.source is not None:
                inputs[item.name] = weighted_median(distribution(item.source))
        results.append(IndicatorResult(indicator, period, _compute(indicator, inputs), inputs))
    return results


def _compute(indicator: Indicator, inputs: dict[str, Number | None]) -> Decimal | None:
    values = [inputs[i.name] for i in indicator.inputs]
    if indicator.operation == "median":
        return values[0] if isinstance(values[0], Decimal) else None
    numerator, denominator = values[0], values[1]
    if numerator is None or denominator is None or denominator == 0:
        return None
    result = Decimal(numerator) / Decimal(denominator)
    if indicator.operation == "percent":
        result *= 100
    return result.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# --- Lookups for forms and pages ------------------------------------------------------------------


def list_libraries() -> QuerySet[Library]:
    return Library.objects.order_by("code")


def find_library(code: str) -> Library | None:
    return Library.objects.filter(code=code).first()


def list_rooms(library_ids: Iterable[int] | None = None) -> QuerySet[ReadingRoom]:
    rooms = ReadingRoom.objects.order_by("library__code", "code")
    if library_ids:
        rooms = rooms.filter(library_id__in=list(library_ids))
    return rooms


def room_exists(code: str, library_ids: Iterable[int] | None = None) -> bool:
    return list_rooms(library_ids).filter(code=code).exists()


def library_names() -> dict[str, str]:
    return dict(Library.objects.values_list("code", "name"))


def list_reader_categories() -> list[str]:
    """The reader categories the rollups have seen (the choices of the reader-category filter)."""
    return list(
        DailyRollup.objects.exclude(reader_category="")
        .values_list("reader_category", flat=True)
        .distinct()
        .order_by("reader_category")
    )


def sort_rows(rows: list[tuple[Any, Number]], sort: str) -> list[tuple[Any, Number]]:
    if sort not in SORTS:
        raise StatsQueryError("unknown sort")
    reverse = sort.startswith("-")
    if sort.lstrip("-") == "value":
        return sorted(rows, key=lambda row: row[1], reverse=reverse)
    return sorted(rows, key=lambda row: str(row[0]), reverse=reverse)


def population_rows() -> QuerySet[PopulationServed]:
    return PopulationServed.objects.select_related("library").order_by("-year", "library__code")


def collection_rows() -> QuerySet[CollectionFigures]:
    return CollectionFigures.objects.select_related("library").order_by("-year", "library__code")
