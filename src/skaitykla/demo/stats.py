"""Demo statistics: two years (2024–2025) of realistic, deterministic service facts for the demo
libraries and rooms, written with ``bulk_create``; then the rollups are rebuilt.

Counting kinds are written one fact per library, room and day with a quantity (as a desk tally
would); kinds whose values matter (retrieval minutes, answer days, READ levels, ratings) are
written one fact per event so the medians are real. Re-running replaces the same facts.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction

from skaitykla.core.calendar import local_datetime
from skaitykla.core.models import Library, ReadingRoom, ServiceFact
from skaitykla.core.timezones import library_zone
from skaitykla.stats.services import refresh_rollups, set_collection_figures, set_population

START = date(2024, 1, 1)  # a Monday
END = date(2025, 12, 31)
READER_CATEGORIES = ("adult", "student", "researcher", "senior", "child")
# population served and items held: (population, items held, share of items not loaned)
PROFILE = {
    "LT-C1": (2_860_000, 6_900_000, Decimal("0.82")),
    "LT-AMB": (560_000, 1_100_000, Decimal("0.55")),
    "LT-KAVB": (290_000, 1_400_000, Decimal("0.60")),
}


def _facts_for(library: Library, rooms: list[str], rng: random.Random) -> list[ServiceFact]:
    zone = library_zone(library)
    national = library.code == "LT-C1"
    scale = 1.0 if national else 0.35
    facts: list[ServiceFact] = []

    def add(kind: str, day: date, *, quantity: int = 1, **fields: object) -> None:
        if quantity >= 1:
            facts.append(
                ServiceFact(
                    at=local_datetime(day, time(9 + rng.randrange(10)), zone),
                    day=day,
                    kind=kind,
                    library=library,
                    quantity=quantity,
                    **fields,
                )
            )

    # Counting kinds: one tally per week (dated the Monday) and room; value kinds: a sample of
    # individual facts each week.
    day = START
    while day <= END:
        season = 0.7 if day.month in (7, 8) else (1.15 if day.month in (10, 11, 3) else 1.0)
        growth = 1.0 + (day.year - 2024) * 0.06
        factor = 6 * scale * season * growth  # six open days a week

        def tally(mean: float, spread: float, f: float = factor) -> int:
            return max(0, int(rng.gauss(mean, spread) * f))

        for room in rooms or [""]:
            add(
                "visit",
                day,
                place=room,
                channel="in_person",
                reader_category=rng.choice(READER_CATEGORIES),
                quantity=tally(55, 12),
            )
            add("in_house_use", day, place=room, channel="in_person", quantity=tally(20, 6))
        add(
            "loan",
            day,
            place=rooms[0] if rooms else "",
            channel="in_person",
            reader_category=rng.choice(READER_CATEGORIES),
            quantity=tally(120, 25),
        )
        add("loan", day, channel="kiosk", reader_category="adult", quantity=tally(30, 8))
        add("renewal", day, channel="web", quantity=tally(60, 15))
        add("hold", day, channel="web", quantity=tally(15, 5))
        add("search", day, channel="web", quantity=tally(900, 150))
        add("search_zero_result", day, channel="web", quantity=tally(70, 15))
        add("portal_session", day, channel="web", quantity=tally(700, 120))
        add(
            "registration",
            day,
            channel="in_person",
            reader_category=rng.choice(READER_CATEGORIES),
            quantity=tally(8, 3),
        )
        add("active_reader", day, quantity=tally(40, 10, factor * (2.5 if day.month == 1 else 0.9)))
        if national:
            for _ in range(rng.randrange(4, 9)):
                add(
                    "stack_order",
                    day,
                    place=rng.choice(rooms) if rooms else "",
                    channel="web",
                    value=Decimal(rng.choice((15, 20, 25, 30, 30, 35, 40, 45, 60, 90))),
                )
        for _ in range(rng.randrange(2, 6)):
            add(
                "reference_transaction",
                day,
                place=rng.choice(rooms) if rooms else "",
                channel=rng.choice(("in_person", "in_person", "phone", "email", "chat")),
                category=rng.choice(("directional", "factual", "research")),
                value=Decimal(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))),
            )
        for _ in range(rng.randrange(2, 6)):
            add("question_received", day, channel="web")
        for _ in range(rng.randrange(1, 4)):
            days = rng.choice((1, 1, 2, 2, 3, 4, 6))
            add(
                "question_answered",
                day,
                channel="web",
                value=Decimal(days),
                category="within_deadline" if days <= 3 else "late",
            )
        audience = rng.choice(("adults", "children", "seniors", "training"))
        channel = "virtual" if rng.random() < 0.3 else "in_person"
        event_day = min(day + timedelta(days=3), END)
        add(
            "event_session_held",
            event_day,
            category=audience,
            channel=channel,
            value=Decimal(rng.choice(("1", "1.5", "2", "3"))),
        )
        add(
            "event_attendance",
            event_day,
            category=audience,
            channel=channel,
            quantity=max(1, int(rng.gauss(25, 8) * (1.5 if national else 1))),
        )
        for _ in range(rng.randrange(2, 6)):
            add("rating", event_day, channel="web", value=Decimal(rng.choice((5, 5, 5, 4, 4, 3))))
        if day.day <= 7 or day + timedelta(days=7) > END:
            base = 120_000 if national else 30_000
            add(
                "registered_readers",
                day,
                quantity=int(base * growth + (day.month * (300 if national else 80))),
            )
        day += timedelta(days=7)
    return facts


def seed_stats() -> dict[str, int]:
    """Replace the demo libraries' 2024–2025 facts with a deterministic set, then rebuild the
    rollups; also set population served and collection figures."""
    libraries = list(Library.objects.filter(code__in=PROFILE).order_by("code"))
    rng = random.Random(2789)  # noqa: S311 - reproducible demo data
    written = 0
    with transaction.atomic():
        ServiceFact.objects.filter(library__in=libraries, day__gte=START, day__lte=END).delete()
        for library in libraries:
            rooms = list(
                ReadingRoom.objects.filter(library=library)
                .order_by("code")
                .values_list("code", flat=True)
            )
            facts = _facts_for(library, rooms, rng)
            ServiceFact.objects.bulk_create(facts, batch_size=5_000)
            written += len(facts)
            population, held, unused = PROFILE[library.code]
            for year in (2024, 2025, 2026):
                set_population(library=library, year=year, population=population)
                set_collection_figures(
                    library=library,
                    year=year,
                    items_held=held,
                    items_not_loaned=int(held * unused),
                )
    refresh_rollups(full=True)
    return {"facts": written}
