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


def test_two_reads_in_one_statement_equal_the_two_reads(django_assert_num_queries):
    card = CardFactory()
    item = ItemFactory()
    statements = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(statements):
        found = CARD.first_then(
            "t0.barcode = %s", ITEM, "t0.barcode = %s", [card.barcode, item.barcode]
        )
    assert found is not None
    read_card, read_item = found
    alone_card = CARD.first("t0.barcode = %s", [card.barcode])
    alone_item = ITEM.first("t0.barcode = %s", [item.barcode])
    assert alone_card is not None
    assert alone_item is not None
    assert read_item is not None
    assert values(read_card) == values(alone_card)
    assert values(read_card.reader) == values(alone_card.reader)
    assert values(read_item) == values(alone_item)
    assert values(read_item.record) == values(alone_item.record)
    # No second row: None for it; no first row: nothing at all.
    missing = CARD.first_then("t0.barcode = %s", ITEM, "t0.id = %s", [card.barcode, item.pk + 99])
    assert missing is not None
    assert missing[1] is None
    assert values(missing[0]) == values(alone_card)
    assert CARD.first_then("t0.barcode = %s", ITEM, "t0.id = %s", ["NOPE", item.pk]) is None


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_second_row_is_locked_only_after_the_first():
    """While another transaction holds the card's reader, the paired read waits for it and
    has not locked the item yet: the locks are taken in the order of two statements."""
    import threading

    from django.db import transaction

    card = CardFactory()
    item = ItemFactory()
    holding, finished = threading.Event(), threading.Event()
    release = threading.Event()
    outcome: list[object] = []

    def hold_the_reader() -> None:
        try:
            with transaction.atomic():
                CARD.first("t0.barcode = %s", [card.barcode])
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    def paired_read() -> None:
        try:
            holding.wait(20)
            with transaction.atomic():
                found = CARD.first_then(
                    "t0.barcode = %s", ITEM, "t0.id = %s", [card.barcode, item.pk]
                )
                outcome.append(found[1].pk if found and found[1] else None)
        finally:
            finished.set()
            connection.close()

    holder = threading.Thread(target=hold_the_reader)
    reader = threading.Thread(target=paired_read)
    holder.start()
    reader.start()
    try:
        assert holding.wait(20)
        assert not finished.wait(0.5)  # waiting for the reader's lock
        with transaction.atomic(), connection.cursor() as cursor:
            # The item is free: the paired read has not reached it.
            cursor.execute(
                f"SELECT id FROM {Item._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT",
                [item.pk],
            )
            assert cursor.fetchone() == (item.pk,)
    finally:
        release.set()
        holder.join(30)
        reader.join(30)
    assert outcome == [item.pk]
