"""Hand-built facts with known answers, shared by the stats tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from skaitykla.core.models import Library
from skaitykla.core.services import record_service_event
from skaitykla.stats.services import refresh_rollups, set_collection_figures, set_population
from tests.factories import LibraryFactory, ReadingRoomFactory

VILNIUS = ZoneInfo("Europe/Vilnius")


def at(day: str, hour: int = 12) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), time(hour), tzinfo=VILNIUS)


@dataclass
class World:
    main: Library
    branch: Library


@pytest.fixture
def places(db: None) -> World:
    """Two libraries and their reading rooms, no facts."""
    main = LibraryFactory(code="LT-MAIN", name="Centrinė biblioteka")
    branch = LibraryFactory(code="LT-BR", name="Filialas")
    ReadingRoomFactory(library=main, code="MEDIA", name="Medijų skaitykla")
    ReadingRoomFactory(library=main, code="RARE", name="Retų knygų skaitykla")
    ReadingRoomFactory(library=branch, code="KIDS", name="Vaikų skaitykla")
    return World(main=main, branch=branch)


@pytest.fixture
def world(places: World) -> World:
    """Two libraries and a small year of facts (2025) plus a few in 2024, with rollups built."""
    main, branch = places.main, places.branch

    def rec(kind: str, library: Library, day: str, **kw: object) -> None:
        record_service_event(kind=kind, library=library, at=at(day), **kw)  # type: ignore[arg-type]

    # Visits: main 5 (3 MEDIA, 2 RARE), branch 2 (KIDS) in 2025; 4 in 2024 at main.
    for _ in range(3):
        rec("visit", main, "2025-01-15", place="MEDIA", reader_category="adult")
    rec("visit", main, "2025-03-02", place="RARE", reader_category="researcher", quantity=2)
    rec("visit", branch, "2025-02-10", place="KIDS", reader_category="child", quantity=2)
    rec("visit", main, "2024-01-20", place="MEDIA", quantity=4)
    # Loans, renewals, in-house use, holds.
    rec("loan", main, "2025-01-15", place="MEDIA", quantity=6)
    rec("loan", branch, "2025-06-01", place="KIDS", quantity=4)
    rec("loan", main, "2024-06-01", quantity=3)
    rec("renewal", main, "2025-02-01", quantity=2)
    rec("in_house_use", main, "2025-02-01", place="RARE", quantity=5)
    rec("hold", branch, "2025-04-04")
    # Closed-stack orders, retrieval minutes 10, 20, 30, 50 -> median 25.
    for minutes in (10, 20, 30, 50):
        rec("stack_order", main, "2025-05-05", place="RARE", value=minutes)
    # Reference desk: 3 in person (READ 1, 2, 2), 1 chat (READ 3).
    for level in (1, 2, 2):
        rec("reference_transaction", main, "2025-01-20", channel="in_person", value=level)
    rec("reference_transaction", main, "2025-01-21", channel="chat", value=3)
    # Ask a Librarian: 4 received, 3 answered in 1, 2, 5 working days; 2 within the deadline.
    for _ in range(4):
        rec("question_received", main, "2025-03-03", channel="web")
    rec("question_answered", main, "2025-03-04", channel="web", value=1, category="within_deadline")
    rec("question_answered", main, "2025-03-05", channel="web", value=2, category="within_deadline")
    rec("question_answered", main, "2025-03-10", channel="web", value=5, category="late")
    # Events: 2 sessions (1.5 h, 2 h) for adults, 1 training session (3 h) virtual.
    rec("event_session_held", main, "2025-04-01", category="adults", value="1.5")
    rec("event_session_held", main, "2025-04-02", category="adults", value=2)
    rec("event_session_held", main, "2025-04-03", category="training", channel="virtual", value=3)
    rec("event_attendance", main, "2025-04-01", category="adults", channel="in_person", quantity=20)
    rec("event_attendance", main, "2025-04-02", category="adults", channel="virtual", quantity=7)
    rec("event_attendance", main, "2025-04-03", category="training", channel="virtual", quantity=9)
    # Portal sessions (virtual visits), searches, registrations, ratings.
    rec("portal_session", main, "2025-01-05", channel="web", quantity=100)
    rec("search", main, "2025-01-05", channel="web", quantity=40)
    rec("search_zero_result", main, "2025-01-05", channel="web", quantity=3)
    rec("registration", main, "2025-01-05", reader_category="adult", quantity=2)
    rec("registration", branch, "2025-01-06", reader_category="child")
    rec("active_reader", main, "2025-01-05", quantity=30)
    rec("active_reader", branch, "2025-01-06", quantity=10)
    for rating in (5, 4, 4):
        rec("rating", main, "2025-05-01", value=rating)
    rec("question_rated", main, "2025-05-02", channel="web", value=3)  # a rated answer
    # Registered-reader snapshots: the latest in the period counts.
    rec("registered_readers", main, "2025-06-30", quantity=400)
    rec("registered_readers", main, "2025-12-31", quantity=500)
    rec("registered_readers", branch, "2025-12-31", quantity=100)
    # A kind nobody defined is not counted anywhere.
    rec("mystery_kind", main, "2025-01-05", quantity=999)

    set_population(library=main, year=2025, population=4000)
    set_population(library=branch, year=2025, population=1000)
    set_collection_figures(library=main, year=2025, items_held=40, items_not_loaned=10)
    set_collection_figures(library=branch, year=2025, items_held=10, items_not_loaned=5)
    refresh_rollups()
    return World(main=main, branch=branch)
