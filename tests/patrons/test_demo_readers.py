"""Demo readers and the scale builder."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from skaitykla.demo.readers import (
    DEMO_READER_COUNT,
    DEMO_READER_LOGINS,
    build_readers,
    demo_reader_info,
    seed_readers,
)
from skaitykla.patrons import selectors, services
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Block, Card, Reader, ReaderCategory
from tests.factories import LibraryFactory, ReadingRoomFactory

pytestmark = pytest.mark.django_db

CATEGORIES = ("adult", "student", "child", "researcher", "senior", "staff", "honorary")


@pytest.fixture
def categories():
    for code in CATEGORIES:
        ReaderCategory.objects.get_or_create(
            code=code, defaults={"name": code, "card_validity_years": 6}
        )


def test_demo_readers_are_deterministic_and_cover_the_cases(categories):
    national = LibraryFactory(code="LT-C1", name="Nacionalinė biblioteka")
    other = LibraryFactory(code="LT-AMB", name="AMB")
    ReadingRoomFactory(library=national, code="RARE", entry_requires_permission=True)
    first = seed_readers(library=national, libraries=[national, other])
    names = list(Reader.objects.order_by("pk").values_list("first_name", "last_name"))
    second = seed_readers(library=national, libraries=[national, other])
    assert first == second == {"readers": DEMO_READER_COUNT}
    assert list(Reader.objects.order_by("pk").values_list("first_name", "last_name")) == names
    assert Reader.objects.filter(status=ReaderStatus.PENDING).count() == 2
    assert Reader.objects.filter(status=ReaderStatus.BLOCKED).count() == 1
    assert Reader.objects.filter(status=ReaderStatus.EXPIRED).count() == 1
    assert Block.objects.count() == 1
    minors = Reader.objects.filter(category__code="child")
    assert minors.count() >= 10
    assert not minors.filter(guardian__isnull=True).exists()
    assert Reader.objects.values("category").distinct().count() >= 5
    assert any(c in "".join(n for pair in names for n in pair) for c in "ąčęėįšųūž")
    assert selectors.search_readers(query="zemait")
    for login in DEMO_READER_LOGINS:
        if login.card in ("LNB0000005",):
            continue
        reader = services.authenticate_reader(card_number=login.card, pin=login.pin)
        assert reader.cards.get().barcode == login.card
    assert [r["card"] for r in demo_reader_info()] == [x.card for x in DEMO_READER_LOGINS]


def test_build_readers_in_bulk(categories):
    library = LibraryFactory(code="LT-S0001")
    assert build_readers(1_500, [library], batch_size=1_000) == 1_500
    assert Card.objects.filter(barcode__startswith="SC").count() == 1_500
    assert Reader.objects.exclude(name_key="").count() == 1_500
    # A second run appends new card numbers instead of colliding.
    build_readers(10, [library])
    assert Card.objects.count() == 1_510


def test_seed_scale_command_has_readers_option(categories):
    call_command("seed_scale", "--libraries", "2", "--readers", "50")
    assert Reader.objects.count() == 50
