"""Forms of the reader's circulation pages: ordering from the stacks and placing a hold.

The forms check only what a reader can correct on the page (an open day, a date in the future);
every rule of the library is the service's, and its refusal comes back as a form error.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from skaitykla.catalogue.models import Item, Record
from skaitykla.circulation.services.orders import ORDER_DAYS_AHEAD
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.templatetags.display import local_name

#: Which form field a service refusal belongs to (the rest are shown above the form).
ERROR_FIELDS = {
    "room_closed": "for_day",
    "order_day_past": "for_day",
    "order_day_too_far": "for_day",
    "order_after_cutoff": "for_day",
    "order_too_late_today": "for_day",
    "order_daily_limit": "for_day",
    "order_wrong_library": "room",
    "room_permission_required": "room",
    "pickup_not_allowed": "pickup_library",
    "invalid_date": "not_needed_after",
}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it concerns, in the page language."""
    field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, str(error.message))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return local_name(obj)


class LibraryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return local_name(obj)


def order_days(calendar: LibraryCalendar, today: date, days: int = ORDER_DAYS_AHEAD) -> list[date]:
    """The open days of the library from today on, within the ordering window."""
    return [
        today + timedelta(days=offset)
        for offset in range(days + 1)
        if calendar.is_open_day(today + timedelta(days=offset))
    ]


class StackOrderForm(forms.Form):
    """Order one item from the stacks to a reading room of its library for an open day."""

    room = RoomChoiceField(label=_("Reading room"), queryset=ReadingRoom.objects.none())
    for_day = forms.TypedChoiceField(
        label=_("Day"),
        coerce=date.fromisoformat,
        help_text=_("Only the days the library is open are listed."),
    )

    def __init__(
        self,
        *args: Any,
        item: Item,
        rooms: list[ReadingRoom],
        days: list[date],
        room_calendars: dict[int, LibraryCalendar],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.room_calendars = room_calendars
        room_field = self.fields["room"]
        assert isinstance(room_field, forms.ModelChoiceField)
        room_field.queryset = ReadingRoom.objects.filter(pk__in=[room.pk for room in rooms])
        if item.reading_room_id and any(room.pk == item.reading_room_id for room in rooms):
            self.initial.setdefault("room", item.reading_room_id)
        day_field = self.fields["for_day"]
        assert isinstance(day_field, forms.ChoiceField)
        day_field.choices = [
            (day.isoformat(), formats.date_format(day, "Y-m-d, l")) for day in days
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        room, day = data.get("room"), data.get("for_day")
        if room is not None and day is not None:
            calendar = self.room_calendars.get(room.pk)
            if calendar is not None and not calendar.is_open_day(day):
                self.add_error("for_day", _("The reading room is closed on that day."))
        return data


class HoldForm(forms.Form):
    """Reserve a title (any copy) to be picked up at a library."""

    pickup_library = LibraryChoiceField(
        label=_("Pick up at"), queryset=Library.objects.none(), empty_label=None
    )
    not_needed_after = forms.DateField(
        label=_("Not needed after"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: the hold is cancelled if it is not ready by then."),
    )

    def __init__(
        self,
        *args: Any,
        record: Record,
        libraries: list[Library],
        today: date,
        default_library: Library | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.record = record
        self.today = today
        field = self.fields["pickup_library"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Library.objects.filter(pk__in=[library.pk for library in libraries])
        if default_library is not None and any(lib.pk == default_library.pk for lib in libraries):
            self.initial.setdefault("pickup_library", default_library.pk)

    def clean_not_needed_after(self) -> date | None:
        value: date | None = self.cleaned_data.get("not_needed_after")
        if value is not None and value <= self.today:
            raise forms.ValidationError(_("Choose a day after today."))
        return value
