"""``core.write_batches``: adjacent hot-path writes as one statement, in the order the code wrote
them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from skaitykla.catalogue.models import Item
from skaitykla.core.compiled_writes import update_row
from skaitykla.core.models import AuditEntry, ServiceFact
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.core.write_batches import atomic_with_batched_writes
from tests.catalogue.factories import ItemFactory
from tests.factories import LibraryFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _sent(captured: CaptureQueriesContext) -> list[str]:
    """The statements sent, without the test transaction's savepoints."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _write_three(item: Item, library: object, action: str) -> tuple[AuditEntry, ServiceFact]:
    item.status = "on_loan"
    update_row(item, ["status", "updated_at"])
    entry = record_audit(actor_kind="system", action=action, object_id=item.pk, library=library)
    fact = record_service_event(kind="loan", library=library, channel="web", at=AT)
    return entry, fact


def test_the_writes_land_with_their_keys_and_values():
    library = LibraryFactory()
    item = ItemFactory(status="available")
    with atomic_with_batched_writes():
        entry, fact = _write_three(item, library, "test.batch")
    assert Item.objects.get(pk=item.pk).status == "on_loan"
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.action, stored.object_id, stored.library_id) == (
        "test.batch",
        str(item.pk),
        library.pk,
    )
    assert ServiceFact.objects.get(pk=fact.pk).kind == "loan"
    assert entry._state.adding is False
    assert fact._state.adding is False


@pytest.mark.postgresql
def test_postgresql_sends_adjacent_writes_as_one_statement():
    library = LibraryFactory()
    item = ItemFactory(status="available")
    with CaptureQueriesContext(connection) as captured, atomic_with_batched_writes():
        entry, fact = _write_three(item, library, "test.one")
        # Queued: nothing sent yet, no keys yet.
        assert (entry.pk, fact.pk) == (None, None)
        assert _sent(captured) == []
    assert len(_sent(captured)) == 1
    assert _sent(captured)[0].startswith("EXECUTE skaitykla_hot_")
    assert entry.pk is not None
    assert fact.pk is not None
    assert AuditEntry.objects.filter(pk=entry.pk, action="test.one").exists()


@pytest.mark.postgresql
def test_any_other_statement_sends_the_queue_first():
    library = LibraryFactory()
    item = ItemFactory(status="available")
    with CaptureQueriesContext(connection) as captured, atomic_with_batched_writes():
        _write_three(item, library, "test.read")
        # A read in between sees every queued write.
        assert Item.objects.get(pk=item.pk).status == "on_loan"
        assert AuditEntry.objects.filter(action="test.read").count() == 1
        assert len(_sent(captured)) == 3  # the queue, then the two reads
        record_audit(actor_kind="system", action="test.read")
    assert AuditEntry.objects.filter(action="test.read").count() == 2


@pytest.mark.postgresql
def test_a_second_write_to_the_same_row_sends_the_first():
    item = ItemFactory(status="available", call_number="A 1")
    with CaptureQueriesContext(connection) as captured, atomic_with_batched_writes():
        item.status = "on_loan"
        update_row(item, ["status"])
        item.call_number = "B 2"
        update_row(item, ["call_number"])
        assert len(_sent(captured)) == 1
    assert len(_sent(captured)) == 2
    assert Item.objects.values_list("status", "call_number").get(pk=item.pk) == ("on_loan", "B 2")


def test_an_error_in_the_block_writes_nothing():
    library = LibraryFactory()
    item = ItemFactory(status="available")
    audits, facts = AuditEntry.objects.count(), ServiceFact.objects.count()

    def refused() -> None:
        with atomic_with_batched_writes():
            _write_three(item, library, "test.error")
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert Item.objects.get(pk=item.pk).status == "available"
    assert (AuditEntry.objects.count(), ServiceFact.objects.count()) == (audits, facts)


def test_a_savepoint_rolled_back_drops_what_was_queued_after_it():
    library = LibraryFactory()
    item = ItemFactory(status="available")
    with atomic_with_batched_writes():
        record_audit(actor_kind="system", action="test.kept", library=library)
        try:
            with transaction.atomic():
                _write_three(item, library, "test.dropped")
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
        record_audit(actor_kind="system", action="test.kept", library=library)
    assert AuditEntry.objects.filter(action="test.kept").count() == 2
    assert not AuditEntry.objects.filter(action="test.dropped").exists()
    assert Item.objects.get(pk=item.pk).status == "available"


def test_a_queued_update_of_a_missing_row_fails_the_transaction():
    item = ItemFactory(status="available")
    ghost = Item.objects.get(pk=item.pk)
    ghost.pk = item.pk + 10_000
    audits = AuditEntry.objects.count()

    def write_the_ghost() -> None:
        with atomic_with_batched_writes():
            record_audit(actor_kind="system", action="test.ghost")
            ghost.status = "lost"
            update_row(ghost, ["status"])

    with pytest.raises(Item.DoesNotExist):
        write_the_ghost()
    assert AuditEntry.objects.count() == audits


def test_nested_blocks_share_the_outer_batch():
    library = LibraryFactory()
    item = ItemFactory(status="available")
    with atomic_with_batched_writes():
        with atomic_with_batched_writes():
            entry, _fact = _write_three(item, library, "test.nested")
        record_audit(actor_kind="system", action="test.nested")
    assert entry.pk is not None
    assert AuditEntry.objects.filter(action="test.nested").count() == 2
