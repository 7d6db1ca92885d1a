"""A library's time zone as a ``ZoneInfo``, cached per zone name."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from skaitykla.core.models import DEFAULT_TIMEZONE, Library


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def library_zone(library: Library) -> ZoneInfo:
    return zone(library.timezone)
