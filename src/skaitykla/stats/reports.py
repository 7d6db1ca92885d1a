"""Tables for pages and exports, assembled from the selectors' numbers for one validated query."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from skaitykla.stats.definitions import (
    INDICATORS,
    MEASURES,
    MEASURES_BY_CODE,
)
from skaitykla.stats.exports import Cell, Table
from skaitykla.stats.forms import StatsQuery
from skaitykla.stats.selectors import (
    TOTAL,
    Filters,
    Number,
    Period,
    indicators,
    library_names,
    measure_table,
    measure_totals,
    sort_rows,
    time_series,
)

TABLES = ("summary", "indicators", "breakdown", "series")


def notes(query: StatsQuery) -> list[tuple[str, str]]:
    described = query.filters.describe()
    return [
        (_("Period"), str(query.period)),
        (_("Compared with"), str(query.comparison) if query.comparison else "—"),
        (_("Library"), described["library"] or _("All libraries")),
        (_("Reading room"), described["room"] or _("Any")),
        (_("Channel"), described["channel"] or _("Any")),
        (_("Reader category"), described["reader_category"] or _("Any")),
    ]


def change(current: Number | None, previous: Number | None) -> Decimal | None:
    if current is None or previous in (None, 0):
        return None
    assert previous is not None
    ratio = (Decimal(current) - Decimal(previous)) / Decimal(previous) * 100
    return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def summary_table(query: StatsQuery) -> Table:
    current = measure_totals(query.period, query.filters)
    previous = measure_totals(query.comparison, query.filters) if query.comparison else {}
    rows: list[list[Cell]] = []
    for measure in MEASURES:
        before = previous.get(measure.code) if query.comparison else None
        rows.append(
            [
                str(measure.name),
                str(measure.unit),
                current[measure.code],
                before,
                change(current[measure.code], before),
            ]
        )
    header = [_("Measure"), _("Unit"), str(query.period)]
    header += [str(query.comparison), _("Change, %")] if query.comparison else ["", ""]
    return Table(_("Measures"), header, rows, notes(query))


def _inputs_text(inputs: dict[str, Any]) -> str:
    return "; ".join(
        f"{name} = {'—' if value is None else value}" for name, value in inputs.items()
    )


def indicator_table(query: StatsQuery) -> Table:
    current = indicators(query.period, query.filters)
    previous = (
        {r.indicator.code: r for r in indicators(query.comparison, query.filters)}
        if query.comparison
        else {}
    )
    rows: list[list[Cell]] = []
    for result in current:
        before = previous.get(result.indicator.code)
        rows.append(
            [
                str(result.indicator.name),
                str(result.indicator.formula),
                _inputs_text(result.inputs),
                result.value,
                before.value if before else None,
                str(result.indicator.unit),
                result.indicator.iso_term,
            ]
        )
    header = [
        _("Indicator"),
        _("Formula"),
        _("Inputs"),
        str(query.period),
        str(query.comparison) if query.comparison else "",
        _("Unit"),
        _("Standard"),
    ]
    return Table(_("Indicators"), header, rows, notes(query))


def group_label(group: str, key: Any, names: dict[str, str]) -> str:
    if group == "library":
        return f"{names.get(key, key)} ({key})"
    if isinstance(key, date):
        return key.strftime("%Y-%m")
    return str(key) if key not in ("", None) else _("(not recorded)")


def breakdown_rows(query: StatsQuery) -> list[tuple[Any, Number]]:
    table = measure_table(query.period, query.filters, group=query.group, codes=[query.measure])
    rows = [(key, values[query.measure]) for key, values in table.items() if key != TOTAL]
    return sort_rows(rows, query.sort)


def breakdown_table(query: StatsQuery) -> Table:
    measure = MEASURES_BY_CODE[query.measure]
    names = library_names()
    rows: list[list[Cell]] = [
        [group_label(query.group, key, names), value] for key, value in breakdown_rows(query)
    ]
    header = [_("Group"), f"{measure.name} ({measure.unit})"]
    title = _("%(measure)s: breakdown") % {"measure": measure.name}
    return Table(title, header, rows, notes(query))


def series_table(query: StatsQuery) -> Table:
    measure = MEASURES_BY_CODE[query.measure]
    current = time_series(query.period, query.filters, query.measure)
    previous = (
        time_series(query.comparison, query.filters, query.measure) if query.comparison else []
    )
    rows: list[list[Cell]] = []
    for index, (month, value) in enumerate(current):
        before = previous[index][1] if index < len(previous) else None
        rows.append([month.strftime("%Y-%m"), value, before])
    header = [_("Month"), str(query.period), str(query.comparison) if query.comparison else ""]
    title = _("%(measure)s: by month") % {"measure": measure.name}
    return Table(title, header, rows, notes(query))


def build_table(name: str, query: StatsQuery) -> Table:
    if name == "summary":
        return summary_table(query)
    if name == "indicators":
        return indicator_table(query)
    if name == "breakdown":
        return breakdown_table(query)
    if name == "series":
        return series_table(query)
    raise ValueError(name)


def national_table(year: int, libraries: list[tuple[int, str]]) -> Table:
    """Annual measures and indicators in the national long format: library, year, indicator
    group, code, description, value (one row per number)."""
    period = Period.year(year)
    rows: list[list[Cell]] = []
    for library_id, code in libraries:
        filters = Filters(libraries=(library_id,))
        totals = measure_totals(period, filters)
        for measure in MEASURES:
            if measure.national_code:
                rows.append(
                    [
                        code,
                        year,
                        str(measure.group),
                        measure.national_code,
                        str(measure.name),
                        totals[measure.code],
                    ]
                )
        for result in indicators(period, filters):
            if result.indicator.national_code and result.value is not None:
                rows.append(
                    [
                        code,
                        year,
                        _("Indicators"),
                        result.indicator.national_code,
                        str(result.indicator.name),
                        result.value,
                    ]
                )
    header = ["biblioteka", "metai", "rodiklio_grupe", "rodiklio_kodas", "rodiklio_aprasymas"]
    header.append("reiksme")
    return Table(_("National statistics"), header, rows, [(_("Year"), str(year))])


__all__ = ["INDICATORS", "TABLES", "build_table", "national_table"]
