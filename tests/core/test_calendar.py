"""The library calendar: opening hours, holidays, eves, seasons, exceptions, rooms, DST.

Dates are 2026 unless said otherwise. The standard library ("LNB hours") opens Monday to Friday
10:00–20:00 and Saturday 10:00–18:00, and is closed on Sunday.
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skaitykla.core import calendar
from skaitykla.core.calendar import (
    HORIZON_DAYS,
    DaySchedule,
    LibraryCalendar,
    add_open_days,
    closing_time,
    is_open,
    is_open_day,
    local_datetime,
    next_open_day,
    opening_intervals,
    previous_open_day,
    public_holidays,
    week_schedule,
)
from skaitykla.core.errors import CalendarError
from skaitykla.core.models import CalendarException, Library, OpeningHours
from tests.factories import (
    CalendarExceptionFactory,
    LibraryFactory,
    OpeningHoursFactory,
    ReadingRoomFactory,
)

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")
NEW_YORK = ZoneInfo("America/New_York")

LNB_HOURS = {weekday: ["10:00-20:00"] for weekday in range(5)} | {5: ["10:00-18:00"]}
EVERY_DAY = {weekday: ["10:00-18:00"] for weekday in range(7)}


def t(text: str) -> time:
    return time.fromisoformat(text)


def span(text: str) -> tuple[time, time]:
    opens, closes = text.split("-")
    return (t(opens), t(closes))


def add_hours(library, week, *, room=None, valid_from=None, valid_until=None):
    for weekday, intervals in week.items():
        for text in intervals:
            opens, closes = span(text)
            OpeningHoursFactory(
                library=library,
                reading_room=room,
                weekday=weekday,
                opens=opens,
                closes=closes,
                valid_from=valid_from,
                valid_until=valid_until,
            )


def hours_on(library, day, *, reading_room=None):
    """The day's wall-clock intervals as 'HH:MM-HH:MM' strings."""
    schedule = week_schedule(library, day, days=1, reading_room=reading_room)[0]
    return [f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in schedule.intervals]


@pytest.fixture
def lnb():
    library = LibraryFactory(code="LT-LNB", name="Nacionalinė biblioteka")
    add_hours(library, LNB_HOURS)
    return library


@pytest.fixture
def everyday():
    """Open 10:00–18:00 every day of the week (so only holidays and exceptions close it)."""
    library = LibraryFactory(code="LT-7D", name="Septynios dienos")
    add_hours(library, EVERY_DAY)
    return library


# --- Regular week ---------------------------------------------------------------------------


def test_regular_week(lnb):
    schedule = week_schedule(lnb, date(2026, 1, 12))  # Monday
    assert [s.date for s in schedule] == [date(2026, 1, 12) + timedelta(days=i) for i in range(7)]
    assert [s.intervals for s in schedule] == [(span("10:00-20:00"),)] * 5 + [
        (span("10:00-18:00"),),
        (),
    ]
    assert [s.is_closed for s in schedule] == [False] * 6 + [True]
    assert schedule[6] == DaySchedule(
        date=date(2026, 1, 18),
        intervals=(),
        is_closed=True,
        reason="",
        is_eve_shortened=False,
        is_holiday=False,
    )


def test_opening_intervals_are_aware_in_the_library_zone(lnb):
    [(start, end)] = opening_intervals(lnb, date(2026, 1, 14))
    assert start == datetime(2026, 1, 14, 10, tzinfo=VILNIUS)
    assert end == datetime(2026, 1, 14, 20, tzinfo=VILNIUS)
    assert start.tzinfo == VILNIUS
    assert start.astimezone(UTC) == datetime(2026, 1, 14, 8, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 1, 14, 18, tzinfo=UTC)


def test_is_open_from_opening_inclusive_to_closing_exclusive(lnb):
    day = date(2026, 1, 14)  # Wednesday, UTC+2
    assert not is_open(lnb, datetime(2026, 1, 14, 7, 59, 59, tzinfo=UTC))
    assert is_open(lnb, datetime(2026, 1, 14, 8, 0, tzinfo=UTC))
    assert is_open(lnb, datetime(2026, 1, 14, 17, 59, 59, tzinfo=UTC))
    assert not is_open(lnb, datetime(2026, 1, 14, 18, 0, tzinfo=UTC))
    # Any aware datetime is converted: 03:30 in New York is 10:30 in Vilnius.
    assert is_open(lnb, datetime(2026, 1, 14, 3, 30, tzinfo=NEW_YORK))
    assert closing_time(lnb, day) == datetime(2026, 1, 14, 20, tzinfo=VILNIUS)


def test_is_open_uses_the_library_local_date(lnb):
    # 22:30 UTC on Saturday 17 Jan is 00:30 on Sunday in Vilnius: closed, not Saturday's hours.
    assert not is_open(lnb, datetime(2026, 1, 17, 22, 30, tzinfo=UTC))
    assert is_open(lnb, datetime(2026, 1, 17, 15, 30, tzinfo=UTC))


def test_split_hours_lunch_break():
    library = LibraryFactory()
    add_hours(library, {0: ["14:00-18:00", "10:00-13:00"]})
    day = date(2026, 1, 12)  # Monday
    assert hours_on(library, day) == ["10:00-13:00", "14:00-18:00"]
    assert opening_intervals(library, day) == [
        (datetime(2026, 1, 12, 10, tzinfo=VILNIUS), datetime(2026, 1, 12, 13, tzinfo=VILNIUS)),
        (datetime(2026, 1, 12, 14, tzinfo=VILNIUS), datetime(2026, 1, 12, 18, tzinfo=VILNIUS)),
    ]
    assert is_open(library, datetime(2026, 1, 12, 12, 59, tzinfo=VILNIUS))
    assert not is_open(library, datetime(2026, 1, 12, 13, 0, tzinfo=VILNIUS))
    assert not is_open(library, datetime(2026, 1, 12, 13, 59, tzinfo=VILNIUS))
    assert is_open(library, datetime(2026, 1, 12, 14, 0, tzinfo=VILNIUS))
    assert closing_time(library, day) == datetime(2026, 1, 12, 18, tzinfo=VILNIUS)


def test_overlapping_and_touching_rows_are_merged():
    library = LibraryFactory()
    add_hours(library, {0: ["10:00-13:00", "12:00-15:00"], 1: ["10:00-12:00", "12:00-14:00"]})
    assert hours_on(library, date(2026, 1, 12)) == ["10:00-15:00"]
    assert hours_on(library, date(2026, 1, 13)) == ["10:00-14:00"]


def test_weekend_closed(lnb):
    sunday = date(2026, 1, 18)
    assert not is_open_day(lnb, sunday)
    assert opening_intervals(lnb, sunday) == []
    assert closing_time(lnb, sunday) is None
    assert is_open_day(lnb, date(2026, 1, 17))  # Saturday
    assert next_open_day(lnb, date(2026, 1, 17)) == date(2026, 1, 19)
    assert previous_open_day(lnb, date(2026, 1, 19)) == date(2026, 1, 17)


# --- Public holidays ------------------------------------------------------------------------

LT_HOLIDAYS_2026 = {
    date(2026, 1, 1): "New Year's Day",
    date(2026, 2, 16): "Day of Restoration of the State of Lithuania",
    date(2026, 3, 11): "Day of Restoration of Independence of Lithuania",
    date(2026, 4, 5): "Easter Sunday",
    date(2026, 4, 6): "Easter Monday",
    date(2026, 5, 1): "International Workers' Day",
    date(2026, 5, 3): "Mother's Day",
    date(2026, 6, 7): "Father's Day",
    date(2026, 6, 24): "Day of Dew and Saint John",
    date(2026, 7, 6): "Statehood Day",
    date(2026, 8, 15): "Assumption Day",
    date(2026, 11, 1): "All Saints' Day",
    date(2026, 11, 2): "All Souls' Day",
    date(2026, 12, 24): "Christmas Eve",
    date(2026, 12, 25): "Christmas Day",
    date(2026, 12, 26): "Second Day of Christmas",
}


def test_lithuanian_public_holidays_2026_exactly():
    assert public_holidays("LT", 2026, language="en") == LT_HOLIDAYS_2026
    assert public_holidays("lt", 2026, language="en_US") == LT_HOLIDAYS_2026


def test_holiday_names_follow_the_language():
    assert public_holidays("LT", 2026, language="lt")[date(2026, 12, 24)] == "Kūčių diena"
    with translation.override("lt"):
        assert public_holidays("LT", 2026)[date(2026, 2, 16)] == "Lietuvos valstybės atkūrimo diena"
    with translation.override("en"):
        assert public_holidays("LT", 2026)[date(2026, 2, 16)] == LT_HOLIDAYS_2026[date(2026, 2, 16)]
    # A language the package lacks for the country: the country's own language.
    assert (
        public_holidays("LT", 2026, language="fr")[date(2026, 12, 25)] == "Šv. Kalėdų pirma diena"
    )


def test_public_holidays_returns_a_copy():
    public_holidays("LT", 2026, language="en").clear()
    assert public_holidays("LT", 2026, language="en") == LT_HOLIDAYS_2026


def test_unknown_country_is_a_calendar_error():
    with pytest.raises(CalendarError) as caught:
        public_holidays("XX", 2026)
    assert caught.value.code == "calendar_unknown_country"
    library = LibraryFactory(country="XX")
    add_hours(library, EVERY_DAY)
    with pytest.raises(CalendarError) as caught:
        is_open_day(library, date(2026, 1, 12))
    assert caught.value.code == "calendar_unknown_country"


@pytest.mark.parametrize("holiday", sorted(LT_HOLIDAYS_2026))
def test_closed_on_every_lithuanian_public_holiday(everyday, holiday):
    assert not is_open_day(everyday, holiday)
    assert closing_time(everyday, holiday) is None
    with translation.override("en"):
        [day] = week_schedule(everyday, holiday, days=1)
    assert (day.is_closed, day.is_holiday, day.reason) == (True, True, LT_HOLIDAYS_2026[holiday])


def test_days_around_holidays_are_open(everyday):
    for day in (date(2026, 2, 17), date(2026, 3, 12), date(2026, 4, 7), date(2026, 12, 27)):
        assert is_open_day(everyday, day)


def test_library_open_on_public_holidays_when_so_configured():
    library = LibraryFactory(closed_on_public_holidays=False, eve_shortening_minutes=0)
    add_hours(library, EVERY_DAY)
    with translation.override("en"):
        [day] = week_schedule(library, date(2026, 7, 6), days=1)
    assert day.intervals == (span("10:00-18:00"),)
    assert (day.is_closed, day.is_holiday, day.reason) == (False, True, "Statehood Day")


def test_christmas_week(lnb):
    assert [
        (s.date.isoformat(), [f"{o:%H:%M}-{c:%H:%M}" for o, c in s.intervals])
        for s in week_schedule(lnb, date(2026, 12, 22), days=13)
    ] == [
        ("2026-12-22", ["10:00-20:00"]),
        ("2026-12-23", ["10:00-19:00"]),  # eve of Christmas Eve (a public holiday)
        ("2026-12-24", []),
        ("2026-12-25", []),
        ("2026-12-26", []),
        ("2026-12-27", []),  # Sunday
        ("2026-12-28", ["10:00-20:00"]),
        ("2026-12-29", ["10:00-20:00"]),
        ("2026-12-30", ["10:00-20:00"]),
        ("2026-12-31", ["10:00-19:00"]),  # eve of New Year's Day
        ("2027-01-01", []),
        ("2027-01-02", ["10:00-18:00"]),
        ("2027-01-03", []),
    ]


# --- Eves: the day before a public holiday ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours", "shortened"),
    [
        # 16 Feb is a Monday: its eve is Sunday 15 Feb (closed anyway), not Friday 13 Feb.
        (date(2026, 2, 13), ["10:00-20:00"], False),
        (date(2026, 2, 14), ["10:00-18:00"], False),
        (date(2026, 2, 15), [], False),
        (date(2026, 3, 10), ["10:00-19:00"], True),
        (date(2026, 4, 4), ["10:00-17:00"], True),  # Saturday before Easter Sunday
        (date(2026, 4, 30), ["10:00-19:00"], True),
        (date(2026, 5, 2), ["10:00-17:00"], True),  # Saturday before Mother's Day
        (date(2026, 6, 6), ["10:00-17:00"], True),  # Saturday before Father's Day
        (date(2026, 6, 23), ["10:00-19:00"], True),
        # 6 July is a Monday: Friday 3 July keeps its hours.
        (date(2026, 7, 3), ["10:00-20:00"], False),
        (date(2026, 8, 14), ["10:00-19:00"], True),  # Friday before Saturday 15 August
        (date(2026, 10, 31), ["10:00-17:00"], True),
        (date(2026, 12, 23), ["10:00-19:00"], True),
        (date(2026, 12, 31), ["10:00-19:00"], True),
        (date(2026, 12, 30), ["10:00-20:00"], False),
    ],
)
def test_eve_of_a_public_holiday_closes_an_hour_earlier(lnb, day, hours, shortened):
    [schedule] = week_schedule(lnb, day, days=1)
    assert [f"{o:%H:%M}-{c:%H:%M}" for o, c in schedule.intervals] == hours
    assert schedule.is_eve_shortened is shortened


def test_eve_closing_time_and_reason(lnb):
    assert closing_time(lnb, date(2026, 3, 10)) == datetime(2026, 3, 10, 19, tzinfo=VILNIUS)
    assert not is_open(lnb, datetime(2026, 3, 10, 19, 30, tzinfo=VILNIUS))
    assert is_open(lnb, datetime(2026, 3, 10, 18, 59, tzinfo=VILNIUS))
    with translation.override("en"):
        [day] = week_schedule(lnb, date(2026, 12, 23), days=1)
    assert day.reason == "Shorter hours: eve of Christmas Eve"
    assert (day.is_holiday, day.is_eve_shortened) == (False, True)


def test_eve_of_a_monday_holiday_is_the_sunday(everyday):
    assert hours_on(everyday, date(2026, 2, 13)) == ["10:00-18:00"]
    assert hours_on(everyday, date(2026, 2, 15)) == ["10:00-17:00"]


def test_eve_shortening_minutes_is_configurable():
    library = LibraryFactory(eve_shortening_minutes=90)
    add_hours(library, LNB_HOURS)
    assert hours_on(library, date(2026, 3, 10)) == ["10:00-18:30"]
    library = LibraryFactory(eve_shortening_minutes=0)
    add_hours(library, LNB_HOURS)
    assert hours_on(library, date(2026, 3, 10)) == ["10:00-20:00"]
    assert not week_schedule(library, date(2026, 3, 10), days=1)[0].is_eve_shortened


def test_eve_shortening_cuts_split_hours_from_the_end():
    library = LibraryFactory()
    add_hours(library, {1: ["10:00-13:00", "14:00-18:00"], 3: ["10:00-13:00", "14:00-14:30"]})
    assert hours_on(library, date(2026, 3, 10)) == ["10:00-13:00", "14:00-17:00"]  # Tuesday
    # Thursday 30 April: closing moves from 14:30 to 13:30, inside the lunch break.
    assert hours_on(library, date(2026, 4, 30)) == ["10:00-13:00"]


def test_eve_shortening_can_close_a_short_day():
    library = LibraryFactory(eve_shortening_minutes=120)
    add_hours(library, {1: ["10:00-11:00"]})
    [day] = week_schedule(library, date(2026, 3, 10), days=1)
    assert (day.intervals, day.is_closed, day.is_eve_shortened) == ((), True, True)
    assert not is_open_day(library, date(2026, 3, 10))


def test_eve_applies_to_a_library_that_opens_on_holidays():
    library = LibraryFactory(closed_on_public_holidays=False)
    add_hours(library, EVERY_DAY)
    # 24 and 25 December are holidays and eves at once; 26 December is not an eve.
    assert hours_on(library, date(2026, 12, 23)) == ["10:00-17:00"]
    assert hours_on(library, date(2026, 12, 24)) == ["10:00-17:00"]
    assert hours_on(library, date(2026, 12, 25)) == ["10:00-17:00"]
    assert hours_on(library, date(2026, 12, 26)) == ["10:00-18:00"]


# --- DST in Vilnius: 29 March 2026 (UTC+2 → UTC+3) and 25 October 2026 (UTC+3 → UTC+2) ---------


def test_spring_forward_day(everyday):
    assert closing_time(everyday, date(2026, 3, 28)).astimezone(UTC) == datetime(
        2026, 3, 28, 16, tzinfo=UTC
    )
    assert closing_time(everyday, date(2026, 3, 29)).astimezone(UTC) == datetime(
        2026, 3, 29, 15, tzinfo=UTC
    )
    assert closing_time(everyday, date(2026, 3, 29)).utcoffset() == timedelta(hours=3)
    [(start, end)] = opening_intervals(everyday, date(2026, 3, 29))
    assert start.astimezone(UTC) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=8)
    assert not is_open(everyday, datetime(2026, 3, 28, 7, 30, tzinfo=UTC))  # 09:30 EET
    assert is_open(everyday, datetime(2026, 3, 29, 7, 30, tzinfo=UTC))  # 10:30 EEST
    assert is_open(everyday, datetime(2026, 3, 29, 14, 59, tzinfo=UTC))
    assert not is_open(everyday, datetime(2026, 3, 29, 15, 0, tzinfo=UTC))


def test_fall_back_day(everyday):
    assert closing_time(everyday, date(2026, 10, 24)).astimezone(UTC) == datetime(
        2026, 10, 24, 15, tzinfo=UTC
    )
    assert closing_time(everyday, date(2026, 10, 25)).astimezone(UTC) == datetime(
        2026, 10, 25, 16, tzinfo=UTC
    )
    assert closing_time(everyday, date(2026, 10, 25)).utcoffset() == timedelta(hours=2)
    assert is_open(everyday, datetime(2026, 10, 24, 7, 30, tzinfo=UTC))  # 10:30 EEST
    assert not is_open(everyday, datetime(2026, 10, 25, 7, 30, tzinfo=UTC))  # 09:30 EET
    assert is_open(everyday, datetime(2026, 10, 25, 15, 59, tzinfo=UTC))
    assert not is_open(everyday, datetime(2026, 10, 25, 16, 0, tzinfo=UTC))


def test_night_hours_across_the_dst_switch():
    library = LibraryFactory()
    add_hours(library, {6: ["02:00-05:00"]})  # Sundays
    [(start, end)] = opening_intervals(library, date(2026, 3, 29))
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 3, 29, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 2, tzinfo=UTC),
    )
    [(start, end)] = opening_intervals(library, date(2026, 10, 25))
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 10, 24, 23, tzinfo=UTC),
        datetime(2026, 10, 25, 3, tzinfo=UTC),
    )
    # 03:30 happens twice on 25 October; both are inside the interval.
    assert is_open(library, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    assert is_open(library, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))


def test_nonexistent_and_ambiguous_wall_times_do_not_crash():
    library = LibraryFactory()
    add_hours(library, {6: ["03:30-05:00"]})
    # 03:30 does not exist on 29 March: the interval starts when the clocks jump to 04:00.
    [(start, end)] = opening_intervals(library, date(2026, 3, 29))
    assert start == datetime(2026, 3, 29, 4, tzinfo=VILNIUS)
    assert start.astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 2, tzinfo=UTC)
    # 03:30 happens twice on 25 October: the first one (UTC+3) opens.
    [(start, end)] = opening_intervals(library, date(2026, 10, 25))
    assert start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    assert not is_open(library, datetime(2026, 10, 25, 0, 15, tzinfo=UTC))
    assert is_open(library, datetime(2026, 10, 25, 1, 15, tzinfo=UTC))


def test_interval_wholly_inside_the_dst_gap_is_closed():
    library = LibraryFactory()
    add_hours(library, {6: ["03:10-03:50"]})
    assert opening_intervals(library, date(2026, 3, 29)) == []
    assert not is_open_day(library, date(2026, 3, 29))
    assert closing_time(library, date(2026, 3, 29)) is None
    assert is_open_day(library, date(2026, 3, 22))
    assert next_open_day(library, date(2026, 3, 28)) == date(2026, 4, 12)  # 5 April is Easter


def test_local_datetime_is_monotone_through_the_gap():
    day = date(2026, 3, 29)
    instants = [
        local_datetime(day, time(hour, minute), VILNIUS).astimezone(UTC)
        for hour in range(24)
        for minute in range(0, 60, 5)
    ]
    assert instants == sorted(instants)
    assert local_datetime(day, time(3, 0), VILNIUS) == datetime(2026, 3, 29, 4, tzinfo=VILNIUS)


# --- Seasonal hours -------------------------------------------------------------------------


@pytest.fixture
def seasonal():
    library = LibraryFactory(code="LT-SEZ")
    add_hours(library, LNB_HOURS)
    summer = {weekday: ["10:00-18:00"] for weekday in range(5)}  # no Saturday rows
    add_hours(library, summer, valid_from=date(2026, 7, 1), valid_until=date(2026, 8, 31))
    festival = {weekday: ["12:00-22:00"] for weekday in range(7)}
    add_hours(library, festival, valid_from=date(2026, 8, 10), valid_until=date(2026, 8, 16))
    from_2027 = {weekday: ["08:00-20:00"] for weekday in range(5)}
    add_hours(library, from_2027, valid_from=date(2027, 1, 1))
    return library


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 6, 30), ["10:00-20:00"]),  # all-year rows
        (date(2026, 7, 1), ["10:00-18:00"]),  # summer starts
        (date(2026, 7, 4), []),  # summer has no Saturday rows: closed on Saturdays
        (date(2026, 8, 7), ["10:00-18:00"]),
        (date(2026, 8, 9), []),  # Sunday before the festival week
        (date(2026, 8, 10), ["12:00-22:00"]),  # the narrowest window wins
        (date(2026, 8, 14), ["12:00-21:00"]),  # festival hours, eve of 15 August
        (date(2026, 8, 15), []),  # public holiday
        (date(2026, 8, 16), ["12:00-22:00"]),  # festival Sunday
        (date(2026, 8, 17), ["10:00-18:00"]),  # back to summer
        (date(2026, 8, 31), ["10:00-18:00"]),  # last summer day (inclusive)
        (date(2026, 9, 1), ["10:00-20:00"]),
        (date(2026, 9, 5), ["10:00-18:00"]),  # Saturdays again
        (date(2026, 12, 30), ["10:00-20:00"]),
        (date(2027, 1, 4), ["08:00-20:00"]),  # open-ended window from 2027 beats the default
        (date(2027, 1, 9), []),  # and it has no Saturday rows
        (date(2027, 7, 1), ["08:00-20:00"]),  # the 2026 summer does not repeat
    ],
)
def test_seasonal_hours(seasonal, day, hours):
    assert hours_on(seasonal, day) == hours


def test_later_open_ended_window_wins_over_an_earlier_one():
    library = LibraryFactory()
    add_hours(library, {0: ["09:00-17:00"]}, valid_from=date(2025, 1, 1))
    add_hours(library, {0: ["11:00-15:00"]}, valid_from=date(2026, 6, 1))
    add_hours(library, {0: ["08:00-12:00"]}, valid_until=date(2024, 12, 31))
    assert hours_on(library, date(2024, 12, 30)) == ["08:00-12:00"]
    assert hours_on(library, date(2026, 5, 25)) == ["09:00-17:00"]
    assert hours_on(library, date(2026, 6, 1)) == ["11:00-15:00"]


def test_window_with_from_after_until_is_ignored():
    library = LibraryFactory()
    add_hours(library, {0: ["10:00-20:00"]})
    add_hours(
        library, {0: ["11:00-12:00"]}, valid_from=date(2026, 2, 1), valid_until=date(2026, 1, 1)
    )
    assert hours_on(library, date(2026, 1, 12)) == ["10:00-20:00"]


def test_no_covering_window_means_closed():
    library = LibraryFactory()
    add_hours(
        library, {0: ["10:00-20:00"]}, valid_from=date(2026, 7, 1), valid_until=date(2026, 8, 31)
    )
    assert hours_on(library, date(2026, 7, 6 + 7)) == ["10:00-20:00"]
    assert hours_on(library, date(2026, 9, 7)) == []


# --- Calendar exceptions --------------------------------------------------------------------


def test_exception_closes_a_regular_day(lnb):
    CalendarExceptionFactory(
        library=lnb, date=date(2026, 3, 4), kind="closed", reason="Inventorizacija"
    )
    assert not is_open_day(lnb, date(2026, 3, 4))
    [day] = week_schedule(lnb, date(2026, 3, 4), days=1)
    assert (day.is_closed, day.reason, day.is_holiday) == (True, "Inventorizacija", False)
    assert next_open_day(lnb, date(2026, 3, 3)) == date(2026, 3, 5)


def test_exception_with_special_hours(lnb):
    CalendarExceptionFactory(
        library=lnb,
        date=date(2026, 3, 5),
        kind="hours",
        opens=t("12:00"),
        closes=t("16:00"),
        reason="Staff training",
    )
    assert hours_on(lnb, date(2026, 3, 5)) == ["12:00-16:00"]
    assert closing_time(lnb, date(2026, 3, 5)) == datetime(2026, 3, 5, 16, tzinfo=VILNIUS)
    assert week_schedule(lnb, date(2026, 3, 5), days=1)[0].reason == "Staff training"


def test_exception_without_reason_shows_its_kind():
    library = LibraryFactory()
    add_hours(library, LNB_HOURS)
    CalendarExceptionFactory(library=library, date=date(2026, 3, 4), kind="closed")
    CalendarExceptionFactory(
        library=library, date=date(2026, 3, 5), kind="hours", opens=t("12:00"), closes=t("16:00")
    )
    with translation.override("en"):
        first, second = week_schedule(library, date(2026, 3, 4), days=2)
    assert (first.reason, second.reason) == ("Closed all day", "Special opening hours")


def test_exception_opens_on_a_holiday(lnb):
    CalendarExceptionFactory(
        library=lnb,
        date=date(2026, 7, 6),
        kind="hours",
        opens=t("12:00"),
        closes=t("16:00"),
        reason="Karaliaus Mindaugo karūnavimo diena: atviros durys",
    )
    [day] = week_schedule(lnb, date(2026, 7, 6), days=1)
    assert day.intervals == (span("12:00-16:00"),)
    assert (day.is_closed, day.is_holiday, day.is_eve_shortened) == (False, True, False)
    assert day.reason == "Karaliaus Mindaugo karūnavimo diena: atviros durys"
    assert is_open(lnb, datetime(2026, 7, 6, 12, 30, tzinfo=VILNIUS))
    assert next_open_day(lnb, date(2026, 7, 5)) == date(2026, 7, 6)


def test_exception_overrides_the_eve_shortening(lnb):
    CalendarExceptionFactory(
        library=lnb, date=date(2026, 12, 23), kind="hours", opens=t("10:00"), closes=t("20:00")
    )
    [day] = week_schedule(lnb, date(2026, 12, 23), days=1)
    assert day.intervals == (span("10:00-20:00"),)
    assert not day.is_eve_shortened


def test_exception_can_open_a_sunday(lnb):
    CalendarExceptionFactory(
        library=lnb, date=date(2026, 1, 18), kind="hours", opens=t("11:00"), closes=t("15:00")
    )
    assert hours_on(lnb, date(2026, 1, 18)) == ["11:00-15:00"]


# --- Reading rooms --------------------------------------------------------------------------


def test_room_without_hours_falls_back_to_the_library(lnb):
    room = ReadingRoomFactory(library=lnb)
    CalendarExceptionFactory(
        library=lnb, date=date(2026, 3, 5), kind="hours", opens=t("12:00"), closes=t("16:00")
    )
    start = date(2026, 3, 2)
    library_days = week_schedule(lnb, start, days=60)
    room_days = week_schedule(lnb, start, days=60, reading_room=room)
    assert room_days == library_days
    assert add_open_days(lnb, start, 20, reading_room=room) == add_open_days(lnb, start, 20)


@pytest.fixture
def room(lnb):
    room = ReadingRoomFactory(library=lnb, code="RETU")
    add_hours(room.library, {w: ["10:00-13:00", "14:00-18:00"] for w in range(5)}, room=room)
    return room


def test_room_has_its_own_hours(lnb, room):
    assert hours_on(lnb, date(2026, 1, 12), reading_room=room) == ["10:00-13:00", "14:00-18:00"]
    assert hours_on(lnb, date(2026, 1, 17), reading_room=room) == []  # library open, room not
    assert hours_on(lnb, date(2026, 1, 17)) == ["10:00-18:00"]
    assert not is_open(lnb, datetime(2026, 1, 12, 13, 30, tzinfo=VILNIUS), reading_room=room)
    assert is_open(lnb, datetime(2026, 1, 12, 13, 30, tzinfo=VILNIUS))


def test_room_is_closed_on_holidays_and_shortened_on_eves(lnb, room):
    assert hours_on(lnb, date(2026, 3, 11), reading_room=room) == []
    assert hours_on(lnb, date(2026, 3, 10), reading_room=room) == ["10:00-13:00", "14:00-17:00"]


def test_room_is_closed_when_the_library_is_closed_by_an_exception(lnb, room):
    CalendarExceptionFactory(library=lnb, date=date(2026, 3, 4), kind="closed", reason="Remontas")
    [day] = week_schedule(lnb, date(2026, 3, 4), days=1, reading_room=room)
    assert (day.is_closed, day.reason) == (True, "Remontas")


def test_room_exception_leaves_the_library_open(lnb, room):
    CalendarExceptionFactory(
        library=lnb, reading_room=room, date=date(2026, 3, 4), kind="closed", reason="Dezinfekcija"
    )
    CalendarExceptionFactory(
        library=lnb,
        reading_room=room,
        date=date(2026, 3, 5),
        kind="hours",
        opens=t("15:00"),
        closes=t("19:00"),
    )
    assert hours_on(lnb, date(2026, 3, 4), reading_room=room) == []
    assert (
        week_schedule(lnb, date(2026, 3, 4), days=1, reading_room=room)[0].reason == "Dezinfekcija"
    )
    assert hours_on(lnb, date(2026, 3, 4)) == ["10:00-20:00"]
    assert hours_on(lnb, date(2026, 3, 5), reading_room=room) == ["15:00-19:00"]
    assert hours_on(lnb, date(2026, 3, 5)) == ["10:00-20:00"]


def test_other_rooms_exceptions_do_not_apply(lnb, room):
    other = ReadingRoomFactory(library=lnb)
    CalendarExceptionFactory(library=lnb, reading_room=other, date=date(2026, 3, 4), kind="closed")
    assert hours_on(lnb, date(2026, 3, 4), reading_room=room) == ["10:00-13:00", "14:00-18:00"]
    assert hours_on(lnb, date(2026, 3, 4), reading_room=other) == []


def test_room_exception_cannot_open_a_room_while_the_library_is_closed(lnb, room):
    CalendarExceptionFactory(
        library=lnb,
        reading_room=room,
        date=date(2026, 7, 6),
        kind="hours",
        opens=t("10:00"),
        closes=t("12:00"),
    )
    assert hours_on(lnb, date(2026, 7, 6), reading_room=room) == []


def test_library_special_hours_cut_the_room_hours(lnb, room):
    # The library opens on a holiday 12:00–16:00: the room opens within those hours only.
    CalendarExceptionFactory(
        library=lnb, date=date(2026, 7, 6), kind="hours", opens=t("12:00"), closes=t("16:00")
    )
    assert hours_on(lnb, date(2026, 7, 6), reading_room=room) == ["12:00-13:00", "14:00-16:00"]
    # And on the eve with special hours, no eve shortening either.
    CalendarExceptionFactory(
        library=lnb, date=date(2026, 3, 10), kind="hours", opens=t("09:00"), closes=t("20:00")
    )
    assert hours_on(lnb, date(2026, 3, 10), reading_room=room) == ["10:00-13:00", "14:00-18:00"]


def test_room_with_only_summer_rows_follows_the_library_outside_summer(lnb):
    room = ReadingRoomFactory(library=lnb)
    summer = {w: ["11:00-15:00"] for w in range(5)}
    add_hours(lnb, summer, room=room, valid_from=date(2026, 7, 1), valid_until=date(2026, 8, 31))
    assert hours_on(lnb, date(2026, 7, 1), reading_room=room) == ["11:00-15:00"]
    assert hours_on(lnb, date(2026, 7, 4), reading_room=room) == []
    assert hours_on(lnb, date(2026, 9, 1), reading_room=room) == ["10:00-20:00"]
    assert hours_on(lnb, date(2026, 9, 5), reading_room=room) == ["10:00-18:00"]


def test_room_of_another_library_is_refused(lnb):
    room = ReadingRoomFactory()
    with pytest.raises(ValueError, match="does not belong"):
        is_open_day(lnb, date(2026, 1, 12), reading_room=room)


def test_library_calendar_ignores_room_rows(lnb, room):
    CalendarExceptionFactory(library=lnb, reading_room=room, date=date(2026, 3, 4), kind="closed")
    assert hours_on(lnb, date(2026, 3, 4)) == ["10:00-20:00"]
    assert hours_on(lnb, date(2026, 1, 12)) == ["10:00-20:00"]


# --- Adding open days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 22), 1, date(2026, 12, 23)),
        (date(2026, 12, 22), 2, date(2026, 12, 28)),  # over Christmas and a Sunday
        (date(2026, 12, 22), 5, date(2026, 12, 31)),
        (date(2026, 12, 22), 6, date(2027, 1, 2)),  # over New Year's Day
        (date(2026, 12, 22), 7, date(2027, 1, 4)),
        (date(2027, 1, 4), -1, date(2027, 1, 2)),
        (date(2027, 1, 4), -2, date(2026, 12, 31)),
        (date(2027, 1, 4), -7, date(2026, 12, 22)),
        (date(2026, 12, 25), 0, date(2026, 12, 28)),  # closed day: the next open day
        (date(2026, 12, 23), 0, date(2026, 12, 23)),  # open day: itself
        (date(2026, 12, 25), 1, date(2026, 12, 28)),
        (date(2026, 12, 25), -1, date(2026, 12, 23)),
        (date(2026, 4, 3), 1, date(2026, 4, 4)),
        (date(2026, 4, 4), 1, date(2026, 4, 7)),  # over Easter Sunday and Monday
        (date(2026, 4, 7), -1, date(2026, 4, 4)),
        (date(2026, 1, 1), 30, date(2026, 2, 5)),
    ],
)
def test_add_open_days(lnb, start, n, expected):
    assert add_open_days(lnb, start, n) == expected


def test_add_open_days_counts_exactly_n_open_days(lnb):
    start = date(2026, 1, 1)
    target = add_open_days(lnb, start, 60)
    between = [start + timedelta(days=i) for i in range(1, (target - start).days + 1)]
    assert sum(is_open_day(lnb, day) for day in between) == 60
    assert is_open_day(lnb, target)


def test_next_and_previous_open_day(lnb):
    assert next_open_day(lnb, date(2026, 12, 23)) == date(2026, 12, 28)
    assert next_open_day(lnb, date(2026, 12, 23), include_today=True) == date(2026, 12, 23)
    assert next_open_day(lnb, date(2026, 12, 24), include_today=True) == date(2026, 12, 28)
    assert previous_open_day(lnb, date(2026, 12, 28)) == date(2026, 12, 23)
    assert previous_open_day(lnb, date(2026, 12, 28), include_today=True) == date(2026, 12, 28)
    assert previous_open_day(lnb, date(2027, 1, 1), include_today=True) == date(2026, 12, 31)


# --- Never open -----------------------------------------------------------------------------


def test_no_hours_at_all_is_never_open():
    library = LibraryFactory(name="Be valandų")
    began = clock.perf_counter()
    with translation.override("en"), pytest.raises(CalendarError) as caught:
        next_open_day(library, date(2026, 1, 1))
    assert clock.perf_counter() - began < 2
    assert caught.value.code == "calendar_never_open"
    assert str(caught.value).startswith(f"Be valandų has no open day within {HORIZON_DAYS} days")
    with translation.override("lt"), pytest.raises(CalendarError) as caught:
        next_open_day(library, date(2026, 1, 1))
    assert "Be valandų" in str(caught.value)
    assert "no open day" not in str(caught.value)  # translated
    for call in (
        lambda: previous_open_day(library, date(2026, 1, 1)),
        lambda: add_open_days(library, date(2026, 1, 1), 30),
        lambda: add_open_days(library, date(2026, 1, 1), -30),
        lambda: add_open_days(library, date(2026, 1, 1), 0),
    ):
        with pytest.raises(CalendarError) as caught:
            call()
        assert caught.value.code == "calendar_never_open"


def test_rules_that_close_every_day_are_never_open():
    library = LibraryFactory()
    add_hours(library, LNB_HOURS, valid_from=date(2020, 1, 1), valid_until=date(2020, 12, 31))
    began = clock.perf_counter()
    with pytest.raises(CalendarError) as caught:
        add_open_days(library, date(2026, 1, 1), 10)
    assert caught.value.code == "calendar_never_open"
    assert clock.perf_counter() - began < 2
    # Looking back, 2020 is within reach from early 2022 but not from 2026.
    assert previous_open_day(library, date(2022, 1, 1)) == date(2020, 12, 31)


def test_room_closed_by_exceptions_on_its_only_day_is_never_open(lnb):
    room = ReadingRoomFactory(library=lnb)
    add_hours(lnb, {6: ["10:00-12:00"]}, room=room)  # Sundays only
    CalendarException.objects.bulk_create(
        CalendarException(
            library=lnb,
            reading_room=room,
            date=date(2026, 1, 4) + timedelta(weeks=w),
            kind="closed",
        )
        for w in range(120)
    )
    with pytest.raises(CalendarError) as caught:
        next_open_day(lnb, date(2026, 1, 1), reading_room=room)
    assert caught.value.code == "calendar_never_open"


def test_horizon_is_exact():
    library = LibraryFactory()
    start = date(2026, 1, 1)
    CalendarExceptionFactory(
        library=library,
        date=start + timedelta(days=HORIZON_DAYS),
        kind="hours",
        opens=t("10:00"),
        closes=t("12:00"),
    )
    assert next_open_day(library, start) == start + timedelta(days=HORIZON_DAYS)
    with pytest.raises(CalendarError):
        next_open_day(library, start - timedelta(days=1))


# --- Another time zone ----------------------------------------------------------------------


def test_library_in_another_time_zone_and_country():
    library = LibraryFactory(timezone="America/New_York", country="US")
    add_hours(library, LNB_HOURS)
    # 3 July 2026 is the observed Independence Day; 2 July is its eve.
    assert not is_open_day(library, date(2026, 7, 3))
    assert hours_on(library, date(2026, 7, 2)) == ["10:00-19:00"]
    assert is_open_day(library, date(2026, 7, 6))  # not a US holiday
    assert is_open_day(library, date(2026, 2, 17))
    [(start, end)] = opening_intervals(library, date(2026, 1, 14))
    assert start.tzinfo == NEW_YORK
    assert start.astimezone(UTC) == datetime(2026, 1, 14, 15, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 1, 15, 1, tzinfo=UTC)
    # 00:30 UTC on 15 January is still 14 January, 19:30, in New York.
    assert is_open(library, datetime(2026, 1, 15, 0, 30, tzinfo=UTC))
    assert not is_open(library, datetime(2026, 1, 15, 1, 0, tzinfo=UTC))
    # The US switches on 8 March 2026: 10:00 EDT is 14:00 UTC.
    assert opening_intervals(library, date(2026, 3, 9))[0][0].astimezone(UTC) == datetime(
        2026, 3, 9, 14, tzinfo=UTC
    )


# --- Wrong input ----------------------------------------------------------------------------


def test_naive_datetime_is_refused(lnb):
    with pytest.raises(ValueError, match="aware"):
        is_open(lnb, datetime(2026, 1, 14, 12, 0))


@pytest.mark.parametrize("n", [1.5, "3", True, None])
def test_n_must_be_an_integer(lnb, n):
    with pytest.raises(TypeError, match="integer"):
        add_open_days(lnb, date(2026, 1, 14), n)


def test_n_is_bounded(lnb):
    with pytest.raises(ValueError, match="between"):
        add_open_days(lnb, date(2026, 1, 14), calendar.MAX_OPEN_DAYS_STEP + 1)
    with pytest.raises(ValueError, match="between"):
        add_open_days(lnb, date(2026, 1, 14), -calendar.MAX_OPEN_DAYS_STEP - 1)


def test_day_must_be_a_date(lnb):
    with pytest.raises(TypeError, match="date"):
        is_open_day(lnb, datetime(2026, 1, 14, 12, tzinfo=VILNIUS))
    with pytest.raises(TypeError, match="date"):
        add_open_days(lnb, "2026-01-14", 1)


@pytest.mark.parametrize("days", [-1, calendar.MAX_SCHEDULE_DAYS + 1])
def test_week_schedule_days_is_bounded(lnb, days):
    with pytest.raises(ValueError, match="days"):
        week_schedule(lnb, date(2026, 1, 14), days=days)


# --- Queries --------------------------------------------------------------------------------


def test_add_open_days_uses_two_queries(lnb, room, django_assert_num_queries):
    CalendarExceptionFactory(library=lnb, date=date(2026, 3, 4), kind="closed")
    with django_assert_num_queries(2):
        assert add_open_days(lnb, date(2026, 1, 1), 60) == date(2026, 3, 16)
    with django_assert_num_queries(2):
        add_open_days(lnb, date(2026, 1, 1), 60, reading_room=room)


def test_compiled_calendar_answers_without_queries(lnb, django_assert_num_queries):
    with django_assert_num_queries(2):
        compiled = LibraryCalendar.for_library(lnb)
    with django_assert_num_queries(0):
        assert compiled.add_open_days(date(2026, 1, 1), 60) == date(2026, 3, 14)
        assert compiled.add_open_days(date(2026, 12, 22), 7) == date(2027, 1, 4)
        compiled.week_schedule(date(2026, 12, 21), days=14)
        assert compiled.is_open(datetime(2026, 1, 14, 9, tzinfo=UTC))


# --- Properties -----------------------------------------------------------------------------

QUARTERS = 24 * 4


def quarter(index: int) -> time:
    return time(index // 4, index % 4 * 15)


@st.composite
def calendars(draw):
    """An in-memory calendar with random weekly hours, exceptions and holiday settings."""
    library = Library(
        code="LT-PROP",
        name="Savybės",
        timezone=draw(st.sampled_from(["Europe/Vilnius", "America/New_York", "Asia/Tokyo"])),
        country="LT",
        closed_on_public_holidays=draw(st.booleans()),
        eve_shortening_minutes=draw(st.sampled_from([0, 30, 60, 600])),
    )
    hours = []
    for weekday in range(7):
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            opens = draw(st.integers(min_value=0, max_value=QUARTERS - 2))
            closes = draw(st.integers(min_value=opens + 1, max_value=QUARTERS - 1))
            hours.append(
                OpeningHours(weekday=weekday, opens=quarter(opens), closes=quarter(closes))
            )
    if not hours:
        hours.append(OpeningHours(weekday=draw(st.integers(0, 6)), opens=time(9), closes=time(17)))
    exceptions = [
        CalendarException(date=day, kind="closed")
        for day in draw(st.sets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=40))
    ]
    return LibraryCalendar(library, hours=hours, exceptions=exceptions)


DAYS = st.dates(date(2026, 1, 1), date(2027, 12, 31))
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY_SETTINGS
@given(compiled=calendars(), day=DAYS, n=st.integers(min_value=-40, max_value=40))
def test_add_open_days_lands_on_an_open_day_and_walks_back(compiled, day, n):
    # Every generated calendar opens on some weekday, so an open day is always within reach.
    target = compiled.add_open_days(day, n)
    assert compiled.is_open_day(target)
    back = compiled.add_open_days(target, -n)
    if n > 0:
        assert target > day
        # Walking back lands on `day` when it is open, else on the last open day before it.
        assert back == compiled.previous_open_day(day, include_today=True)
        between = [day + timedelta(days=i) for i in range(1, (target - day).days + 1)]
        assert sum(compiled.is_open_day(d) for d in between) == n
    elif n < 0:
        assert target < day
        assert back == compiled.next_open_day(day, include_today=True)
        between = [target + timedelta(days=i) for i in range((day - target).days)]
        assert sum(compiled.is_open_day(d) for d in between) == -n
    else:
        assert back == target >= day
        assert not any(
            compiled.is_open_day(day + timedelta(days=i)) for i in range((target - day).days)
        )


@PROPERTY_SETTINGS
@given(compiled=calendars(), first=DAYS, second=DAYS, n=st.integers(min_value=0, max_value=30))
def test_add_open_days_is_monotone(compiled, first, second, n):
    first, second = sorted((first, second))
    assert compiled.add_open_days(first, n) <= compiled.add_open_days(second, n)
    assert compiled.add_open_days(first, n) <= compiled.add_open_days(first, n + 1)
    if n > 0:
        assert compiled.add_open_days(first, n) < compiled.add_open_days(first, n + 1)


@PROPERTY_SETTINGS
@given(compiled=calendars(), day=DAYS)
def test_intervals_are_ordered_and_agree_with_is_open(compiled, day):
    intervals = compiled.opening_intervals(day)
    assert compiled.is_open_day(day) is bool(intervals)
    instants = [moment.astimezone(UTC) for pair in intervals for moment in pair]
    assert instants == sorted(instants)
    assert len(set(instants)) == len(instants)
    for start, end in intervals:
        assert start.astimezone(compiled.zone).date() == day
        assert compiled.is_open(start)
        assert not compiled.is_open(end)
        assert compiled.is_open(start + (end.astimezone(UTC) - start.astimezone(UTC)) / 2)
    if intervals:
        assert compiled.closing_time(day) == intervals[-1][1]
    else:
        assert compiled.closing_time(day) is None


@PROPERTY_SETTINGS
@given(day=st.dates(date(2000, 1, 1), date(2100, 12, 31)), minutes=st.integers(0, 24 * 60 - 1))
def test_local_datetime_round_trips_existing_wall_times(day, minutes):
    wall = time(minutes // 60, minutes % 60)
    for zone in (VILNIUS, NEW_YORK):
        moment = local_datetime(day, wall, zone)
        back = moment.astimezone(UTC).astimezone(zone)
        assert back.replace(tzinfo=None) >= datetime.combine(day, wall)
        assert back.replace(tzinfo=None) - datetime.combine(day, wall) <= timedelta(hours=1)
