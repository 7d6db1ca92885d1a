"""The library calendar: when a library (or one of its reading rooms) is open.

Every due date and deadline is computed here. The rules, in order of precedence for one date:

1. A ``CalendarException`` for the date decides the day: closed all day, or open at the special
   hours. It overrides public holidays (a library may open on a holiday) and the eve shortening.
2. A public holiday of ``Library.country`` (from the ``holidays`` package) closes the library when
   ``Library.closed_on_public_holidays`` is set.
3. Otherwise the regular ``OpeningHours`` apply. Rows sharing one validity window
   (``valid_from``/``valid_until``, either may be open-ended) form one weekly schedule; among the
   schedules whose window covers the date, the one with the narrowest window wins *for every
   weekday* (a summer schedule without Saturday rows closes Saturdays in summer). Rows with no
   validity are the default schedule. Several rows on one weekday are split hours.
4. The eve of a public holiday is the day *before* a public holiday (whatever weekday either
   falls on, and even when the eve is itself a holiday). On an eve, the closing time of the day
   moves ``Library.eve_shortening_minutes`` earlier: the last interval ends that much sooner, and
   intervals that would start at or after the new closing time are dropped (the day may become
   closed). It does not depend on ``closed_on_public_holidays``; 0 minutes turns it off.

A reading room follows its own rows and exceptions, with these links to its library:

* a room is closed when the library is closed by a library exception or by a public holiday
  (unless a library exception opens the library on that holiday);
* on a date where none of the room's own schedules applies (a room with no rows, or with only
  seasonal rows outside their season), the room has exactly the library's day;
* on a date where the library has special hours (a library exception), the room's hours are cut
  to those special hours.

``LibraryCalendar.for_library`` loads the rows in two queries and then answers in pure Python;
the module-level functions build one per call. Datetimes are aware, in the library's time zone.
A wall time that does not exist (spring-forward gap) means the first instant after the gap; an
ambiguous one (autumn fold) means its first occurrence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

import holidays
from django.db import connection
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from skaitykla.core import hot_statements
from skaitykla.core.choices import ExceptionKind
from skaitykla.core.errors import CalendarError
from skaitykla.core.models import (
    CalendarException,
    CalendarStamp,
    Library,
    OpeningHours,
    ReadingRoom,
)
from skaitykla.core.timezones import library_zone

Interval = tuple[time, time]

#: A library's calendar stamp as a scalar subquery (one ``%s``: the library id), for statements
#: that read it along with other things.
CALENDAR_STAMP_SQL = f"(SELECT token FROM {CalendarStamp._meta.db_table} WHERE library_id = %s)"  # noqa: S608
_STAMP_SQL = f"SELECT {CALENDAR_STAMP_SQL}"
#: ``LibraryCalendar.cached(stamp=…)`` default: read the stamp.
READ_STAMP: Final = object()
#: Compiled calendars shared by ``LibraryCalendar.cached``, keyed by library, room and stamp.
_COMPILED: dict[tuple[object, ...], LibraryCalendar] = {}
_COMPILED_MAX: Final = 512

#: How far ``next_open_day``/``previous_open_day`` look before giving up (about two years).
HORIZON_DAYS: Final = 732
#: The largest ``n`` accepted by ``add_open_days`` (about ten years of open days).
MAX_OPEN_DAYS_STEP: Final = 3660
#: The longest ``week_schedule`` one call may build.
MAX_SCHEDULE_DAYS: Final = 366


# --- Public holidays ------------------------------------------------------------------------


def public_holidays(country: str, year: int, *, language: str | None = None) -> dict[date, str]:
    """The public holidays of ``country`` (ISO 3166 code) in ``year``: date → name.

    Names are in ``language`` (default: the active Django language) when the ``holidays`` package
    has it for that country, else in the country's own language. Raises ``CalendarError``
    (``calendar_unknown_country``) for a country the package does not know.
    """
    country = country.upper()
    return dict(_holiday_names(country, year, _holiday_language(country, language)))


@lru_cache(maxsize=64)
def _country_languages(country: str) -> tuple[str | None, tuple[str, ...]]:
    entity = _country_holidays(country, years=())
    return entity.default_language, tuple(entity.supported_languages)


def _holiday_language(country: str, language: str | None) -> str | None:
    default, supported = _country_languages(country)
    wanted = (language or translation.get_language() or "").replace("-", "_").lower()
    for candidate in supported:
        if candidate.lower() == wanted:
            return candidate
    prefix = wanted.split("_")[0]
    for candidate in supported:
        if candidate.split("_")[0].lower() == prefix:
            return candidate
    return default


@lru_cache(maxsize=512)
def _holiday_names(country: str, year: int, language: str | None) -> Mapping[date, str]:
    entity = _country_holidays(country, years=(year,), language=language)
    return MappingProxyType(dict(sorted(entity.items())))


@lru_cache(maxsize=512)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    default, _supported = _country_languages(country)
    return frozenset(_holiday_names(country, year, default))


def _country_holidays(
    country: str, *, years: tuple[int, ...], language: str | None = None
) -> holidays.HolidayBase:
    # The language is always explicit: left empty, the package reads it from the process locale.
    try:
        return holidays.country_holidays(country, years=years, language=language)
    except NotImplementedError:
        raise CalendarError(
            _("No public holidays are known for the country code “%(country)s”.")
            % {"country": country},
            code="calendar_unknown_country",
            country=country,
        ) from None


# --- Wall times in a time zone --------------------------------------------------------------


def local_datetime(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``wall_time`` in ``zone`` as an aware datetime, never failing across DST.

    An ambiguous wall time (autumn fold) is its first occurrence; a wall time inside a
    spring-forward gap becomes the first instant after the gap.
    """
    naive = datetime.combine(day, wall_time.replace(tzinfo=None, fold=0))
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return aware
    return _end_of_gap(naive, zone)


def _changes_offset(day: date, zone: ZoneInfo) -> bool:
    """Whether ``zone`` changes its UTC offset during ``day`` (a DST switch day)."""
    first = datetime.combine(day, time.min, tzinfo=zone).utcoffset()
    return first != datetime.combine(day, time.max, tzinfo=zone).utcoffset()


def _end_of_gap(naive: datetime, zone: ZoneInfo) -> datetime:
    # Inside a gap, fold=0 reads the wall time with the offset before the transition and fold=1
    # with the offset after it, so the transition instant lies between the two readings.
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    low = int(naive.replace(tzinfo=zone, fold=1).timestamp()) - 1
    high = int(naive.replace(tzinfo=zone, fold=0).timestamp()) + 1
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz=zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, tz=zone)


# --- Compiled rules -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """One day of a library's (or reading room's) calendar, for display.

    ``intervals`` are wall-clock (opens, closes) pairs in the library's time zone; ``reason``
    is the exception's reason, the holiday's name or the eve note (in the active language).
    """

    date: dt.date
    intervals: tuple[Interval, ...]
    is_closed: bool
    reason: str
    is_eve_shortened: bool
    is_holiday: bool


@dataclass(frozen=True, slots=True)
class _Exception:
    kind: str
    intervals: tuple[Interval, ...]
    reason: str

    @classmethod
    def from_row(cls, row: CalendarException) -> _Exception:
        if row.kind == ExceptionKind.HOURS and row.opens is not None and row.closes is not None:
            return cls(ExceptionKind.HOURS, _normalise([(row.opens, row.closes)]), row.reason)
        return cls(ExceptionKind.CLOSED, (), row.reason)

    @property
    def closes_all_day(self) -> bool:
        return self.kind == ExceptionKind.CLOSED


@dataclass(frozen=True, slots=True)
class _Schedule:
    """The weekly rows sharing one validity window; ``week[0]`` is Monday."""

    valid_from: date | None
    valid_until: date | None
    week: tuple[tuple[Interval, ...], ...]

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    @property
    def precedence(self) -> tuple[int, int, int]:
        # Narrowest window first (an open end counts as reaching date.min/date.max); on a tie,
        # the later start, then the earlier end.
        start = self.valid_from or date.min
        end = self.valid_until or date.max
        return ((end - start).days, -start.toordinal(), end.toordinal())


@dataclass(frozen=True, slots=True)
class _Day:
    intervals: tuple[Interval, ...]
    is_holiday: bool
    is_eve_shortened: bool
    exception: _Exception | None


def _normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, non-empty, with overlapping or touching intervals merged."""
    merged: list[Interval] = []
    for opens, closes in sorted(i for i in intervals if i[0] < i[1]):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return tuple(merged)


def _intersect(first: tuple[Interval, ...], second: tuple[Interval, ...]) -> tuple[Interval, ...]:
    return _normalise(
        (max(a_opens, b_opens), min(a_closes, b_closes))
        for a_opens, a_closes in first
        for b_opens, b_closes in second
    )


def _compile_schedules(rows: Iterable[OpeningHours]) -> tuple[_Schedule, ...]:
    by_window: dict[tuple[date | None, date | None], list[list[Interval]]] = {}
    for row in rows:
        if row.valid_from and row.valid_until and row.valid_from > row.valid_until:
            continue  # a window that covers no date
        week = by_window.setdefault((row.valid_from, row.valid_until), [[] for _day in range(7)])
        week[row.weekday].append((row.opens, row.closes))
    schedules = [
        _Schedule(valid_from, valid_until, tuple(_normalise(day) for day in week))
        for (valid_from, valid_until), week in by_window.items()
    ]
    return tuple(sorted(schedules, key=lambda schedule: schedule.precedence))


def _regular_hours(schedules: tuple[_Schedule, ...], day: date) -> tuple[Interval, ...] | None:
    """The hours of the winning schedule on ``day``; None when no schedule covers the date."""
    for schedule in schedules:
        if schedule.covers(day):
            return schedule.week[day.weekday()]
    return None


# --- The calendar ---------------------------------------------------------------------------


class LibraryCalendar:
    """A library's (or reading room's) calendar, compiled once and answered in pure Python."""

    def __init__(
        self,
        library: Library,
        *,
        reading_room: ReadingRoom | None = None,
        hours: Iterable[OpeningHours] = (),
        exceptions: Iterable[CalendarException] = (),
    ) -> None:
        _check_room(library, reading_room)
        self.library = library
        self.reading_room = reading_room
        self.zone = library_zone(library)
        self.country = library.country.upper()
        room_id = reading_room.pk if reading_room is not None else None
        hours = list(hours)
        exceptions = list(exceptions)
        self._library_schedules = _compile_schedules(h for h in hours if h.reading_room_id is None)
        self._room_schedules = (
            _compile_schedules(h for h in hours if h.reading_room_id == room_id)
            if room_id is not None
            else ()
        )
        self._library_exceptions = {
            e.date: _Exception.from_row(e) for e in exceptions if e.reading_room_id is None
        }
        self._room_exceptions = (
            {e.date: _Exception.from_row(e) for e in exceptions if e.reading_room_id == room_id}
            if room_id is not None
            else {}
        )
        self._days: dict[date, _Day] = {}

    @classmethod
    def for_library(
        cls, library: Library, reading_room: ReadingRoom | None = None
    ) -> LibraryCalendar:
        """Loads the library's (and the room's) hours and exceptions: two queries."""
        _check_room(library, reading_room)
        rows = Q(reading_room__isnull=True)
        if reading_room is not None:
            rows |= Q(reading_room=reading_room)
        hours = OpeningHours.objects.filter(rows, library=library).order_by()
        exceptions = CalendarException.objects.filter(rows, library=library).order_by()
        return cls(library, reading_room=reading_room, hours=hours, exceptions=exceptions)

    @classmethod
    def cached(
        cls,
        library: Library,
        reading_room: ReadingRoom | None = None,
        *,
        stamp: object = READ_STAMP,
    ) -> LibraryCalendar:
        """``for_library``, compiled once per process and shared while the library's calendar
        stamp (``CalendarStamp``, kept by database triggers) is unchanged: one small query for
        the stamp instead of two for the rows (none when the caller read the ``stamp`` in one of
        its own statements with ``CALENDAR_STAMP_SQL``). A library that never had hours or
        exceptions has no stamp (None) and gets an empty calendar without a query for rows."""
        _check_room(library, reading_room)
        if stamp is READ_STAMP:
            with connection.cursor() as cursor:
                hot_statements.execute(cursor, _STAMP_SQL, [library.pk])
                stamp = cursor.fetchone()[0]
        if stamp is None:
            return cls(library, reading_room=reading_room)
        key = (
            library.pk,
            reading_room.pk if reading_room is not None else None,
            stamp,
            library.timezone,
            library.country,
            library.closed_on_public_holidays,
            library.eve_shortening_minutes,
            library.code,
            library.name,
            reading_room.name if reading_room is not None else "",
        )
        calendar = _COMPILED.get(key)
        if calendar is None:
            calendar = cls.for_library(library, reading_room)
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.clear()
            _COMPILED[key] = calendar
        return calendar

    # --- Days -------------------------------------------------------------------------------

    def intervals(self, day: date) -> tuple[Interval, ...]:
        """The wall-clock opening intervals on ``day`` (empty when closed)."""
        return self._day(_check_date(day)).intervals

    def is_open_day(self, day: date) -> bool:
        return bool(self._day(_check_date(day)).intervals)

    def opening_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening intervals on ``day`` as aware datetimes in the library's zone."""
        result = []
        for opens, closes in self._day(_check_date(day)).intervals:
            start = local_datetime(day, opens, self.zone)
            end = local_datetime(day, closes, self.zone)
            if start.astimezone(UTC) < end.astimezone(UTC):  # empty when inside a DST gap
                result.append((start, end))
        return result

    def closing_time(self, day: date) -> datetime | None:
        """When the library closes on ``day`` (end of its last interval); None when closed."""
        intervals = self.opening_intervals(day)
        return intervals[-1][1] if intervals else None

    def is_open(self, at: datetime) -> bool:
        """Whether the library is open at the aware instant ``at`` (opens ≤ at < closes)."""
        _check_aware(at)
        instant = at.astimezone(UTC)
        local_day = instant.astimezone(self.zone).date()
        return any(
            start.astimezone(UTC) <= instant < end.astimezone(UTC)
            for start, end in self.opening_intervals(local_day)
        )

    def day_schedule(self, day: date) -> DaySchedule:
        """``day`` for display, with its reason in the active language."""
        info = self._day(_check_date(day))
        return DaySchedule(
            date=day,
            intervals=info.intervals,
            is_closed=not info.intervals,
            reason=self._reason(day, info),
            is_eve_shortened=info.is_eve_shortened,
            is_holiday=info.is_holiday,
        )

    def week_schedule(self, start: date, *, days: int = 7) -> list[DaySchedule]:
        _check_int(days, "days")
        if not 0 <= days <= MAX_SCHEDULE_DAYS:
            raise ValueError(f"days must be between 0 and {MAX_SCHEDULE_DAYS}, not {days}")
        _check_date(start)
        return [self.day_schedule(start + timedelta(days=offset)) for offset in range(days)]

    # --- Open days --------------------------------------------------------------------------

    def next_open_day(self, day: date, *, include_today: bool = False) -> date:
        """The first open day after ``day`` (or ``day`` itself with ``include_today``)."""
        return self._scan(day, step=1, include_today=include_today)

    def previous_open_day(self, day: date, *, include_today: bool = False) -> date:
        """The last open day before ``day`` (or ``day`` itself with ``include_today``)."""
        return self._scan(day, step=-1, include_today=include_today)

    def add_open_days(self, day: date, n: int) -> date:
        """The ``n``-th open day after ``day`` (``day`` itself never counts).

        ``n == 0`` gives ``day`` when it is open, else the next open day; a negative ``n``
        counts open days backwards before ``day``.
        """
        _check_int(n, "n")
        if abs(n) > MAX_OPEN_DAYS_STEP:
            raise ValueError(f"n must be between -{MAX_OPEN_DAYS_STEP} and {MAX_OPEN_DAYS_STEP}")
        if n == 0:
            return self.next_open_day(day, include_today=True)
        step = 1 if n > 0 else -1
        for _counted in range(abs(n)):
            day = self._scan(day, step=step, include_today=False)
        return day

    def _scan(self, day: date, *, step: int, include_today: bool) -> date:
        _check_date(day)
        candidate = day if include_today else day + timedelta(days=step)
        for _offset in range(HORIZON_DAYS):
            if self._day(candidate).intervals:
                return candidate
            candidate += timedelta(days=step)
        raise CalendarError(
            _(
                "%(place)s has no open day within %(days)d days of %(date)s: "
                "check its opening hours and calendar exceptions."
            )
            % {"place": self._place_name(), "days": HORIZON_DAYS, "date": day.isoformat()},
            code="calendar_never_open",
            library=self.library.code,
            date=day.isoformat(),
        )

    # --- Rules ------------------------------------------------------------------------------

    def _day(self, day: date) -> _Day:
        cached = self._days.get(day)
        if cached is None:
            cached = (
                self._room_day(day) if self.reading_room is not None else self._library_day(day)
            )
            if cached.intervals and _changes_offset(day, self.zone):
                cached = self._without_vanished(day, cached)
            self._days[day] = cached
        return cached

    def _without_vanished(self, day: date, info: _Day) -> _Day:
        # An interval lying wholly inside a spring-forward gap never happens: drop it, so that
        # is_open_day agrees with opening_intervals.
        kept = tuple(
            (opens, closes)
            for opens, closes in info.intervals
            if local_datetime(day, opens, self.zone).astimezone(UTC)
            < local_datetime(day, closes, self.zone).astimezone(UTC)
        )
        return _Day(kept, info.is_holiday, info.is_eve_shortened, info.exception)

    def _is_holiday(self, day: date) -> bool:
        return day in _holiday_dates(self.country, day.year)

    def _library_day(self, day: date) -> _Day:
        exception = self._library_exceptions.get(day)
        is_holiday = self._is_holiday(day)
        if exception is not None:
            return _Day(exception.intervals, is_holiday, False, exception)
        if is_holiday and self.library.closed_on_public_holidays:
            return _Day((), True, False, None)
        hours = _regular_hours(self._library_schedules, day) or ()
        hours, shortened = self._shorten_on_eve(day, hours)
        return _Day(hours, is_holiday, shortened, None)

    def _room_day(self, day: date) -> _Day:
        library_day = self._library_day(day)
        library_exception = self._library_exceptions.get(day)
        if library_exception is None:
            if library_day.is_holiday and self.library.closed_on_public_holidays:
                return library_day
        elif library_exception.closes_all_day:
            return library_day
        room_exception = self._room_exceptions.get(day)
        decided_by: _Exception | None
        if room_exception is not None:
            hours, shortened, decided_by = room_exception.intervals, False, room_exception
        else:
            regular = _regular_hours(self._room_schedules, day)
            if regular is None:
                return library_day
            shortened = False
            if library_exception is None:
                regular, shortened = self._shorten_on_eve(day, regular)
            hours, decided_by = regular, library_exception
        if library_exception is not None:
            hours = _intersect(hours, library_exception.intervals)
        return _Day(hours, library_day.is_holiday, shortened, decided_by)

    def _shorten_on_eve(
        self, day: date, hours: tuple[Interval, ...]
    ) -> tuple[tuple[Interval, ...], bool]:
        minutes = self.library.eve_shortening_minutes
        if not minutes or not hours or not self._is_holiday(day + timedelta(days=1)):
            return hours, False
        new_closing = datetime.combine(day, hours[-1][1]) - timedelta(minutes=minutes)
        if new_closing.date() < day:
            return (), True
        cutoff = new_closing.time()
        shortened = tuple((opens, min(closes, cutoff)) for opens, closes in hours if opens < cutoff)
        return shortened, True

    def _reason(self, day: date, info: _Day) -> str:
        if info.exception is not None:
            return info.exception.reason or str(ExceptionKind(info.exception.kind).label)
        if info.is_holiday:
            return public_holidays(self.country, day.year).get(day, "")
        if info.is_eve_shortened:
            tomorrow = day + timedelta(days=1)
            holiday = public_holidays(self.country, tomorrow.year).get(tomorrow, "")
            return gettext("Shorter hours: eve of %(holiday)s") % {"holiday": holiday}
        return ""

    def _place_name(self) -> str:
        if self.reading_room is not None:
            return f"{self.library.name} ({self.reading_room.name})"
        return self.library.name


# --- Checks ---------------------------------------------------------------------------------


def _check_room(library: Library, reading_room: ReadingRoom | None) -> None:
    if reading_room is not None and reading_room.library_id != library.pk:
        raise ValueError(f"Reading room {reading_room.code} does not belong to {library.code}")


def _check_date(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"Expected a date, not {type(day).__name__}")
    return day


def _check_aware(at: datetime) -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"Expected a datetime, not {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("Expected an aware datetime (with a time zone), got a naive one")


def _check_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")


# --- Module-level shortcuts (each loads the calendar: two queries) --------------------------


def opening_intervals(
    library: Library, day: date, *, reading_room: ReadingRoom | None = None
) -> list[tuple[datetime, datetime]]:
    return LibraryCalendar.for_library(library, reading_room).opening_intervals(day)


def is_open(library: Library, at: datetime, *, reading_room: ReadingRoom | None = None) -> bool:
    _check_aware(at)
    return LibraryCalendar.for_library(library, reading_room).is_open(at)


def is_open_day(library: Library, day: date, *, reading_room: ReadingRoom | None = None) -> bool:
    return LibraryCalendar.for_library(library, reading_room).is_open_day(day)


def next_open_day(
    library: Library,
    day: date,
    *,
    reading_room: ReadingRoom | None = None,
    include_today: bool = False,
) -> date:
    calendar = LibraryCalendar.for_library(library, reading_room)
    return calendar.next_open_day(day, include_today=include_today)


def previous_open_day(
    library: Library,
    day: date,
    *,
    reading_room: ReadingRoom | None = None,
    include_today: bool = False,
) -> date:
    calendar = LibraryCalendar.for_library(library, reading_room)
    return calendar.previous_open_day(day, include_today=include_today)


def add_open_days(
    library: Library, day: date, n: int, *, reading_room: ReadingRoom | None = None
) -> date:
    _check_int(n, "n")
    return LibraryCalendar.for_library(library, reading_room).add_open_days(day, n)


def closing_time(
    library: Library, day: date, *, reading_room: ReadingRoom | None = None
) -> datetime | None:
    return LibraryCalendar.for_library(library, reading_room).closing_time(day)


def week_schedule(
    library: Library, start: date, *, days: int = 7, reading_room: ReadingRoom | None = None
) -> list[DaySchedule]:
    return LibraryCalendar.for_library(library, reading_room).week_schedule(start, days=days)
