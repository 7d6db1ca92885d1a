"""Fixtures of the closed-stack order, notice, history and offline tests.

A national-library-like setup: the library is open Monday–Friday 8:00–20:00 and Saturday
10:00–17:00, closed on Sundays and Lithuanian public holidays (11 March 2026 is one); orders
for the same day are taken Monday–Thursday until 16:00 and Friday until 15:00 (LNB), delivered
in 60 minutes; nothing is set for Saturday, so only the retrieval lead time limits it.
Import the fixtures you use into the test module.

Dates used: Monday 2 March 2026 … Saturday 7 March, Sunday 8 (closed), Monday 9, Tuesday 10,
Wednesday 11 (holiday), Thursday 12.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from skaitykla.catalogue.choices import LoanType
from skaitykla.catalogue.models import Item
from skaitykla.circulation.models import LoanPolicy, StackOrderCutoff
from skaitykla.circulation.policies import forget_cached_policies
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.patrons.models import Card, Reader, ReaderCategory
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.factories import (
    LibraryFactory,
    OpeningHoursFactory,
    ReadingRoomFactory,
    StaffUserFactory,
)
from tests.patrons.factories import ReaderCategoryFactory, reader_with_card

VILNIUS = ZoneInfo("Europe/Vilnius")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VILNIUS)


@dataclass
class Person:
    reader: Reader
    card: Card


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> Iterator[None]:
    forget_cached_policies()
    yield
    forget_cached_policies()


@pytest.fixture
def lnb(db) -> Library:
    library = LibraryFactory(
        code="LT-LNB",
        name="Lietuvos nacionalinė Martyno Mažvydo biblioteka",
        name_en="Martynas Mažvydas National Library of Lithuania",
    )
    for weekday in range(5):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(8), closes=time(20))
    OpeningHoursFactory(library=library, weekday=5, opens=time(10), closes=time(17))
    for weekday, until in ((0, time(16)), (1, time(16)), (2, time(16)), (3, time(16))):
        StackOrderCutoff.objects.create(
            library=library, weekday=weekday, last_order_at=until, delivery_minutes=60
        )
    StackOrderCutoff.objects.create(
        library=library, weekday=4, last_order_at=time(15), delivery_minutes=60
    )
    return library


@pytest.fixture
def room(lnb: Library) -> ReadingRoom:
    return ReadingRoomFactory(
        library=lnb,
        code="HUM",
        name="Humanitarinių mokslų skaitykla",
        name_en="Humanities Reading Room",
    )


@pytest.fixture
def adult(db) -> ReaderCategory:
    return ReaderCategoryFactory(is_default=True)


def make_person(
    library: Library, category: ReaderCategory, first: str, barcode: str, **kwargs: object
) -> Person:
    reader, card = reader_with_card(
        home_library=library, category=category, first_name=first, barcode=barcode, **kwargs
    )
    return Person(reader, card)


@pytest.fixture
def egle(lnb: Library, adult: ReaderCategory) -> Person:
    return make_person(lnb, adult, "Eglė", "LNB0001234", last_name="Šimkutė")


@pytest.fixture
def jonas(lnb: Library, adult: ReaderCategory) -> Person:
    return make_person(
        lnb, adult, "Jonas", "LNB0005678", last_name="Žukauskas", preferred_language="en"
    )


@pytest.fixture
def attendant(db):
    return StaffUserFactory(username="saugykla")


def stack_item(
    library: Library,
    *,
    barcode: str,
    call_number: str = "",
    location: str = "",
    title: str = "Lietuvos istorija",
    loan_type: str = LoanType.CLOSED_STACK,
    reading_room: ReadingRoom | None = None,
) -> Item:
    return ItemFactory(
        record=RecordFactory(title=title),
        library=library,
        barcode=barcode,
        call_number=call_number,
        location=location,
        loan_type=loan_type,
        reading_room=reading_room,
    )


@pytest.fixture
def stacked(lnb: Library) -> Item:
    return stack_item(
        lnb,
        barcode="LVF00000042",
        call_number="LVF 94(474.5) Šl-12",
        location="Saugykla A-3",
        title="Žemaičių kunigaikštystės žemėlapiai",
    )


@pytest.fixture
def order_rule(lnb: Library) -> LoanPolicy:
    """Closed-stack orders at the LNB: two a day per reader, 3 open days on the shelf, kept
    2 open days for the next visit."""
    return LoanPolicy.objects.create(
        name="LNB saugykla",
        library=lnb,
        loan_type=LoanType.CLOSED_STACK,
        home_loan_allowed=False,
        renewals_allowed=0,
        loan_period_days=1,
        max_orders_per_day=2,
        order_pickup_open_days=3,
        order_keep_open_days=2,
    )
