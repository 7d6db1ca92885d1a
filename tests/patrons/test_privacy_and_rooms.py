"""Blocks, consents, reading-room entry, the periodic jobs, export and erasure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from skaitykla.core.models import AuditEntry, ServiceFact
from skaitykla.patrons import data_rights, selectors, services
from skaitykla.patrons.choices import ConsentKind, ReaderStatus, VisitOutcome
from skaitykla.patrons.errors import (
    BlockError,
    ConsentError,
    ErasureRefusedError,
    RetentionCapExceededError,
)
from skaitykla.patrons.models import (
    Block,
    Card,
    Consent,
    IdentityVerification,
    Reader,
    ReaderPolicy,
    RoomPermission,
    Visit,
)
from skaitykla.patrons.obligations import register_obligation_check, unregister_obligation_check
from tests.factories import ReadingRoomFactory
from tests.patrons.factories import CardFactory, ReaderFactory, reader_with_card

pytestmark = pytest.mark.django_db


# --- Blocks ------------------------------------------------------------------------------------


def test_block_sets_status_and_lifting_restores_it(librarian, library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    block = services.place_block(
        reader=reader, actor=librarian, reason="Sugadinta knyga", blocks_holds=False
    )
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.BLOCKED
    today = timezone.localdate()
    assert selectors.active_blocks(reader=reader, day=today, action="loans") == [block]
    assert selectors.active_blocks(reader=reader, day=today, action="holds") == []
    services.lift_block(block=block, actor=librarian)
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ACTIVE
    assert selectors.active_blocks(reader=reader, day=today) == []
    with pytest.raises(BlockError):
        services.lift_block(block=block, actor=librarian)


def test_block_needs_reason_action_and_sane_dates(librarian, library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    with pytest.raises(BlockError):
        services.place_block(reader=reader, actor=librarian, reason="  ")
    with pytest.raises(BlockError):
        services.place_block(
            reader=reader,
            actor=librarian,
            reason="x",
            blocks_loans=False,
            blocks_holds=False,
            blocks_renewals=False,
        )
    with pytest.raises(BlockError):
        services.place_block(
            reader=reader,
            actor=librarian,
            reason="x",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 1, 1),
        )
    assert not Block.objects.exists()


def test_time_limited_block_ends(librarian, library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    services.place_block(
        reader=reader,
        actor=librarian,
        reason="x",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 31),
    )
    assert selectors.active_blocks(reader=reader, day=date(2026, 1, 15))
    assert not selectors.active_blocks(reader=reader, day=date(2026, 2, 1))


# --- Consents ----------------------------------------------------------------------------------


def test_consent_given_and_withdrawn_is_recorded(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    services.give_consent(reader=reader, actor=reader, kind=ConsentKind.MARKETING_EMAIL)
    consent = services.withdraw_consent(
        reader=reader, actor=reader, kind=ConsentKind.MARKETING_EMAIL
    )
    assert consent.withdrawn_at is not None
    assert not selectors.current_consents(reader=reader).filter(kind="marketing_email").exists()
    assert selectors.list_consents(reader=reader).filter(kind="marketing_email").count() == 1
    with pytest.raises(ConsentError):
        services.withdraw_consent(reader=reader, actor=reader, kind=ConsentKind.MARKETING_EMAIL)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "patrons.consent.withdrawn" in actions


def test_privacy_policy_consent_records_current_version_and_withdrawal_asks_erasure(library, adult):
    ReaderPolicy.objects.update_or_create(pk=1, defaults={"privacy_policy_version": "2026-7"})
    reader = ReaderFactory(home_library=library, category=adult)
    consent = services.give_consent(reader=reader, actor=reader, kind=ConsentKind.PRIVACY_POLICY)
    assert consent.value == "2026-7"
    services.withdraw_consent(reader=reader, actor=reader, kind=ConsentKind.PRIVACY_POLICY)
    reader.refresh_from_db()
    assert reader.erasure_requested_at is not None


def test_loan_history_choice(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    services.set_loan_history_choice(reader=reader, actor=reader, choice="on_return")
    services.set_loan_history_choice(reader=reader, actor=reader, choice="after_days", days=90)
    reader.refresh_from_db()
    assert (reader.loan_history, reader.loan_history_days) == ("after_days", 90)
    current = Consent.objects.get(reader=reader, kind="loan_history", withdrawn_at__isnull=True)
    assert current.value == "after_days"
    assert Consent.objects.filter(reader=reader, kind="loan_history").count() == 2
    with pytest.raises(ConsentError):
        services.set_loan_history_choice(reader=reader, actor=reader, choice="forever")


# --- Reading rooms -----------------------------------------------------------------------------


def test_room_needing_permission_denies_then_allows(librarian, library, adult, rare_room):
    reader, _card = reader_with_card(home_library=library, category=adult)
    denied = services.scan_room_entry(room=rare_room, reader=reader, actor=librarian)
    assert (denied.outcome, denied.denial_code) == (VisitOutcome.DENIED, "no_permission")
    assert not ServiceFact.objects.filter(kind="visit").exists()
    services.set_room_permission(reader=reader, room=rare_room, actor=librarian, allowed=True)
    allowed = services.scan_room_entry(room=rare_room, reader=reader, actor=librarian)
    assert allowed.outcome == VisitOutcome.ALLOWED
    assert allowed.scanned_by == librarian
    fact = ServiceFact.objects.get(kind="visit")
    assert (fact.place, fact.channel, fact.reader_category, fact.age_band) == (
        "RARE",
        "in_person",
        "adult",
        "30-64",
    )
    # A second scan while inside does not count twice.
    assert services.scan_room_entry(room=rare_room, reader=reader, actor=librarian) == allowed
    assert ServiceFact.objects.filter(kind="visit").count() == 1


def test_a_lost_card_does_not_open_a_room(librarian, library, adult, rare_room):
    reader, lost = reader_with_card(home_library=library, category=adult)
    services.set_room_permission(reader=reader, room=rare_room, actor=librarian, allowed=True)
    new = services.replace_card(
        reader=reader, actor=librarian, library=library, barcode="NEW0001", lost=True
    )
    denied = services.scan_room_entry(room=rare_room, reader=reader, actor=librarian, card=lost)
    assert (denied.outcome, denied.denial_code) == (VisitOutcome.DENIED, "card_not_active")
    allowed = services.scan_room_entry(room=rare_room, reader=reader, actor=librarian, card=new)
    assert allowed.outcome == VisitOutcome.ALLOWED


def test_rare_room_seats_two(librarian, library, adult, rare_room):
    readers = []
    for _n in range(3):
        reader, _card = reader_with_card(home_library=library, category=adult)
        RoomPermission.objects.create(reader=reader, room=rare_room, allowed=True)
        readers.append(reader)
    outcomes = [
        services.scan_room_entry(room=rare_room, reader=r, actor=librarian) for r in readers
    ]
    assert [v.denial_code for v in outcomes] == ["", "", "room_full"]
    services.record_room_exit(room=rare_room, reader=readers[0], actor=librarian)
    again = services.scan_room_entry(room=rare_room, reader=readers[2], actor=librarian)
    assert again.outcome == VisitOutcome.ALLOWED
    assert selectors.room_occupancy(room=rare_room, day=again.day) == 2


def test_entry_denied_for_block_expired_card_and_pending(librarian, library, adult):
    room = ReadingRoomFactory(library=library, code="MEDIA", seats=40)
    blocked, _card = reader_with_card(home_library=library, category=adult)
    services.place_block(reader=blocked, actor=librarian, reason="x", blocks_room_entry=True)
    expired, card = reader_with_card(home_library=library, category=adult)
    card.valid_until = date(2020, 1, 1)
    card.save()
    pending = ReaderFactory(home_library=library, category=adult, status=ReaderStatus.PENDING)
    no_card = ReaderFactory(home_library=library, category=adult)
    codes = [
        services.scan_room_entry(room=room, reader=r, actor=librarian).denial_code
        for r in (blocked, expired, pending, no_card)
    ]
    assert codes == ["blocked", "card_expired", "reader_not_active", "no_active_card"]
    assert Visit.objects.filter(outcome="denied").count() == 4


def test_open_visit_from_an_earlier_day_is_closed_at_entry(librarian, library, adult, rare_room):
    reader, _card = reader_with_card(home_library=library, category=adult)
    RoomPermission.objects.create(reader=reader, room=rare_room, allowed=True)
    yesterday = timezone.now() - timedelta(days=1)
    old = services.scan_room_entry(room=rare_room, reader=reader, actor=librarian, now=yesterday)
    new = services.scan_room_entry(room=rare_room, reader=reader, actor=librarian)
    old.refresh_from_db()
    assert old.left_at is not None
    assert new.pk != old.pk


def test_service_facts_have_no_reader_reference():
    from skaitykla.core.models import ServiceFact as Fact

    names = {f.name for f in Fact._meta.get_fields()}
    assert not any("reader" in n and n != "reader_category" for n in names)
    assert not any(getattr(f, "related_model", None) is Reader for f in Fact._meta.get_fields())


# --- Periodic jobs -----------------------------------------------------------------------------


def test_unverified_preregistrations_expire(library, adult):
    old = ReaderFactory(home_library=library, category=adult, status=ReaderStatus.PENDING)
    fresh = ReaderFactory(home_library=library, category=adult, status=ReaderStatus.PENDING)
    active = ReaderFactory(home_library=library, category=adult)
    Reader.objects.filter(pk__in=[old.pk, active.pk]).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    assert services.expire_preregistrations() == 1
    assert set(Reader.objects.values_list("pk", flat=True)) == {fresh.pk, active.pk}
    assert AuditEntry.objects.filter(
        action="patrons.reader.preregistration_expired", object_id=str(old.pk)
    ).exists()


def _expired_reader(library, adult, years_ago=7, **kwargs):
    reader, card = reader_with_card(home_library=library, category=adult, **kwargs)
    card.valid_until = timezone.localdate().replace(year=timezone.localdate().year - years_ago)
    card.save()
    return reader


def test_retention_dry_run_equals_real_run_and_spares_protected_and_open(library, adult):
    for _n in range(40):
        reader_with_card(home_library=library, category=adult)
    target = _expired_reader(library, adult)
    recent = _expired_reader(library, adult, years_ago=1)
    protected = _expired_reader(library, adult, protected=True)
    owing = _expired_reader(library, adult)
    register_obligation_check("test", lambda r: ["open_loans"] if r.pk == owing.pk else [])
    try:
        dry = services.apply_retention(dry_run=True, max_share=0.1)
        assert Reader.objects.get(pk=target.pk).status == ReaderStatus.ACTIVE
        real = services.apply_retention(dry_run=False, max_share=0.1)
    finally:
        unregister_obligation_check("test")
    assert dry.candidates == real.candidates == [target.pk]
    assert dry.skipped_open == real.skipped_open == [owing.pk]
    target.refresh_from_db()
    assert target.status == ReaderStatus.ANONYMISED
    assert target.first_name == ""
    assert target.email == ""
    for untouched in (recent, protected, owing):
        untouched.refresh_from_db()
        assert untouched.status == ReaderStatus.ACTIVE
        assert untouched.first_name


def test_retention_refuses_to_touch_more_than_the_cap(library, adult):
    for _n in range(5):
        _expired_reader(library, adult)
    reader_with_card(home_library=library, category=adult)
    with pytest.raises(RetentionCapExceededError):
        services.apply_retention(dry_run=True, max_share=0.05)
    with pytest.raises(RetentionCapExceededError):
        services.apply_retention(dry_run=False, max_share=0.05)
    assert not Reader.objects.filter(status=ReaderStatus.ANONYMISED).exists()


def test_retention_task_reports_refusal():
    from skaitykla.patrons.tasks import apply_retention

    result = apply_retention.call(dry_run=True)
    assert result["dry_run"] is True


# --- Export and erasure --------------------------------------------------------------------


def test_export_and_erasure_cover_every_reader_relation():
    """A new model with a foreign key to Reader fails here until export and erasure know it."""
    keys = {selectors.relation_key(m, f) for m, f in selectors.reader_relations()}
    missing = keys - set(data_rights.RULES)
    assert not missing, f"add export and erasure rules for {sorted(missing)} (data_rights.py)"
    assert selectors.EXPORT_FIELDS is services.ERASURE_ACTIONS is data_rights.RULES
    for key in keys:
        rule = data_rights.RULES[key]
        assert rule.export_fields, key
        assert rule.erasure in ("delete", "refuse") or isinstance(
            rule.erasure, data_rights.Anonymise
        ), key


def test_an_unreviewed_relation_is_exported_in_full_and_blocks_erasure(
    librarian, library, adult, rare_room, monkeypatch
):
    reader = _full_reader(librarian, library, adult, rare_room)
    rules = dict(data_rights.RULES)
    del rules["patrons.visit.reader"]
    monkeypatch.setattr(data_rights, "RULES", rules)
    export = selectors.export_reader_data(reader=reader)
    assert export["tables"]["patrons.visit.reader"][0]["scanned_by_id"] == librarian.pk
    with pytest.raises(ErasureRefusedError) as refused:
        services.erase_reader(reader=reader, actor=librarian)
    assert "visit_reader" in refused.value.params["reasons"]
    assert Visit.objects.filter(reader=reader).exists()


def _full_reader(librarian, library, adult, rare_room):
    reader, _card = reader_with_card(home_library=library, category=adult, barcode="FULL0001")
    services.give_consent(reader=reader, actor=reader, kind=ConsentKind.MARKETING_EMAIL)
    services.place_block(reader=reader, actor=librarian, reason="Pavėluota")
    services.set_room_permission(reader=reader, room=rare_room, actor=librarian, allowed=True)
    services.scan_room_entry(room=rare_room, reader=reader, actor=librarian)
    services.record_identity_check(
        reader=reader, actor=librarian, library=library, document_type="id_card"
    )
    return reader


def test_export_holds_every_table(librarian, library, adult, rare_room):
    reader = _full_reader(librarian, library, adult, rare_room)
    export = selectors.export_reader_data(reader=reader)
    assert export["reader"]["first_name"] == reader.first_name
    assert "pin_hash" not in export["reader"]
    tables = export["tables"]
    assert tables["patrons.card.reader"][0]["barcode"] == "FULL0001"
    for key in (
        "patrons.consent.reader",
        "patrons.block.reader",
        "patrons.roompermission.reader",
        "patrons.visit.reader",
        "patrons.identityverification.reader",
    ):
        assert tables[key], key
    assert export["about"]["retention_years_after_card_expiry"] == 5


def test_erasure_removes_everything_but_keeps_statistics(librarian, library, adult, rare_room):
    reader = _full_reader(librarian, library, adult, rare_room)
    facts = ServiceFact.objects.count()
    assert facts >= 1
    services.erase_reader(reader=reader, actor=librarian)
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ANONYMISED
    for name in ("first_name", "last_name", "email", "phone", "address", "pin_hash", "name_key"):
        assert getattr(reader, name) == ""
    assert reader.birth_date is None
    for model in (Card, Consent, Block, RoomPermission, Visit, IdentityVerification):
        assert not model.objects.filter(reader=reader).exists(), model
    assert ServiceFact.objects.count() == facts
    assert AuditEntry.objects.filter(
        action="patrons.reader.erased", object_id=str(reader.pk)
    ).exists()
    assert selectors.search_readers(query="FULL0001") == []
    with pytest.raises(ErasureRefusedError):
        services.erase_reader(reader=reader, actor=librarian)


def test_erasure_refused_while_obligations_are_open(librarian, library, adult):
    reader, _card = reader_with_card(home_library=library, category=adult)
    register_obligation_check("test", lambda r: ["open_loans", "debt"])
    try:
        with pytest.raises(ErasureRefusedError) as refused:
            services.erase_reader(reader=reader, actor=librarian)
    finally:
        unregister_obligation_check("test")
    assert refused.value.params["reasons"] == ["open_loans", "debt"]
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ACTIVE
    assert Card.objects.filter(reader=reader).exists()


def test_erasure_refused_for_guardian_of_a_ward(librarian, library, adult):
    guardian = ReaderFactory(home_library=library, category=adult)
    ReaderFactory(home_library=library, category=adult, guardian=guardian)
    with pytest.raises(ErasureRefusedError):
        services.erase_reader(reader=guardian, actor=librarian)


def test_request_erasure_is_recorded(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    services.request_erasure(reader=reader)
    assert list(selectors.list_erasure_requests()) == [reader]


# --- Search --------------------------------------------------------------------------------


def test_search_by_name_accent_insensitive_card_and_email(library, adult):
    zemaite = ReaderFactory(
        home_library=library,
        category=adult,
        first_name="Julija",
        last_name="Žemaitė",
        email="Julija.Z@Example.invalid",
    )
    ReaderFactory(home_library=library, category=adult, first_name="Jonas", last_name="Zemaitis")
    CardFactory(reader=zemaite, barcode="LNB7777777")
    assert [r.pk for r in selectors.search_readers(query="zemaite")] == [zemaite.pk]
    assert len(selectors.search_readers(query="ŽEMAIT")) == 2
    assert selectors.search_readers(query="julija žem") == [zemaite]
    assert selectors.search_readers(query=" lnb７７７７７７７ ") == [zemaite]
    assert selectors.search_readers(query="julija.z@example") == [zemaite]
    assert selectors.search_readers(query="nobody") == []


def test_staff_view_audit_has_no_values(librarian, library, adult):
    reader = ReaderFactory(home_library=library, category=adult, last_name="Žemaitė")
    services.record_reader_view(reader=reader, actor=librarian)
    entry = AuditEntry.objects.get(action="patrons.reader.viewed")
    assert (entry.actor_kind, entry.actor_id, entry.object_id) == (
        "staff",
        str(librarian.pk),
        str(reader.pk),
    )
    assert "Žemaitė" not in str(entry.detail)
