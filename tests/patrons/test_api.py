"""Readers API: object-level permissions (a reader sees only themself; staff by role)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from skaitykla.core.models import AuditEntry
from tests.factories import StaffUserFactory
from tests.patrons.factories import TEST_PIN, ReaderFactory, reader_with_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(librarian):
    client = APIClient()
    client.force_authenticate(librarian)
    return client


def reader_client(card):
    client = APIClient()
    client.post("/reader/login/", {"card_number": card.barcode, "pin": TEST_PIN})
    return client


def test_staff_search_and_detail_audited(api, library, adult):
    reader = ReaderFactory(home_library=library, category=adult, last_name="Žemaitė")
    response = api.get("/api/v1/readers/", {"q": "zem"})
    assert [r["id"] for r in response.json()] == [reader.pk]
    response = api.get(f"/api/v1/readers/{reader.pk}/")
    assert response.status_code == 200
    assert response.json()["last_name"] == "Žemaitė"
    assert AuditEntry.objects.filter(
        action="patrons.reader.viewed", object_id=str(reader.pk)
    ).exists()


def test_reader_sees_only_themself(library, adult):
    reader, card = reader_with_card(home_library=library, category=adult)
    other, _other_card = reader_with_card(home_library=library, category=adult)
    client = reader_client(card)
    assert client.get("/api/v1/readers/me/").json()["id"] == reader.pk
    assert client.get(f"/api/v1/readers/{reader.pk}/").status_code == 200
    assert client.get(f"/api/v1/readers/{reader.pk}/cards/").json()[0]["barcode"] == card.barcode
    for path in ("", "cards/", "blocks/", "visits/", "room-permissions/"):
        response = client.get(f"/api/v1/readers/{other.pk}/{path}")
        assert response.status_code == 404, path
        assert other.first_name not in response.content.decode()
    assert client.get("/api/v1/readers/999999/").status_code == 404
    assert client.get("/api/v1/readers/", {"q": "a"}).status_code == 403
    assert client.post(f"/api/v1/readers/{reader.pk}/blocks/", {"reason": "x"}).status_code == 403


def test_anonymous_gets_nothing(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    client = APIClient()
    assert client.get(f"/api/v1/readers/{reader.pk}/").status_code in (401, 403)
    assert client.get("/api/v1/readers/me/").status_code in (401, 403)


def test_staff_without_role_is_refused(library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    client = APIClient()
    client.force_authenticate(StaffUserFactory(username="norole2"))
    assert client.get(f"/api/v1/readers/{reader.pk}/").status_code == 403


def test_staff_blocks_and_scans_entry(api, library, adult, rare_room, librarian):
    reader, card = reader_with_card(home_library=library, category=adult)
    response = api.post(
        f"/api/v1/readers/{reader.pk}/blocks/",
        {"reason": "Skola", "blocks_loans": True, "blocks_room_entry": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert api.get(f"/api/v1/readers/{reader.pk}/blocks/").json()[0]["reason"] == "Skola"
    response = api.post("/api/v1/visits/", {"room_id": rare_room.pk, "card": card.barcode})
    assert response.status_code == 201
    assert response.json()["denial_code"] == "blocked"
    assert api.post("/api/v1/visits/", {"room_id": rare_room.pk, "card": "NOPE"}).status_code == 404
    # Room permissions are decided by heads of department, not the desk.
    response = api.post(
        f"/api/v1/readers/{reader.pk}/room-permissions/",
        {"room_id": rare_room.pk, "allowed": True},
    )
    assert response.status_code == 403


def test_domain_refusal_is_409(api, library, adult):
    reader = ReaderFactory(home_library=library, category=adult)
    response = api.post(
        f"/api/v1/readers/{reader.pk}/blocks/",
        {
            "reason": "x",
            "blocks_loans": False,
            "blocks_holds": False,
            "blocks_renewals": False,
            "blocks_room_entry": False,
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "block"
