"""Demo trainings and thematic sessions in the national library (LT-C1).

Idempotent: rooms and topics are updated in place; an event that already exists (by title) is
left as it is, so registrations made while trying the demo survive a re-seed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from skaitykla.core.calendar import local_datetime
from skaitykla.core.models import Library
from skaitykla.core.timezones import library_zone
from skaitykla.events import services
from skaitykla.events.models import Event, Room, Topic

ROOMS = (
    ("MOKYMAI-1", "Mokymų klasė", "Training room", "2", 24),
    ("KONFERENCIJU", "Konferencijų salė", "Conference hall", "1", 120),
)
TOPICS = (
    ("katalogas", "Katalogo paieška", "Searching the catalogue"),
    ("duomenu-bazes", "Duomenų bazės", "Databases"),
    ("skaitmeninis-rastingumas", "Skaitmeninis raštingumas", "Digital literacy"),
    ("atvirasis-mokslas", "Atvirasis mokslas", "Open science"),
)


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def seed_events(*, library: Library, today: date | None = None) -> dict[str, int]:
    """Rooms, topics and four events with sessions from next week on."""
    today = today or datetime.now(library_zone(library)).date()
    rooms = {}
    for code, name, name_en, floor, seats in ROOMS:
        rooms[code], _created = Room.objects.update_or_create(
            library=library,
            code=code,
            defaults={"name": name, "name_en": name_en, "floor": floor, "seats": seats},
        )
    topics = {}
    for slug, name, name_en in TOPICS:
        topics[slug], _created = Topic.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en}
        )
    tuesday = _next_weekday(today, 1)
    thursday = _next_weekday(today, 3)
    plans = (
        (
            services.EventData(
                title="Kaip ieškoti LNB kataloge",
                description="Praktiniai mokymai: paieška, filtrai, užsakymas į skaityklą.",
                audience="adults",
                capacity=20,
                topic=topics["katalogas"],
                trainers="Rūta Žilinskienė",
                accessibility_notes="Patekimas be laiptų, indukcinė kilpa.",
            ),
            [(tuesday + timedelta(weeks=n), 10, 2, "MOKYMAI-1", False) for n in range(3)],
        ),
        (
            services.EventData(
                title="Mokslinių duomenų bazių paieška (4 susitikimų kursas)",
                description="EBSCO, Scopus, Web of Science ir lietuviškos duomenų bazės.",
                audience="students",
                capacity=16,
                topic=topics["duomenu-bazes"],
                registration_mode="course",
                trainers="dr. Jonas Kazlauskas",
            ),
            [(thursday + timedelta(weeks=n), 14, 2, "MOKYMAI-1", False) for n in range(4)],
        ),
        (
            services.EventData(
                title="Išmanusis telefonas senjorams",
                kind="thematic",
                audience="seniors",
                capacity=12,
                topic=topics["skaitmeninis-rastingumas"],
                sign_language_on_request=True,
                trainers="Aušra Petrauskienė",
            ),
            [(tuesday + timedelta(days=1, weeks=n), 11, 1, "MOKYMAI-1", False) for n in range(2)],
        ),
        (
            services.EventData(
                title="Atvirasis mokslas: seminaras kitų bibliotekų bibliotekininkams",
                kind="thematic",
                audience="librarians",
                capacity=100,
                topic=topics["atvirasis-mokslas"],
                online_link="https://meet.example.invalid/lnb-atvirasis-mokslas",
            ),
            [(thursday + timedelta(days=1), 10, 3, "KONFERENCIJU", True)],
        ),
    )
    for data, sessions in plans:
        if Event.objects.filter(library=library, title=data.title).exists():
            continue
        event = services.create_event(actor=None, library=library, data=data)
        for day, hour, hours, room, online in sessions:
            starts = local_datetime(day, time(hour), library_zone(library))
            services.add_session(
                actor=None,
                event=event,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                room=rooms[room],
                is_online=online,
            )
    return {"events": Event.objects.filter(library=library).count()}
