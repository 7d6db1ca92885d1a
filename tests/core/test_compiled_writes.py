"""``core.compiled_writes``: the same rows as ``save()``, with the statement built once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from skaitykla.catalogue.models import Item
from skaitykla.core.compiled_writes import insert_row, update_row
from skaitykla.core.models import AuditEntry, ServiceFact
from tests.catalogue.factories import ItemFactory
from tests.factories import LibraryFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_an_inserted_row_reads_back_as_the_orm_would_write_it(django_assert_num_queries):
    library = LibraryFactory()
    fact = ServiceFact(
        at=AT,
        day=AT.date(),
        kind="loan",
        library=library,
        channel="web",
        quantity=2,
        value=Decimal("1.250"),
    )
    with django_assert_num_queries(1):
        insert_row(fact)
    assert fact.pk is not None
    assert fact._state.adding is False
    stored = ServiceFact.objects.get(pk=fact.pk)
    assert (stored.at, stored.day, stored.kind, stored.library_id) == (
        AT,
        AT.date(),
        "loan",
        library.pk,
    )
    assert (stored.quantity, stored.value, stored.place) == (2, Decimal("1.250"), "")


def test_auto_now_add_and_json_are_prepared_as_save_prepares_them():
    entry = insert_row(
        AuditEntry(actor_kind="system", action="test.insert", detail={"codes": ["a", "ž"]})
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.detail == {"codes": ["a", "ž"]}
    assert stored.at == entry.at  # set by auto_now_add on the way in
    # The append-only guard still holds: AuditEntry may be inserted, never updated this way.
    with pytest.raises(TypeError, match="overrides save"):
        update_row(entry, ["action"])


def test_update_row_writes_only_the_fields_named_and_auto_now():
    item = ItemFactory(status="available", call_number="A 1")
    before = Item.objects.values_list("updated_at", flat=True).get(pk=item.pk)
    Item.objects.filter(pk=item.pk).update(call_number="B 2")  # a change made elsewhere
    item.status = "on_loan"
    item.due_back = AT.date()
    item.call_number = "stale"
    update_row(item, ["status", "due_back"])
    stored = Item.objects.get(pk=item.pk)
    assert (stored.status, stored.due_back) == ("on_loan", AT.date())
    assert stored.call_number == "B 2"  # not named: left alone
    assert stored.updated_at > before
    with pytest.raises(ValueError, match="not a column"):
        update_row(item, ["loans"])


def test_update_row_of_a_missing_row_raises():
    item = ItemFactory()
    Item.objects.filter(pk=item.pk).delete()
    with pytest.raises(Item.DoesNotExist):
        update_row(item, ["status"])
