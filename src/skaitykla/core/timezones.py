"""A library's time zone as a ``ZoneInfo`` (cached per zone name) and its local date."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone

from skaitykla.core.models import DEFAULT_TIMEZONE, Library


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def library_zone(library: Library) -> ZoneInfo:
    return zone(library.timezone)


def library_today(library: Library, at: datetime | None = None) -> date:
    """The library's local date at ``at`` (now by default)."""
    return (at or timezone.now()).astimezone(library_zone(library)).date()
