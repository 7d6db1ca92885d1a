import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from skaitykla.accounts.models import User
from skaitykla.core.models import (
    CalendarException,
    Library,
    OpeningHours,
    ReadingRoom,
    ServicePoint,
)
from skaitykla.demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, object]:
    return {
        "libraries": list(
            Library.objects.order_by("code").values_list("code", "name", "parent_id")
        ),
        "rooms": list(
            ReadingRoom.objects.order_by("library__code", "code").values_list(
                "code", "name_en", "seats", "seats_per_session", "entry_requires_permission"
            )
        ),
        "hours": sorted(
            OpeningHours.objects.values_list(
                "library__code", "reading_room__code", "weekday", "opens", "closes", "valid_from"
            ),
            key=repr,
        ),
        "points": list(
            ServicePoint.objects.order_by("library__code", "code").values_list("code", "floor")
        ),
        "exceptions": list(CalendarException.objects.values_list("date", "kind")),
        "staff": list(
            User.objects.order_by("username").values_list("username", "home_library__code")
        ),
    }


def test_seed_demo_builds_the_national_library_and_is_the_same_every_run():
    call_command("seed_demo", stdout=StringIO())
    first = _snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == first

    national = Library.objects.get(code="LT-C1")
    rooms = list(national.reading_rooms.order_by("code").values_list("name_en", flat=True))
    assert rooms == [
        "Children's and Youth Literature Reading Room",
        "Humanities Reading Room",
        "Lithuanian Studies Reading Room",
        "Media Reading Room",
        "Music and Visual Arts Reading Room",
        "Rare Books and Manuscripts Reading Room",
        "Social Sciences Reading Room",
    ]
    rare = national.reading_rooms.get(code="RARE")
    assert (rare.seats_per_session, rare.entry_requires_permission) == (2, True)
    desk = national.service_points.get(code="REG")
    assert (desk.kind, desk.floor) == ("registration", "2")
    assert Library.objects.count() == 3
    # Mon–Fri 8–21, Sat–Sun 10–18 all year, plus July–August weekday hours for two years.
    assert (
        OpeningHours.objects.filter(library=national, reading_room=None, valid_from=None).count()
        == 7
    )


def test_every_demo_staff_login_works_and_has_its_role():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_info", "--json", stdout=out)
    info = json.loads(out.getvalue())
    roles = {login["role"] for login in info["staff"]}
    assert roles == {
        "administrator",
        "head_of_department",
        "desk_librarian",
        "stack_attendant",
        "reference_librarian",
        "events_coordinator",
        "analyst",
    }
    request = RequestFactory().post("/staff/login/")
    for login in info["staff"]:
        assert login["password"] == DEMO_PASSWORD
        user = authenticate(request, username=login["username"], password=login["password"])
        assert user is not None, login["username"]
        assert user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [login["role"]]


def test_demo_info_refuses_a_database_that_is_not_a_demo():
    with pytest.raises(CommandError, match="not seeded as a demo"):
        call_command("demo_info", "--json", stdout=StringIO())
