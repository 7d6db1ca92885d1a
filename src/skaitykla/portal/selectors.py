"""Reads for the public portal: which library the site speaks for, and what it shows of it."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from skaitykla.core.calendar import DaySchedule, week_schedule
from skaitykla.core.models import Library, ReadingRoom, ServicePoint
from skaitykla.core.selectors import list_reading_rooms
from skaitykla.core.timezones import library_zone


def list_public_reading_rooms(library: Library) -> QuerySet[ReadingRoom]:
    return list_reading_rooms(library=library)


def list_public_service_points(library: Library) -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(library=library, is_active=True).exclude(kind="online")


def this_week(library: Library) -> tuple[date, list[DaySchedule]]:
    """The library's local today and its opening days from this Monday to Sunday."""
    today = timezone.localdate(timezone=library_zone(library))
    monday = today - timedelta(days=today.weekday())
    return today, week_schedule(library, monday, days=7)
