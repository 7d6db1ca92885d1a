"""GET /api/v1/libraries/<code>/calendar/: the day-by-day calendar for staff."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from skaitykla.core import api
from tests.factories import (
    CalendarExceptionFactory,
    LibraryFactory,
    OpeningHoursFactory,
    ReadingRoomFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    library = LibraryFactory(code="LT-CAL")
    for weekday in range(5):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(10), closes=time(20))
    OpeningHoursFactory(library=library, weekday=5, opens=time(10), closes=time(18))
    return library


@pytest.fixture
def staff_client(client):
    client.force_login(StaffUserFactory())
    return client


def in_language(client, language):
    """The page language is the visitor's cookie (never the browser's Accept-Language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def url(code: str = "LT-CAL") -> str:
    return reverse("v1:library-calendar", kwargs={"code": code})


def test_calendar_lists_days_with_hours_holidays_and_eves(staff_client, library):
    CalendarExceptionFactory(library=library, date="2026-12-29", kind="closed", reason="Inventory")
    response = in_language(staff_client, "en").get(url(), {"start": "2026-12-22", "days": 8})
    assert response.status_code == 200
    body = response.json()
    assert (body["library"], body["reading_room"], body["timezone"], body["start"]) == (
        "LT-CAL",
        None,
        "Europe/Vilnius",
        "2026-12-22",
    )
    days = body["days"]
    assert [d["date"] for d in days] == [
        "2026-12-22",
        "2026-12-23",
        "2026-12-24",
        "2026-12-25",
        "2026-12-26",
        "2026-12-27",
        "2026-12-28",
        "2026-12-29",
    ]
    assert days[0] == {
        "date": "2026-12-22",
        "is_closed": False,
        "intervals": [{"opens": "10:00", "closes": "20:00"}],
        "reason": "",
        "is_holiday": False,
        "is_eve_shortened": False,
    }
    assert days[1] == {
        "date": "2026-12-23",
        "is_closed": False,
        "intervals": [{"opens": "10:00", "closes": "19:00"}],
        "reason": "Shorter hours: eve of Christmas Eve",
        "is_holiday": False,
        "is_eve_shortened": True,
    }
    assert days[2] == {
        "date": "2026-12-24",
        "is_closed": True,
        "intervals": [],
        "reason": "Christmas Eve",
        "is_holiday": True,
        "is_eve_shortened": False,
    }
    assert [d["is_closed"] for d in days] == [False, False, True, True, True, True, False, True]
    assert days[7]["reason"] == "Inventory"


def test_holiday_names_in_lithuanian(staff_client, library):
    response = in_language(staff_client, "lt").get(url(), {"start": "2026-12-24", "days": 1})
    assert response.json()["days"][0]["reason"] == "Kūčių diena"


def test_reading_room_calendar(staff_client, library):
    room = ReadingRoomFactory(library=library, code="RETU")
    OpeningHoursFactory(
        library=library, reading_room=room, weekday=0, opens=time(10), closes=time(13)
    )
    OpeningHoursFactory(
        library=library, reading_room=room, weekday=0, opens=time(14), closes=time(17)
    )
    response = staff_client.get(url(), {"start": "2026-01-12", "days": 2, "room": "RETU"})
    assert response.status_code == 200
    body = response.json()
    assert body["reading_room"] == "RETU"
    assert body["days"][0]["intervals"] == [
        {"opens": "10:00", "closes": "13:00"},
        {"opens": "14:00", "closes": "17:00"},
    ]
    assert body["days"][1]["is_closed"] is True


def test_defaults_to_seven_days_from_today_in_the_library_zone(staff_client, library, monkeypatch):
    # 23:30 UTC on 22 December is already 23 December in Vilnius.
    frozen = SimpleNamespace(now=lambda: datetime(2026, 12, 22, 23, 30, tzinfo=UTC))
    monkeypatch.setattr(api, "timezone", frozen)
    body = staff_client.get(url()).json()
    assert body["start"] == "2026-12-23"
    assert len(body["days"]) == 7


def test_sixty_two_days_is_the_most(staff_client, library):
    response = staff_client.get(url(), {"start": "2026-01-01", "days": 62})
    assert response.status_code == 200
    assert response.json()["days"][-1]["date"] == "2026-03-03"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "22.12.2026"}, "start"),
        ({"start": "2026-12-22T10:00"}, "start"),
        ({"days": "abc"}, "days"),
        ({"days": "0"}, "days"),
        ({"days": "-3"}, "days"),
        ({"days": "63"}, "days"),
        ({"start": "9999-12-30", "days": "7"}, "start"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(staff_client, library, params, field):
    response = staff_client.get(url(), params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field][0]


def test_unknown_library_or_room_is_a_404(staff_client, library):
    assert staff_client.get(url("LT-NONE")).status_code == 404
    assert staff_client.get(url(), {"room": "NONE"}).status_code == 404
    other_room = ReadingRoomFactory(code="ELSEWHERE")
    assert staff_client.get(url(), {"room": other_room.code}).status_code == 404


def test_inactive_library_is_a_404(staff_client):
    LibraryFactory(code="LT-OLD", is_active=False)
    assert staff_client.get(url("LT-OLD")).status_code == 404


def test_calendar_error_is_a_409_with_its_code(staff_client):
    LibraryFactory(code="LT-XX", country="XX")
    response = staff_client.get(url("LT-XX"), {"start": "2026-01-01"})
    assert response.status_code == 409
    assert response.json()["code"] == "calendar_unknown_country"


def test_staff_only(client, library):
    assert client.get(url()).status_code in (401, 403)
    client.force_login(StaffUserFactory(is_staff=False))
    assert client.get(url()).status_code == 403


def test_schema_documents_the_endpoint(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/libraries/{code}/calendar/"]["get"]
    names = {(p["in"], p["name"]) for p in operation["parameters"]}
    assert names == {("path", "code"), ("query", "start"), ("query", "days"), ("query", "room")}
    days = next(p for p in operation["parameters"] if p["name"] == "days")
    assert (days["schema"]["minimum"], days["schema"]["maximum"]) == (1, 62)
