from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from skaitykla.core.models import AuditEntry, AuditLogIsAppendOnlyError, ServiceFact
from skaitykla.core.services import record_audit, record_service_event
from tests.factories import LibraryFactory

pytestmark = pytest.mark.django_db


def test_audit_row_is_written_with_codes_only():
    library = LibraryFactory()
    entry = record_audit(
        actor_kind="staff",
        actor_id=7,
        action="reader.view",
        object_type="reader",
        object_id=42,
        library=library,
        detail={"section": "loans"},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_kind, stored.actor_id, stored.action) == ("staff", "7", "reader.view")
    assert (stored.object_type, stored.object_id, stored.library_id) == ("reader", "42", library.pk)
    assert stored.detail == {"section": "loans"}


def test_audit_refuses_personal_values_in_detail():
    with pytest.raises(ValueError, match="personal data"):
        record_audit(actor_kind="staff", action="x", detail={"email": "a@b.lt"})
    assert AuditEntry.objects.count() == 0


def test_audit_log_cannot_be_rewritten_even_with_raw_sql():
    entry = record_audit(actor_kind="system", action="test.append")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'rewritten' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.append"


def test_the_orm_refuses_to_change_or_delete_audit_entries():
    entry = record_audit(actor_kind="system", action="test.append")
    with pytest.raises(AuditLogIsAppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="rewritten")
    with pytest.raises(AuditLogIsAppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnlyError):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.append"


def test_fact_day_is_the_library_local_date():
    library = LibraryFactory(timezone="Europe/Vilnius")
    # 22:30 UTC on 31 Dec is already 1 Jan in Vilnius (UTC+2).
    fact = record_service_event(
        kind="visit",
        library=library,
        place="MEDIA",
        channel="in_person",
        reader_category="adult",
        age_band="30-64",
        at=datetime(2025, 12, 31, 22, 30, tzinfo=UTC),
        value=Decimal("1.5"),
    )
    stored = ServiceFact.objects.get(pk=fact.pk)
    assert stored.day.isoformat() == "2026-01-01"
    assert (stored.kind, stored.place, stored.quantity, stored.value) == (
        "visit",
        "MEDIA",
        1,
        Decimal("1.500"),
    )


def test_fact_table_has_no_link_to_a_person():
    names = {field.name for field in ServiceFact._meta.get_fields()}
    assert names == {
        "id",
        "at",
        "day",
        "kind",
        "library",
        "place",
        "channel",
        "reader_category",
        "age_band",
        "category",
        "quantity",
        "value",
    }


def test_fact_refuses_zero_quantity_and_naive_time():
    library = LibraryFactory()
    with pytest.raises(ValueError, match="quantity"):
        record_service_event(kind="visit", library=library, quantity=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        record_service_event(kind="visit", library=library, at=datetime(2025, 1, 1, 12, 0))
    assert ServiceFact.objects.count() == 0
