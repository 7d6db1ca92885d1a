"""Forms of the stats app: every choice is validated against an allow-list before it is used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.core.choices import Channel
from skaitykla.stats.definitions import MEASURES
from skaitykla.stats.selectors import (
    GROUPS,
    MAX_PERIOD_DAYS,
    SORTS,
    TOTAL,
    Filters,
    Period,
    StatsQueryError,
    list_libraries,
    list_reader_categories,
    room_exists,
)

DATE_FORMATS = ["%Y-%m-%d"]
MIN_YEAR, MAX_YEAR = 1900, 2100
COMPARE_CHOICES = [
    ("last_year", _("Same period last year")),
    ("previous", _("Previous period")),
    ("none", _("No comparison")),
]
GROUP_CHOICES = [
    ("library", _("Library")),
    ("place", _("Reading room")),
    ("channel", _("Channel")),
    ("reader_category", _("Reader category")),
    ("category", _("Category (audience, question type)")),
    ("month", _("Month")),
]
SORT_CHOICES = [
    ("group", _("Name, A–Z")),
    ("-group", _("Name, Z–A")),
    ("-value", _("Largest first")),
    ("value", _("Smallest first")),
]
assert {g for g, _label in GROUP_CHOICES} <= set(GROUPS) - {TOTAL}
assert {s for s, _label in SORT_CHOICES} == set(SORTS)


class DateInput(forms.DateInput):
    input_type = "date"


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


@dataclass(frozen=True)
class StatsQuery:
    period: Period
    comparison: Period | None
    filters: Filters
    measure: str
    group: str
    sort: str
    library_code: str


class StatsQueryForm(forms.Form):
    """Period, comparison, filters, and the chart's measure, grouping and order."""

    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))
    compare = forms.ChoiceField(label=_("Compare with"), choices=COMPARE_CHOICES, required=False)
    library = forms.ChoiceField(label=_("Library"), required=False)
    room = forms.CharField(label=_("Reading room"), max_length=40, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any")), *Channel.choices], required=False
    )
    reader_category = forms.ChoiceField(label=_("Reader category"), required=False)
    measure = forms.ChoiceField(
        label=_("Measure for the charts"),
        choices=[(m.code, m.name) for m in MEASURES],
        required=False,
    )
    group = forms.ChoiceField(label=_("Break down by"), choices=GROUP_CHOICES, required=False)
    sort = forms.ChoiceField(
        label=pgettext_lazy("sort order", "Order"), choices=SORT_CHOICES, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._libraries = {lib.code: lib for lib in list_libraries()}
        self.fields["library"].choices = [  # type: ignore[attr-defined]
            ("", _("All libraries")),
            *((code, f"{lib.name} ({code})") for code, lib in self._libraries.items()),
        ]
        self.fields["reader_category"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((c, c) for c in list_reader_categories()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        end = end or today
        start = start or end.replace(month=1, day=1)
        if start.year < MIN_YEAR or end.year > MAX_YEAR:
            self.add_error("date_from", _("Choose dates between 1900 and 2100."))
        elif end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("date_from", _("The period may be at most five years long."))
        data["date_from"], data["date_to"] = start, end
        room = data.get("room", "")
        library = self._libraries.get(data.get("library", ""))
        if room and not room_exists(room, [library.pk] if library else None):
            self.add_error("room", _("Unknown reading room."))
        return data

    def query(self) -> StatsQuery:
        """The validated query (call only when the form is valid)."""
        data = self.cleaned_data
        try:
            period = Period(data["date_from"], data["date_to"])
        except StatsQueryError as error:  # pragma: no cover - clean() refused it already
            raise ValueError(str(error)) from error
        compare = data.get("compare") or "last_year"
        comparison = None
        if compare == "previous":
            comparison = period.previous()
        elif compare == "last_year":
            comparison = period.last_year()
        library = self._libraries.get(data.get("library", ""))
        filters = Filters(
            libraries=(library.pk,) if library else (),
            place=data.get("room", ""),
            channel=data.get("channel", ""),
            reader_category=data.get("reader_category", ""),
        )
        group = data.get("group") or ("place" if library else "library")
        return StatsQuery(
            period=period,
            comparison=comparison,
            filters=filters,
            measure=data.get("measure") or "visits",
            group=group,
            sort=data.get("sort") or "group",
            library_code=library.code if library else "",
        )


class NationalExportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class PopulationForm(forms.Form):
    library = forms.ChoiceField(label=_("Library"))
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    population = forms.IntegerField(label=_("Population served"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["library"].choices = [  # type: ignore[attr-defined]
            (lib.code, f"{lib.name} ({lib.code})") for lib in list_libraries()
        ]


class CollectionForm(PopulationForm):
    population = None  # type: ignore[assignment]
    items_held = forms.IntegerField(label=_("Items held"), min_value=0)
    items_not_loaned = forms.IntegerField(label=_("Items not loaned in the year"), min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        held, unused = data.get("items_held"), data.get("items_not_loaned")
        if held is not None and unused is not None and unused > held:
            self.add_error("items_not_loaned", _("Cannot be more than the items held."))
        return data
