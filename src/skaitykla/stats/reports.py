"""Tables for pages and exports, assembled from the selectors' numbers for one validated query."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from skaitykla.stats.definitions import MEASURES, MEASURES_BY_CODE
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


def change(current: Number | None, previous: Number | None) -> Decimal | None:
    if current is None or previous in (None, 0):
        return None
    assert previous is not None
    ratio = (Decimal(current) - Decimal(previous)) / Decimal(previous) * 100
    return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _inputs_text(inputs: dict[str, Any]) -> str:
    return "; ".join(
        f"{name} = {'—' if value is None else value}" for name, value in inputs.items()
    )


def group_label(group: str, key: Any, names: dict[str, str]) -> str:
    if group == "library":
        return f"{names.get(key, key)} ({key})"
    if isinstance(key, date):
        return key.strftime("%Y-%m")
    return str(key) if key not in ("", None) else _("(not recorded)")


class Report:
    """The tables of one validated query. Each number is computed once per report however many
    tables, charts and links show it (the dashboard and the PDF show most of them twice)."""

    def __init__(self, query: StatsQuery) -> None:
        self.query = query
        self.measure = MEASURES_BY_CODE[query.measure]

    @cached_property
    def notes(self) -> list[tuple[str, str]]:
        query = self.query
        described = query.filters.describe()
        return [
            (_("Period"), str(query.period)),
            (_("Compared with"), str(query.comparison) if query.comparison else "—"),
            (_("Library"), described["library"] or _("All libraries")),
            (_("Reading room"), described["room"] or _("Any")),
            (_("Channel"), described["channel"] or _("Any")),
            (_("Reader category"), described["reader_category"] or _("Any")),
        ]

    @cached_property
    def library_names(self) -> dict[str, str]:
        return library_names()

    @cached_property
    def _totals(self) -> dict[str, Number]:
        return measure_totals(self.query.period, self.query.filters)

    @cached_property
    def _previous_totals(self) -> dict[str, Number]:
        comparison = self.query.comparison
        return measure_totals(comparison, self.query.filters) if comparison else {}

    @cached_property
    def summary_table(self) -> Table:
        query, current, previous = self.query, self._totals, self._previous_totals
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
        return Table(_("Measures"), header, rows, self.notes)

    @cached_property
    def indicators_table(self) -> Table:
        query = self.query
        current = indicators(query.period, query.filters, totals=self._totals)
        previous = (
            {
                r.indicator.code: r
                for r in indicators(query.comparison, query.filters, totals=self._previous_totals)
            }
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
        return Table(_("Indicators"), header, rows, self.notes)

    @cached_property
    def breakdown_rows(self) -> list[tuple[Any, Number]]:
        query = self.query
        table = measure_table(query.period, query.filters, group=query.group, codes=[query.measure])
        rows = [(key, values[query.measure]) for key, values in table.items() if key != TOTAL]
        return sort_rows(rows, query.sort)

    @cached_property
    def breakdown_table(self) -> Table:
        measure, group = self.measure, self.query.group
        rows: list[list[Cell]] = [
            [group_label(group, key, self.library_names), value]
            for key, value in self.breakdown_rows
        ]
        header = [_("Group"), f"{measure.name} ({measure.unit})"]
        title = _("%(measure)s: breakdown") % {"measure": measure.name}
        return Table(title, header, rows, self.notes)

    @cached_property
    def series_table(self) -> Table:
        query = self.query
        current = time_series(query.period, query.filters, query.measure)
        previous = (
            time_series(query.comparison, query.filters, query.measure) if query.comparison else []
        )
        rows: list[list[Cell]] = []
        for index, (month, value) in enumerate(current):
            before = previous[index][1] if index < len(previous) else None
            rows.append([month.strftime("%Y-%m"), value, before])
        header = [_("Month"), str(query.period), str(query.comparison) if query.comparison else ""]
        title = _("%(measure)s: by month") % {"measure": self.measure.name}
        return Table(title, header, rows, self.notes)

    def table(self, name: str) -> Table:
        """One of ``TABLES`` by name."""
        if name not in TABLES:
            raise ValueError(name)
        table: Table = getattr(self, f"{name}_table")
        return table


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
        for result in indicators(period, filters, totals=totals):
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
