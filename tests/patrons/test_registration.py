"""Registration, cards, minors, PINs and login throttling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from skaitykla.core.models import AuditEntry, ServiceFact
from skaitykla.patrons import services
from skaitykla.patrons.choices import CardState, ConsentKind, ReaderStatus
from skaitykla.patrons.errors import (
    CardStateError,
    ConsentError,
    DuplicateCardError,
    GuardianRequiredError,
    InvalidBirthDateError,
    InvalidCardNumberError,
    InvalidGuardianError,
    InvalidPinError,
    LoginThrottledError,
    ReaderStateError,
)
from skaitykla.patrons.models import (
    Card,
    Consent,
    IdentityVerification,
    Reader,
    ReaderLoginFailure,
)
from tests.patrons.factories import TEST_PIN, CardFactory, ReaderFactory, reader_with_card

pytestmark = pytest.mark.django_db


def data(**overrides):
    values = {
        "first_name": "Julija",
        "last_name": "Žemaitė",
        "birth_date": date(1985, 3, 4),
        "email": "julija@example.invalid",
        "phone": "+37060000000",
    }
    values.update(overrides)
    return services.ReaderData(**values)


def register(librarian, library, adult, barcode="LNB0000001", **kwargs):
    return services.register_reader(
        actor=librarian,
        data=kwargs.pop("data", data()),
        category=adult,
        library=library,
        document_type="id_card",
        card_barcode=barcode,
        pin=kwargs.pop("pin", "1357"),
        **kwargs,
    )


def test_desk_registration_creates_active_reader_card_verification_and_consents(
    librarian, library, adult
):
    reader = register(librarian, library, adult, barcode=" lnb-0000001 ")
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ACTIVE
    assert reader.name_key == "zemaite julija"
    assert reader.email_key == "julija@example.invalid"
    assert check_password("1357", reader.pin_hash)
    card = Card.objects.get(reader=reader)
    assert card.barcode == "LNB-0000001"
    assert card.valid_until == card.issued_on.replace(year=card.issued_on.year + 6)
    verification = IdentityVerification.objects.get(reader=reader)
    assert verification.document_type == "id_card"
    assert verification.verified_by == librarian
    assert {c.kind for c in Consent.objects.filter(reader=reader)} == {
        ConsentKind.PRIVACY_POLICY,
        ConsentKind.LOAN_HISTORY,
    }
    entry = AuditEntry.objects.get(action="patrons.reader.registered")
    assert entry.object_id == str(reader.pk)
    assert "Žemaitė" not in str(entry.detail)
    assert "LNB" not in str(entry.detail)
    fact = ServiceFact.objects.get(kind="registration")
    assert (fact.reader_category, fact.age_band) == ("adult", "30-64")


@pytest.mark.parametrize(
    "other", ["LNB0000001", " lnb0000001 ", "ＬＮＢ００００００１", "LNB\u200b0000001"]
)
def test_duplicate_card_in_any_form_is_refused_and_nothing_saved(librarian, library, adult, other):
    register(librarian, library, adult, barcode="LNB0000001")
    readers = Reader.objects.count()
    with pytest.raises(DuplicateCardError) as refused:
        register(librarian, library, adult, barcode=other, data=data(first_name="Kitas"))
    assert refused.value.code == "card_duplicate"
    assert Reader.objects.count() == readers
    assert Card.objects.count() == 1


def test_empty_card_number_is_refused(librarian, library, adult):
    with pytest.raises(InvalidCardNumberError):
        register(librarian, library, adult, barcode=" \u200b ")
    assert not Reader.objects.exists()


def test_future_birth_date_is_refused(librarian, library, adult):
    tomorrow = timezone.localdate() + timedelta(days=2)
    with pytest.raises(InvalidBirthDateError):
        register(librarian, library, adult, data=data(birth_date=tomorrow))
    assert not Reader.objects.exists()


def test_minor_needs_guardian_and_consent(librarian, library, adult):
    child_birth = timezone.localdate().replace(year=timezone.localdate().year - 10)
    with pytest.raises(GuardianRequiredError):
        register(librarian, library, adult, data=data(birth_date=child_birth))
    guardian = ReaderFactory(home_library=library)
    with pytest.raises(GuardianRequiredError):
        register(librarian, library, adult, data=data(birth_date=child_birth), guardian=guardian)
    assert Reader.objects.count() == 1
    child = register(
        librarian,
        library,
        adult,
        data=data(birth_date=child_birth),
        guardian=guardian,
        guardian_consent=True,
    )
    assert child.guardian == guardian
    assert child.guardian_consent_at is not None
    assert Consent.objects.filter(reader=child, kind=ConsentKind.GUARDIAN).exists()


def test_guardian_must_be_active_adult(librarian, library, adult):
    child_birth = timezone.localdate().replace(year=timezone.localdate().year - 10)
    minor_guardian = ReaderFactory(home_library=library, birth_date=child_birth)
    with pytest.raises(InvalidGuardianError):
        register(
            librarian,
            library,
            adult,
            data=data(birth_date=child_birth),
            guardian=minor_guardian,
            guardian_consent=True,
        )
    pending = ReaderFactory(home_library=library, status=ReaderStatus.PENDING)
    with pytest.raises(InvalidGuardianError):
        register(
            librarian,
            library,
            adult,
            data=data(birth_date=child_birth),
            guardian=pending,
            guardian_consent=True,
        )


def test_weak_pin_is_refused(librarian, library, adult):
    with pytest.raises(InvalidPinError):
        register(librarian, library, adult, pin="12")
    with pytest.raises(InvalidPinError):
        register(librarian, library, adult, pin="short")
    assert not Reader.objects.exists()


def test_preregistration_then_verification(librarian, library, adult):
    reader = services.preregister_reader(
        data=data(), library=library, pin="975310", privacy_policy_accepted=True
    )
    assert reader.status == ReaderStatus.PENDING
    assert not Card.objects.filter(reader=reader).exists()
    with pytest.raises(InvalidPinError):
        services.authenticate_reader(card_number="LNB0000009", pin="975310")
    card = services.verify_reader(
        reader=reader,
        actor=librarian,
        library=library,
        document_type="passport",
        card_barcode="LNB0000009",
    )
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ACTIVE
    assert card.state == CardState.ACTIVE
    assert services.authenticate_reader(card_number="lnb0000009", pin="975310") == reader
    with pytest.raises(ReaderStateError):
        services.verify_reader(
            reader=reader,
            actor=librarian,
            library=library,
            document_type="passport",
            card_barcode="LNB0000010",
        )


def test_preregistration_needs_privacy_policy(library, adult):
    with pytest.raises(ConsentError) as refused:
        services.preregister_reader(data=data(), library=library, pin="975310")
    assert refused.value.code == "consent"
    assert not Reader.objects.exists()


def test_preregistration_of_minor_uses_guardian_card(library, adult):
    guardian, _card = reader_with_card(home_library=library, barcode="GUARD001")
    child_birth = timezone.localdate().replace(year=timezone.localdate().year - 12)
    with pytest.raises(InvalidGuardianError):
        services.preregister_reader(
            data=data(birth_date=child_birth),
            library=library,
            pin="975310",
            privacy_policy_accepted=True,
            guardian_card="NOPE",
            guardian_consent=True,
        )
    child = services.preregister_reader(
        data=data(birth_date=child_birth),
        library=library,
        pin="975310",
        privacy_policy_accepted=True,
        guardian_card=" guard001 ",
        guardian_consent=True,
    )
    assert child.guardian == guardian


def test_replace_card_marks_old_and_keeps_one_active(librarian, library, adult):
    reader, old = reader_with_card(home_library=library, category=adult)
    new = services.replace_card(
        reader=reader, actor=librarian, library=library, barcode="NEW0001", lost=True
    )
    old.refresh_from_db()
    assert old.state == CardState.LOST
    assert old.replaced_by == new
    assert new.state == CardState.ACTIVE
    with pytest.raises(CardStateError):
        services.issue_card(reader=reader, actor=librarian, library=library, barcode="NEW0002")
    with pytest.raises(DuplicateCardError):
        services.replace_card(reader=reader, actor=librarian, library=library, barcode=old.barcode)
    assert Card.objects.filter(reader=reader, state=CardState.ACTIVE).count() == 1


def test_hand_out_card_issues_or_replaces(librarian, library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    first = services.hand_out_card(
        reader=reader, actor=librarian, library=library, barcode="NEW0001"
    )
    second = services.hand_out_card(
        reader=reader, actor=librarian, library=library, barcode="NEW0002", lost=True
    )
    first.refresh_from_db()
    assert (first.state, first.replaced_by) == (CardState.LOST, second)
    assert list(Card.objects.filter(reader=reader, state=CardState.ACTIVE)) == [second]
    assert list(
        AuditEntry.objects.filter(action__startswith="patrons.card.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["patrons.card.issued", "patrons.card.replaced"]


def test_renew_card_extends_by_category_validity(librarian, library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    card.valid_until = date(2020, 1, 1)
    card.save()
    reader.status = ReaderStatus.EXPIRED
    reader.save()
    services.renew_card(card=card, actor=librarian, library=library)
    card.refresh_from_db()
    reader.refresh_from_db()
    today = timezone.localdate()
    assert card.valid_until.year == today.year + 6
    assert reader.status == ReaderStatus.ACTIVE


def test_expire_cards_job_marks_expired_readers(library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    card.valid_until = date(2020, 1, 1)
    card.save()
    other, _card = reader_with_card(home_library=library, category=adult)
    assert services.expire_cards() == 1
    reader.refresh_from_db()
    other.refresh_from_db()
    assert (reader.status, other.status) == (ReaderStatus.EXPIRED, ReaderStatus.ACTIVE)


def test_update_reader_audits_field_names_only(librarian, library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    services.update_reader(reader=reader, actor=librarian, last_name="Žemaitė", email="Z@E.lt")
    reader.refresh_from_db()
    assert reader.name_key.startswith("zemaite")
    assert reader.email_key == "z@e.lt"
    entry = AuditEntry.objects.get(action="patrons.reader.updated")
    assert entry.detail == {"fields": ["email", "last_name"]}


def test_reader_may_change_only_contact_fields(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    services.update_reader(reader=reader, actor=reader, phone="+37061111111")
    with pytest.raises(ReaderStateError):
        services.update_reader(reader=reader, actor=reader, last_name="Kitas")
    other = ReaderFactory(home_library=library, category=adult)
    with pytest.raises(ReaderStateError):
        services.update_reader(reader=other, actor=reader, phone="+37062222222")


def test_change_pin_needs_current_pin(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    with pytest.raises(InvalidPinError):
        services.change_pin(reader=reader, current_pin="0000", new_pin="8642")
    services.change_pin(reader=reader, current_pin=TEST_PIN, new_pin="8642")
    reader.refresh_from_db()
    assert check_password("8642", reader.pin_hash)


def test_login_throttle_is_counted_in_the_database(library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    for _attempt in range(5):
        with pytest.raises(InvalidPinError):
            services.authenticate_reader(
                card_number=card.barcode, pin="0000", ip_address="10.0.0.1"
            )
    with pytest.raises(LoginThrottledError):
        services.authenticate_reader(card_number=card.barcode, pin=TEST_PIN)
    # Another written form of the same card number is the same key.
    with pytest.raises(LoginThrottledError):
        services.authenticate_reader(card_number=f" {card.barcode.lower()} ", pin=TEST_PIN)
    assert services.prune_login_failures(now=timezone.now() + timedelta(hours=1)) == 5
    assert services.authenticate_reader(card_number=card.barcode, pin=TEST_PIN) == reader


def test_login_failures_store_no_client_address_and_throttle_by_it(library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    for attempt in range(20):  # the per-address limit: four times the per-card limit of 5
        with pytest.raises(InvalidPinError):
            services.authenticate_reader(
                card_number=f"NX{attempt}", pin="0000", ip_address="203.0.113.7"
            )
    stored = list(ReaderLoginFailure.objects.values_list("key", "client_key"))
    assert len(stored) == 20
    assert len({client_key for _key, client_key in stored}) == 1
    assert not any("203.0.113" in value for row in stored for value in row)
    with pytest.raises(LoginThrottledError):
        services.authenticate_reader(
            card_number=card.barcode, pin=TEST_PIN, ip_address="203.0.113.7"
        )
    assert (
        services.authenticate_reader(
            card_number=card.barcode, pin=TEST_PIN, ip_address="203.0.113.8"
        )
        == reader
    )


def test_lost_card_cannot_log_in(library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    services.mark_card_lost(card=card, actor=reader)
    with pytest.raises(InvalidPinError):
        services.authenticate_reader(card_number=card.barcode, pin=TEST_PIN)


def test_card_of_another_reader_cannot_be_reported_lost_by_reader(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    card = CardFactory(reader__home_library=library, reader__category=adult)
    with pytest.raises(CardStateError):
        services.mark_card_lost(card=card, actor=reader)
