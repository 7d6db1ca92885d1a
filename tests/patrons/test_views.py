"""Staff desk pages and the reader's own pages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from skaitykla.accounts.roles import HEAD_OF_DEPARTMENT
from skaitykla.core.models import AuditEntry
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Card, Reader
from tests.factories import StaffUserFactory
from tests.patrons.factories import TEST_PIN, ReaderFactory, reader_with_card

pytestmark = pytest.mark.django_db

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.fixture
def desk(client, librarian):
    client.force_login(librarian)
    return client


def reader_login(client, card, pin=TEST_PIN):
    return client.post(reverse("patrons:reader_login"), {"card_number": card.barcode, "pin": pin})


# --- Staff ---------------------------------------------------------------------------------


def test_search_finds_accent_insensitive_and_audits_views(desk, library, adult, librarian):
    reader = ReaderFactory(
        home_library=library, category=adult, first_name="Julija", last_name="Žemaitė"
    )
    response = desk.get(reverse("patrons:staff_search"), {"q": "zemaite"})
    assert response.status_code == 200
    assert "Žemaitė" in response.content.decode()
    assert not AuditEntry.objects.filter(action="patrons.reader.viewed").exists()
    response = desk.get(reverse("patrons:staff_reader", args=[reader.pk]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="patrons.reader.viewed")
    assert (entry.actor_id, entry.object_id) == (str(librarian.pk), str(reader.pk))


def test_search_is_htmx_partial(desk, library, adult):
    ReaderFactory(home_library=library, category=adult, last_name="Žemaitė")
    response = desk.get(reverse("patrons:staff_search"), {"q": "žem"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert "Žemaitė" in response.content.decode()


def test_unknown_reader_is_404(desk):
    assert desk.get(reverse("patrons:staff_reader", args=[999999])).status_code == 404


def test_readers_are_not_staff(client, library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    reader_login(client, card)
    response = client.get(reverse("patrons:staff_reader", args=[reader.pk]))
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_staff_without_role_is_refused(client, library, adult):
    user = StaffUserFactory(username="norole")
    client.force_login(user)
    reader = ReaderFactory(home_library=library, category=adult)
    assert client.get(reverse("patrons:staff_reader", args=[reader.pk])).status_code == 403


def test_desk_registration_page(desk, library, adult):
    response = desk.post(
        reverse("patrons:staff_create"),
        {
            "first_name": XSS[0],
            "last_name": XSS[1],
            "birth_date": "1980-02-03",
            "email": "a@example.invalid",
            "phone": "+370 600 00000",
            "address": XSS[0],
            "preferred_language": "lt",
            "category": adult.pk,
            "document_type": "id_card",
            "card_barcode": "ＬＮＢ１",
            "pin": "1234",
            "loan_history": "after_days",
            "registration_channel": "network",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    reader = Reader.objects.get()
    assert reader.first_name == XSS[0]
    assert reader.registration_channel == "network"
    assert Card.objects.get().barcode == "LNB1"
    page = desk.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"><img src=x' not in page


def test_desk_duplicate_card_is_a_form_error(desk, library, adult):
    reader_with_card(home_library=library, category=adult, barcode="LNB1")
    response = desk.post(
        reverse("patrons:staff_create"),
        {
            "first_name": "A",
            "last_name": "B",
            "birth_date": "1980-02-03",
            "preferred_language": "lt",
            "category": adult.pk,
            "document_type": "id_card",
            "card_barcode": " lnb\u200b1 ",
            "loan_history": "after_days",
            "registration_channel": "desk",
        },
    )
    assert response.status_code == 200
    assert "Šis skaitytojo pažymėjimo numeris jau naudojamas." in response.content.decode()
    assert Reader.objects.count() == 1


def test_desk_registers_a_minor_with_the_guardians_card(desk, library, adult):
    guardian, card = reader_with_card(home_library=library, category=adult)
    child = {
        "first_name": "Vaikas",
        "last_name": "Mažasis",
        "birth_date": (timezone.localdate() - timedelta(days=365 * 10)).isoformat(),
        "preferred_language": "lt",
        "category": adult.pk,
        "document_type": "birth_certificate",
        "card_barcode": "LNB77",
        "guardian_consent": "on",
        "loan_history": "after_days",
        "registration_channel": "desk",
    }
    response = desk.post(reverse("patrons:staff_create"), {**child, "guardian_card": "NOPE"})
    assert response.status_code == 200
    assert "Nė vienas galiojantis skaitytojas neturi šio pažymėjimo numerio." in (
        response.content.decode()
    )
    response = desk.post(
        reverse("patrons:staff_create"), {**child, "guardian_card": f" {card.barcode.lower()} "}
    )
    assert response.status_code == 302
    assert Reader.objects.get(first_name="Vaikas").guardian == guardian


def test_verify_block_and_lift_from_detail(desk, library, adult):
    pending = ReaderFactory(home_library=library, category=adult, status=ReaderStatus.PENDING)
    response = desk.post(
        reverse("patrons:staff_verify", args=[pending.pk]),
        {"document_type": "passport", "card_barcode": "LNB55"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ReaderStatus.ACTIVE
    response = desk.post(
        reverse("patrons:staff_block", args=[pending.pk]),
        {"reason": "Negrąžinta", "blocks_loans": "on"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ReaderStatus.BLOCKED
    block = pending.blocks.get()
    desk.post(reverse("patrons:staff_block_lift", args=[pending.pk, block.pk]))
    pending.refresh_from_db()
    assert pending.status == ReaderStatus.ACTIVE


def test_room_entry_page(desk, library, adult, rare_room):
    _reader, card = reader_with_card(home_library=library, category=adult)
    response = desk.post(
        reverse("patrons:staff_room_entry"),
        {"room": rare_room.pk, "card": card.barcode, "direction": "in"},
    )
    assert "neturi leidimo" in response.content.decode()


def test_erasure_needs_head_role(client, desk, library, adult, librarian):
    reader = ReaderFactory(home_library=library, category=adult)
    assert desk.post(reverse("patrons:staff_erase", args=[reader.pk])).status_code == 403
    head = StaffUserFactory(username="head", home_library=library, roles=[HEAD_OF_DEPARTMENT])
    client.force_login(head)
    assert client.post(reverse("patrons:staff_erase", args=[reader.pk])).status_code == 302
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ANONYMISED
    assert client.get(reverse("patrons:staff_reader", args=[reader.pk])).status_code == 404


# --- Public pre-registration -----------------------------------------------------------------


def prereg(client, **overrides):
    values = {
        "first_name": "Ieva",
        "last_name": "Šimkutė",
        "birth_date": "1995-06-07",
        "email": "ieva@example.invalid",
        "phone": "+37060000001",
        "address": "Gedimino pr. 51, Vilnius",
        "preferred_language": "lt",
        "pin": "482916",
        "pin_again": "482916",
        "loan_history": "after_days",
        "privacy_policy": "on",
    }
    values.update(overrides)
    return client.post(reverse("patrons:preregister"), values)


def test_preregistration_creates_pending_reader(client, library, adult):
    response = prereg(client)
    assert response.status_code == 302
    reader = Reader.objects.get()
    assert (reader.status, reader.registration_channel) == ("pending", "online")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Įveskite tinkamą el. pašto adresą."),
        ({"phone": "abc"}, "Įveskite telefono numerį"),
        ({"birth_date": "2999-01-01"}, "Gimimo data negali būti ateityje."),
        ({"birth_date": "31-31-2000"}, "Įveskite tinkamą datą."),
        ({"pin_again": "000000"}, "PIN kodai nesutampa."),
        ({"privacy_policy": ""}, "privatumo politiką"),
    ],
)
def test_preregistration_bad_input_is_a_form_error_in_lithuanian(
    client, library, adult, overrides, message
):
    response = prereg(client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Reader.objects.exists()


def test_preregistration_of_minor_without_guardian_is_refused(client, library, adult):
    birth = timezone.localdate() - timedelta(days=365 * 10)
    response = prereg(client, birth_date=birth.isoformat())
    assert response.status_code == 200
    assert "globėjo" in response.content.decode()
    assert not Reader.objects.exists()


def test_preregistration_page_in_english(client, library, adult):
    client.cookies["django_language"] = "en"
    response = prereg(client, email="bad")
    assert "Enter a valid email address." in response.content.decode()


# --- The reader's account --------------------------------------------------------------------


def test_reader_login_account_and_logout(client, library, adult):
    _reader, card = reader_with_card(home_library=library, category=adult, last_name=XSS[1])
    assert client.get(reverse("portal:account")).status_code == 302
    response = reader_login(client, card)
    assert response.status_code == 302
    page = client.get(reverse("portal:account")).content.decode()
    assert card.barcode in page
    assert '"><img' not in page
    client.post(reverse("patrons:reader_logout"))
    assert client.get(reverse("portal:account")).status_code == 302


def test_wrong_pin_and_throttle(client, library, adult):
    _reader, card = reader_with_card(home_library=library, category=adult)
    for _n in range(5):
        response = reader_login(client, card, pin="0000")
        assert response.status_code == 200
    response = reader_login(client, card)
    assert response.status_code == 429


def test_login_throttle_counts_the_client_behind_a_trusted_proxy(client, library, adult, settings):
    settings.PROXY_COUNT = 1
    _reader, card = reader_with_card(home_library=library, category=adult)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    url = reverse("patrons:reader_login")
    for attempt in range(20):
        client.post(
            url,
            {"card_number": f"NX{attempt}", "pin": "0000"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            **proxy,
        )
    login = {"card_number": card.barcode, "pin": TEST_PIN}
    refused = client.post(url, login, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert refused.status_code == 429
    # Another client behind the same proxy is not locked out with it.
    other = client.post(url, login, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)
    assert other.status_code == 302


def test_reader_edits_contact_and_changes_pin(client, library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    reader_login(client, card)
    response = client.post(
        reverse("patrons:contact"),
        {
            "email": "naujas@example.invalid",
            "phone": "+37061234567",
            "address": XSS[0],
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.email == "naujas@example.invalid"
    response = client.post(
        reverse("patrons:change_pin"),
        {"current_pin": "9999", "new_pin": "7531", "new_pin_again": "7531"},
    )
    assert response.status_code == 200
    response = client.post(
        reverse("patrons:change_pin"),
        {"current_pin": TEST_PIN, "new_pin": "7531", "new_pin_again": "7531"},
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:account")).status_code == 200


def test_pin_change_ends_other_sessions(client, library, adult):
    from django.test import Client

    _reader, card = reader_with_card(home_library=library, category=adult)
    other = Client()
    reader_login(other, card)
    reader_login(client, card)
    client.post(
        reverse("patrons:change_pin"),
        {"current_pin": TEST_PIN, "new_pin": "7531", "new_pin_again": "7531"},
    )
    assert other.get(reverse("portal:account")).status_code == 302


def test_reader_downloads_own_data(client, library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    ReaderFactory(home_library=library, category=adult, first_name="Svetimas")
    reader_login(client, card)
    response = client.get(reverse("patrons:my_data_json"))
    data = json.loads(response.content)
    assert data["reader"]["id"] == reader.pk
    assert "Svetimas" not in response.content.decode()
    assert "pin_hash" not in response.content.decode()
    page = client.get(reverse("patrons:my_data"))
    assert card.barcode in page.content.decode()
    assert AuditEntry.objects.filter(action="patrons.reader.exported").count() == 2


def test_privacy_choices_and_erasure_request(client, library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    reader_login(client, card)
    response = client.post(
        reverse("patrons:privacy"),
        {"marketing_email": "on", "loan_history": "on_return", "loan_history_days": "30"},
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.loan_history == "on_return"
    assert reader.consents.filter(kind="marketing_email", withdrawn_at__isnull=True).exists()
    client.post(
        reverse("patrons:privacy"), {"loan_history": "on_return", "loan_history_days": "30"}
    )
    assert not reader.consents.filter(kind="marketing_email", withdrawn_at__isnull=True).exists()
    client.post(reverse("patrons:erasure"))
    reader.refresh_from_db()
    assert reader.erasure_requested_at is not None


def test_pending_reader_cannot_log_in(client, library, adult):
    _reader, card = reader_with_card(
        home_library=library, category=adult, status=ReaderStatus.PENDING
    )
    response = reader_login(client, card)
    assert response.status_code == 200
    assert client.get(reverse("portal:account")).status_code == 302
