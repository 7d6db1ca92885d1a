"""Factories for the patrons app."""

from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth.hashers import make_password

from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Card, Reader, ReaderCategory
from skaitykla.patrons.normalisation import fold, name_keys
from tests.factories import LibraryFactory

TEST_PIN = "2468"
_PIN_HASH: list[str] = []


def pin_hash() -> str:
    if not _PIN_HASH:
        _PIN_HASH.append(make_password(TEST_PIN))
    return _PIN_HASH[0]


class ReaderCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReaderCategory
        django_get_or_create = ("code",)

    code = "adult"
    name = "Suaugęs skaitytojas"
    name_en = "Adult"
    card_validity_years = 6
    is_default = False


class ReaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reader

    first_name = factory.Sequence(lambda n: f"Vardenis{n}")
    last_name = "Pavardenis"
    birth_date = date(1990, 5, 17)
    email = factory.Sequence(lambda n: f"skaitytojas{n}@example.invalid")
    category = factory.SubFactory(ReaderCategoryFactory)
    home_library = factory.SubFactory(LibraryFactory, code="LT-TEST")
    status = ReaderStatus.ACTIVE
    pin_hash = factory.LazyFunction(pin_hash)
    name_key = factory.LazyAttribute(lambda o: name_keys(o.first_name, o.last_name)[0])
    name_key_alt = factory.LazyAttribute(lambda o: name_keys(o.first_name, o.last_name)[1])
    email_key = factory.LazyAttribute(lambda o: fold(o.email))


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    reader = factory.SubFactory(ReaderFactory)
    barcode = factory.Sequence(lambda n: f"LNB{n:07d}")
    state = CardState.ACTIVE
    issued_on = date(2026, 1, 5)
    valid_until = date(2032, 1, 5)
    library = factory.SelfAttribute("reader.home_library")


def reader_with_card(**kwargs: object) -> tuple[Reader, Card]:
    barcode = kwargs.pop("barcode", None)
    reader = ReaderFactory(**kwargs)
    card = CardFactory(reader=reader, **({"barcode": barcode} if barcode else {}))
    return reader, card
