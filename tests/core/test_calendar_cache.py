"""``LibraryCalendar.cached``: one compiled calendar per process, trusted while the library's
calendar stamp (kept by database triggers, bulk writes included) is unchanged."""

from __future__ import annotations

from datetime import date, time

import pytest

from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.models import CalendarException, CalendarStamp, OpeningHours
from tests.factories import LibraryFactory, ReadingRoomFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)


def stamp(library):
    return (
        CalendarStamp.objects.filter(library_id=library.pk).values_list("token", flat=True).first()
    )


def test_every_kind_of_write_changes_the_stamp():
    library = LibraryFactory()
    assert stamp(library) is None  # never had hours
    OpeningHours.objects.bulk_create(
        OpeningHours(library=library, weekday=day, opens=time(10), closes=time(18))
        for day in range(5)
    )
    seen = [stamp(library)]
    assert seen[0] is not None
    OpeningHours.objects.filter(library=library, weekday=0).update(closes=time(19))
    seen.append(stamp(library))
    exception = CalendarException.objects.create(library=library, date=MONDAY, kind="closed")
    seen.append(stamp(library))
    exception.delete()
    seen.append(stamp(library))
    OpeningHours.objects.filter(library=library).delete()
    seen.append(stamp(library))
    assert None not in seen
    assert len(set(seen)) == len(seen)
    other = LibraryFactory()
    OpeningHours.objects.create(library=other, weekday=0, opens=time(9), closes=time(12))
    assert stamp(library) == seen[-1]  # another library's hours leave this stamp alone


def test_the_cached_calendar_follows_the_rows_and_costs_one_small_query(
    django_assert_num_queries,
):
    library = LibraryFactory()
    with django_assert_num_queries(1):  # the stamp only: no rows to read
        assert LibraryCalendar.cached(library).is_open_day(MONDAY) is False
    OpeningHours.objects.create(library=library, weekday=0, opens=time(10), closes=time(18))
    with django_assert_num_queries(3):  # stamp, then hours and exceptions once
        first = LibraryCalendar.cached(library)
    assert first.intervals(MONDAY) == ((time(10), time(18)),)
    with django_assert_num_queries(1):  # the stamp: the compiled calendar is shared
        assert LibraryCalendar.cached(library) is first
    OpeningHours.objects.filter(library=library).update(opens=time(12))  # bulk, no signals
    assert LibraryCalendar.cached(library).intervals(MONDAY) == ((time(12), time(18)),)
    CalendarException.objects.bulk_create(
        [CalendarException(library=library, date=MONDAY, kind="closed")]
    )
    assert LibraryCalendar.cached(library).is_open_day(MONDAY) is False
    CalendarException.objects.all().delete()
    assert LibraryCalendar.cached(library).is_open_day(MONDAY) is True


def test_a_room_and_its_library_are_cached_apart_and_library_fields_count():
    library = LibraryFactory()
    room = ReadingRoomFactory(library=library)
    OpeningHours.objects.create(library=library, weekday=0, opens=time(10), closes=time(18))
    OpeningHours.objects.create(
        library=library, reading_room=room, weekday=0, opens=time(11), closes=time(15)
    )
    assert LibraryCalendar.cached(library).intervals(MONDAY) == ((time(10), time(18)),)
    assert LibraryCalendar.cached(library, room).intervals(MONDAY) == ((time(11), time(15)),)
    # A library setting the calendar reads (not a row of the stamped tables) is part of the key.
    first = LibraryCalendar.cached(library)
    library.closed_on_public_holidays = not library.closed_on_public_holidays
    library.save()
    assert LibraryCalendar.cached(library) is not first


def test_a_stamp_read_by_the_caller_saves_the_query(django_assert_num_queries):
    library = LibraryFactory()
    OpeningHours.objects.create(library=library, weekday=0, opens=time(10), closes=time(18))
    first = LibraryCalendar.cached(library)
    with django_assert_num_queries(0):  # no stamp: never had rows, so nothing to read
        assert LibraryCalendar.cached(library, stamp=None).is_open_day(MONDAY) is False
    token = stamp(library)
    with django_assert_num_queries(0):
        assert LibraryCalendar.cached(library, stamp=token) is first
