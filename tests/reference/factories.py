"""Factories and helpers for the reference app's tests."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import factory

from skaitykla.core.models import Library, OpeningHours
from skaitykla.reference.models import Question, ReferenceProfile
from skaitykla.reference.services import Submission
from tests.factories import LibraryFactory

VILNIUS = ZoneInfo("Europe/Vilnius")


def at(
    year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0
) -> datetime:
    """An aware instant in Vilnius time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=VILNIUS)


def weekday_library(**kwargs: object) -> Library:
    """A library open Monday to Friday 9–18 (closed on public holidays, eves shortened)."""
    library = LibraryFactory(**kwargs)
    for weekday in range(5):
        OpeningHours.objects.create(
            library=library, weekday=weekday, opens=time(9, 0), closes=time(18, 0)
        )
    return library


class ReferenceProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferenceProfile

    library = factory.SubFactory(LibraryFactory)


def submission(**kwargs: object) -> Submission:
    defaults: dict[str, object] = {
        "text": "Kur rasti knygų apie Lietuvos istoriją?",
        "email": "skaitytojas@example.lt",
        "name": "Jonas Petraitis",
        "allows_publication": True,
    }
    defaults.update(kwargs)
    return Submission(**defaults)  # type: ignore[arg-type]


def ask(library: Library, *, now: datetime, ip: str = "192.0.2.1", **kwargs: object) -> Question:
    from skaitykla.reference.services import submit_question

    return submit_question(
        received_via=library,
        submission=submission(**kwargs),
        client_ip=ip,
        fill_seconds=30,
        now=now,
    )
