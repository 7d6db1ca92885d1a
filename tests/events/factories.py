"""Factories and helpers for the events tests."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory

from skaitykla.events import services
from skaitykla.events.models import Event, Room, Topic
from tests.factories import LibraryFactory, OpeningHoursFactory

VILNIUS = ZoneInfo("Europe/Vilnius")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    library = factory.SubFactory(LibraryFactory)
    code = factory.Sequence(lambda n: f"TR{n}")
    name = factory.Sequence(lambda n: f"Mokymų klasė {n}")
    seats = 30


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tema-{n}")
    name = factory.Sequence(lambda n: f"Tema {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    library = factory.SubFactory(LibraryFactory)
    title = factory.Sequence(lambda n: f"Mokymai {n}")
    audience = "adults"
    capacity = 20


def open_library(**kwargs: object):
    """A library open 8–20 every day."""
    library = LibraryFactory(**kwargs)
    for weekday in range(7):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(8), closes=time(20))
    return library


def local(day: datetime | str, hour: int = 10, minute: int = 0) -> datetime:
    if isinstance(day, str):
        day = datetime.fromisoformat(day)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VILNIUS)


def future_day(days: int = 7) -> datetime:
    """A Wednesday some days ahead (never a Lithuanian public holiday eve issue for tests)."""
    base = datetime.now(VILNIUS) + timedelta(days=days)
    while base.weekday() != 2:
        base += timedelta(days=1)
    return base


def event_with_session(
    *,
    library=None,
    capacity: int = 20,
    mode: str = "per_session",
    room=None,
    start: datetime | None = None,
    hours: int = 2,
    sessions: int = 1,
    **fields: object,
):
    library = library or open_library()
    room = room or RoomFactory(library=library, seats=max(capacity, 30))
    event = services.create_event(
        actor=None,
        library=library,
        data=services.EventData(
            title=str(fields.pop("title", "Kaip ieškoti kataloge")),
            audience=str(fields.pop("audience", "adults")),
            capacity=capacity,
            registration_mode=mode,
            **fields,  # type: ignore[arg-type]
        ),
    )
    start = start or local(future_day(), 10)
    created = []
    for index in range(sessions):
        begin = start + timedelta(days=7 * index)
        created.append(
            services.add_session(
                actor=None,
                event=event,
                starts_at=begin,
                ends_at=begin + timedelta(hours=hours),
                room=room,
            )
        )
    return event, created
