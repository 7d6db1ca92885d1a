"""The events API: public reads, staff writes, registration with domain errors as 409."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from skaitykla.accounts.roles import EVENTS_COORDINATOR, ensure_roles
from skaitykla.events.models import Event, Registration
from tests.events.factories import RoomFactory, event_with_session, future_day, local, open_library
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return open_library(code="LT-API")


@pytest.fixture
def coordinator(client, library):
    ensure_roles()
    user = StaffUserFactory(username="koord", home_library=library, roles=[EVENTS_COORDINATOR])
    client.force_login(user)
    return user


def test_public_list_and_detail_hide_drafts(client, library):
    event, (session,) = event_with_session(library=library, capacity=3)
    draft, _ = event_with_session(library=library, status="draft", title="Juodraštis")
    body = client.get("/api/v1/events/").json()
    assert [e["id"] for e in body["results"]] == [event.pk]
    detail = client.get(f"/api/v1/events/{event.pk}/").json()
    assert detail["sessions"][0]["free_seats"] == 3
    assert detail["sessions"][0]["id"] == session.pk
    assert client.get(f"/api/v1/events/{draft.pk}/").status_code == 404
    assert client.get("/api/v1/events/abc/").status_code == 404


def test_anonymous_cannot_create_or_list_registrations(client, library):
    event, _ = event_with_session(library=library)
    assert client.post("/api/v1/events/", {}, content_type="application/json").status_code in (
        401,
        403,
    )
    assert client.get(f"/api/v1/events/{event.pk}/registrations/").status_code in (401, 403)


def test_register_by_api_and_domain_errors_are_409(client, library):
    event, (session,) = event_with_session(library=library, capacity=1)
    url = f"/api/v1/events/{event.pk}/registrations/"
    data = {"session": session.pk, "name": "Ona", "email": "ona@example.lt"}
    response = client.post(url, data, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    response = client.post(url, data, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "registration_duplicate"
    response = client.post(url, {**data, "email": "ne-el-pastas"}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "registrant_invalid")
    response = client.post(
        url,
        {**data, "email": "kitas@example.lt", "head_count": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = client.post(
        url, {**data, "email": "kitas@example.lt"}, content_type="application/json"
    )
    assert response.json()["status"] == "waiting"
    assert Registration.objects.count() == 2


def test_coordinator_creates_event_adds_session_lists_cancels_and_checks_in(
    client, library, coordinator
):
    response = client.post(
        "/api/v1/events/",
        {"title": "API mokymai", "audience": "students", "capacity": 0},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "capacity_invalid")
    response = client.post(
        "/api/v1/events/",
        {"title": "API mokymai", "audience": "students", "capacity": 10, "publish": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    event = Event.objects.get(title="API mokymai")
    room = RoomFactory(library=library, code="K1", seats=10)
    start = timezone.now() - timedelta(minutes=5)
    response = client.post(
        f"/api/v1/events/{event.pk}/sessions/",
        {
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(hours=1)).isoformat(),
            "room": "K1",
        },
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "session_times_invalid")
    begin = local(future_day(), 10)
    response = client.post(
        f"/api/v1/events/{event.pk}/sessions/",
        {
            "starts_at": begin.isoformat(),
            "ends_at": (begin + timedelta(hours=1)).isoformat(),
            "room": room.code,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    session_id = response.json()["id"]
    response = client.post(
        f"/api/v1/events/{event.pk}/registrations/",
        {
            "session": session_id,
            "name": "Klasė",
            "email": "mokykla@example.lt",
            "head_count": 8,
            "organisation": "Mokykla",
        },
        content_type="application/json",
    )
    registration_id = response.json()["id"]
    listed = client.get(f"/api/v1/events/{event.pk}/registrations/").json()
    assert [r["head_count"] for r in listed["results"]] == [8]
    response = client.post(
        f"/api/v1/event-sessions/{session_id}/check-in/",
        {"registration": registration_id},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["head_count"] == 8
    response = client.post(f"/api/v1/event-registrations/{registration_id}/cancel/")
    assert response.json()["status"] == "cancelled"
    response = client.post(f"/api/v1/event-registrations/{registration_id}/cancel/")
    assert (response.status_code, response.json()["code"]) == (409, "registration_state")
