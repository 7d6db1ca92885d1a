"""``core.joined_reads.JoinedRead``: the same instances as ``select_related`` (every column,
converted the same way), related objects cached, deferred columns left for later, row locks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Model

from skaitykla.catalogue.models import Item
from skaitykla.core.joined_reads import JoinedRead
from skaitykla.patrons.models import Card
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.factories import ReadingRoomFactory
from tests.patrons.factories import CardFactory

pytestmark = pytest.mark.django_db

ITEM = JoinedRead(
    Item,
    related=("record", "library", "reading_room"),
    defer=("record__marc", "record__subjects"),
    lock_of=("self",),
)
CARD = JoinedRead(Card, related=("reader__category", "reader__home_library"), lock_of=("reader",))


def values(instance: Model) -> dict[str, object]:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_the_item_and_its_relations_equal_the_orm_read(django_assert_num_queries):
    room = ReadingRoomFactory()
    record = RecordFactory(
        authors=["Žemaitė"], subjects=["Kaimas"], year=1895, marc='{"leader": "x"}'
    )
    item = ItemFactory(
        record=record,
        library=room.library,
        reading_room=room,
        price=Decimal("12.50"),
        acquired_on=date(2020, 5, 1),
    )
    orm = Item.objects.select_related("record", "library", "reading_room").get(pk=item.pk)
    with django_assert_num_queries(1):
        read = ITEM.first("t0.barcode = %s", [item.barcode])
        assert read is not None
        assert values(read) == values(orm)
        assert values(read.library) == values(orm.library)
        assert values(read.reading_room) == values(orm.reading_room)
        assert read.record.authors == ["Žemaitė"]  # JSON decoded as the ORM does
        assert read.price == Decimal("12.50")
        assert read.acquired_on == date(2020, 5, 1)
    with django_assert_num_queries(1):  # a deferred column is read when asked for
        assert read.record.marc == '{"leader": "x"}'
    assert values(read.record) == values(orm.record)


def test_a_null_relation_is_cached_as_none_and_a_missing_row_is_none(django_assert_num_queries):
    item = ItemFactory(reading_room=None)
    with django_assert_num_queries(1):
        read = ITEM.first("t0.id = %s", [item.pk])
        assert read is not None
        assert read.reading_room is None
        assert read.record.title == item.record.title
    assert ITEM.first("t0.id = %s", [item.pk + 1000]) is None


def test_a_two_step_path_caches_every_level(django_assert_num_queries):
    card = CardFactory()
    with django_assert_num_queries(1):
        read = CARD.first("t0.barcode = %s", [card.barcode])
        assert read is not None
        assert read.reader.category.code == card.reader.category.code
        assert read.reader.home_library.code == card.reader.home_library.code
        assert read.valid_until == card.valid_until
    assert values(read.reader) == values(type(card.reader).objects.get(pk=card.reader_id))


def test_the_statement_locks_the_rows_asked_for():
    statement = CARD.sql("t0.barcode = %s")
    if connection.vendor == "postgresql":
        assert statement.endswith("LIMIT 1 FOR NO KEY UPDATE OF t1")
    else:  # SQLite serialises writers itself: no row-lock clause
        assert "FOR " not in statement
    assert "INNER JOIN" in statement
    assert 'LEFT OUTER JOIN "core_readingroom" t3' in ITEM.sql("t0.id = %s")
    assert '"marc"' not in ITEM.sql("t0.id = %s")


def test_only_foreign_keys_can_be_followed():
    with pytest.raises(ValueError, match="not a foreign key"):
        JoinedRead(Item, related=("barcode",))
