"""Fixtures of the reader-portal tests (loans, holds, orders and fines seen by the reader).

Import the fixtures you use into the test module (``from tests.circulation.portal_fixtures
import ...``); the helpers build state through the real services where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from skaitykla.catalogue.choices import LoanType
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.models import Loan
from skaitykla.circulation.services.loans import checkout_item
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.patrons.choices import LoanHistoryChoice
from skaitykla.patrons.models import Card, Reader, ReaderCategory
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.factories import LibraryFactory, OpeningHoursFactory, ReadingRoomFactory
from tests.patrons.factories import TEST_PIN, ReaderCategoryFactory, reader_with_card


@dataclass
class Person:
    reader: Reader
    card: Card


@pytest.fixture
def library(db) -> Library:
    library = LibraryFactory(
        code="LT-C1",
        name="Lietuvos nacionalinė Martyno Mažvydo biblioteka",
        name_en="Martynas Mažvydas National Library of Lithuania",
    )
    for weekday in range(7):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(8), closes=time(21))
    return library


@pytest.fixture
def room(library: Library) -> ReadingRoom:
    return ReadingRoomFactory(
        library=library,
        code="HUMANITIES",
        name="Humanitarinių mokslų skaitykla",
        name_en="Humanities Reading Room",
    )


@pytest.fixture
def adult(db) -> ReaderCategory:
    return ReaderCategoryFactory(is_default=True)


def person(library: Library, category: ReaderCategory, first: str, last: str) -> Person:
    reader, card = reader_with_card(
        home_library=library,
        category=category,
        first_name=first,
        last_name=last,
        loan_history=LoanHistoryChoice.KEEP,
    )
    return Person(reader, card)


@pytest.fixture
def me(library: Library, adult: ReaderCategory) -> Person:
    return person(library, adult, "Eglė", "Šimkutė")


@pytest.fixture
def other(library: Library, adult: ReaderCategory) -> Person:
    return person(library, adult, "Jonas", "Žukauskas")


def log_in(client: Client, who: Person) -> None:
    response = client.post(
        reverse("patrons:reader_login"), {"card_number": who.card.barcode, "pin": TEST_PIN}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def home_item(library: Library, title: str, **kwargs: object) -> Item:
    return ItemFactory(record=RecordFactory(title=title), library=library, **kwargs)


def stack_item(library: Library, title: str, **kwargs: object) -> Item:
    return ItemFactory(
        record=RecordFactory(title=title),
        library=library,
        loan_type=LoanType.CLOSED_STACK,
        call_number=kwargs.pop("call_number", "821.172 Ša-1"),
        **kwargs,
    )


def lend(item: Item, who: Person, library: Library) -> Loan:
    return checkout_item(
        item_barcode=item.barcode, reader=who.reader, library=library, channel=CircChannel.DESK
    )
