"""Editable categories and policy; no PINs or card numbers in the logs (quality.md P1)."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from skaitykla.accounts.roles import HEAD_OF_DEPARTMENT
from skaitykla.core.models import AuditEntry
from skaitykla.patrons import selectors, services
from skaitykla.patrons.errors import ReaderStateError
from skaitykla.patrons.models import ReaderCategory
from tests.factories import StaffUserFactory
from tests.patrons.factories import reader_with_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(library):
    return StaffUserFactory(username="head", home_library=library, roles=[HEAD_OF_DEPARTMENT])


def test_one_default_category(head, adult):
    student = services.save_category(
        actor=head, code="student2", name="Studentas", is_default=True, card_validity_years=4
    )
    adult.refresh_from_db()
    assert not adult.is_default
    assert selectors.default_category() == student
    assert AuditEntry.objects.filter(action="patrons.category.saved").count() == 1
    with pytest.raises(ReaderStateError):
        services.save_category(actor=head, category=student, pin_hash="x")


def test_policy_update_and_share_guard(head):
    services.update_policy(actor=head, preregistration_valid_days=7)
    assert selectors.get_policy().preregistration_valid_days == 7
    with pytest.raises(ReaderStateError):
        services.update_policy(actor=head, retention_max_share=2)


def test_settings_pages(client, head, librarian, adult):
    client.force_login(librarian)
    assert client.get(reverse("patrons:staff_settings")).status_code == 200
    assert client.post(reverse("patrons:staff_settings"), {}).status_code == 403
    assert client.get(reverse("patrons:staff_category", args=[adult.pk])).status_code == 403
    client.force_login(head)
    response = client.post(
        reverse("patrons:staff_category_new"),
        {"code": "honorary2", "name": "Garbės skaitytojas", "loan_limit": 40},
    )
    assert response.status_code == 302
    assert ReaderCategory.objects.get(code="honorary2").loan_limit == 40


def test_category_page_moves_the_online_default(client, head, adult):
    client.force_login(head)
    response = client.post(
        reverse("patrons:staff_category_new"),
        {
            "code": "student2",
            "name": "Studentas",
            "loan_limit": 15,
            "is_default": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    adult.refresh_from_db()
    assert not adult.is_default
    assert selectors.default_category() == ReaderCategory.objects.get(code="student2")


def test_no_pin_or_card_number_in_logs(client, library, adult, caplog):
    canary_card = "CANARY0001"
    _reader, _card = reader_with_card(home_library=library, category=adult, barcode=canary_card)
    caplog.set_level(logging.DEBUG)
    client.post(reverse("patrons:reader_login"), {"card_number": canary_card, "pin": "97531"})
    client.post(reverse("patrons:reader_login"), {"card_number": canary_card, "pin": "2468"})
    client.post(
        reverse("patrons:change_pin"),
        {"current_pin": "2468", "new_pin": "86420", "new_pin_again": "86420"},
    )
    text = caplog.text
    for secret in (canary_card, "97531", "2468", "86420"):
        assert secret not in text
    details = " ".join(str(e.detail) for e in AuditEntry.objects.all())
    assert canary_card not in details
