"""Builds the deterministic demo network: the same rows on every run, updated in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth.models import Group
from django.db import transaction

from skaitykla.accounts import roles
from skaitykla.accounts.models import User
from skaitykla.core.choices import ExceptionKind, ServicePointKind
from skaitykla.core.models import (
    CalendarException,
    Library,
    OpeningHours,
    ReadingRoom,
    ServicePoint,
)
from skaitykla.demo import network
from skaitykla.demo.catalogue import available_barcodes, seed_catalogue
from skaitykla.demo.circulation import demo_circulation_info, seed_circulation
from skaitykla.demo.events import seed_events
from skaitykla.demo.models import DemoSeed
from skaitykla.demo.readers import demo_reader_info, seed_readers
from skaitykla.demo.reference import seed_reference
from skaitykla.demo.sip2 import demo_kiosk_info, seed_kiosk
from skaitykla.demo.stats import seed_stats

DEMO_VERSION = 1
DEMO_PASSWORD = "Skaitykla-demo-2026"  # noqa: S105 - published demo login


@dataclass(frozen=True)
class StaffLogin:
    username: str
    role: str
    library_code: str
    first_name: str
    last_name: str


STAFF: tuple[StaffLogin, ...] = (
    StaffLogin(
        "admin", roles.ADMINISTRATOR, network.NATIONAL_LIBRARY_CODE, "Aistė", "Administratorė"
    ),
    StaffLogin("vadove", roles.HEAD_OF_DEPARTMENT, network.NATIONAL_LIBRARY_CODE, "Rūta", "Vadovė"),
    StaffLogin(
        "aptarnavimas", roles.DESK_LIBRARIAN, network.NATIONAL_LIBRARY_CODE, "Jonas", "Jonaitis"
    ),
    StaffLogin(
        "saugykla", roles.STACK_ATTENDANT, network.NATIONAL_LIBRARY_CODE, "Tomas", "Tomaitis"
    ),
    StaffLogin(
        "informacija", roles.REFERENCE_LIBRARIAN, network.NATIONAL_LIBRARY_CODE, "Eglė", "Eglaitė"
    ),
    StaffLogin(
        "renginiai", roles.EVENTS_COORDINATOR, network.NATIONAL_LIBRARY_CODE, "Inga", "Ingaitė"
    ),
    StaffLogin("analitikas", roles.ANALYST, network.NATIONAL_LIBRARY_CODE, "Paulius", "Paulauskas"),
    StaffLogin("amb", roles.DESK_LIBRARIAN, "LT-AMB", "Marija", "Marijonaitė"),
    StaffLogin("kaunas", roles.DESK_LIBRARIAN, "LT-KAVB", "Darius", "Dariūnas"),
)


def _library(member: network.Member, parent: Library | None = None) -> Library:
    library, _created = Library.objects.update_or_create(
        code=member.code,
        defaults={
            "name": member.name,
            "name_en": member.name_en,
            "short_name": member.short_name,
            "parent": parent,
            "address": member.address,
            "phone": member.phone,
            "email": member.email,
            "website": member.website,
            "timezone": "Europe/Vilnius",
            "country": "LT",
            "closed_on_public_holidays": True,
            "eve_shortening_minutes": 60,
            "is_active": True,
        },
    )
    return library


def _weekly_hours(
    library: Library,
    weekday: tuple[time, time],
    weekend: tuple[time, time] | None,
    *,
    reading_room: ReadingRoom | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> None:
    for day in range(7):
        hours = weekday if day < 5 else weekend
        if hours is None:
            continue
        OpeningHours.objects.create(
            library=library,
            reading_room=reading_room,
            weekday=day,
            opens=hours[0],
            closes=hours[1],
            valid_from=valid_from,
            valid_until=valid_until,
        )


def _national_library() -> Library:
    member = network.NATIONAL_LIBRARY
    library = _library(member)
    OpeningHours.objects.filter(library=library).delete()
    _weekly_hours(library, member.weekday_hours, member.weekend_hours)
    for year in (2026, 2027):
        _weekly_hours(
            library,
            network.SUMMER_WEEKDAY_HOURS,
            member.weekend_hours,
            valid_from=date(year, 7, 1),
            valid_until=date(year, 8, 31),
        )
    ServicePoint.objects.update_or_create(
        library=library,
        code="REG",
        defaults={
            "name": "Registracijos ir informacijos postas",
            "name_en": "Registration and Information Desk",
            "kind": ServicePointKind.REGISTRATION,
            "floor": "2",
        },
    )
    ServicePoint.objects.update_or_create(
        library=library,
        code="STACKS",
        defaults={"name": "Saugyklos", "name_en": "Closed stacks", "kind": ServicePointKind.STACKS},
    )
    ServicePoint.objects.update_or_create(
        library=library,
        code="KIOSK-2",
        defaults={
            "name": "Savitarnos grąžinimo įrenginys",
            "name_en": "Self-service return machine",
            "kind": ServicePointKind.KIOSK,
            "floor": "2",
        },
    )
    for room in network.READING_ROOMS:
        reading_room, _created = ReadingRoom.objects.update_or_create(
            library=library,
            code=room.code,
            defaults={
                "name": room.name,
                "name_en": room.name_en,
                "seats": room.seats,
                "seats_per_session": room.seats_per_session,
                "entry_requires_permission": room.entry_requires_permission,
                "is_active": True,
            },
        )
        if room.code == "RARE":
            _weekly_hours(library, network.RARE_ROOM_HOURS, None, reading_room=reading_room)
    CalendarException.objects.update_or_create(
        library=library,
        reading_room=None,
        date=network.INVENTORY_DAY,
        defaults={"kind": ExceptionKind.CLOSED, "reason": "Inventorizacijos diena"},
    )
    return library


def _staff(libraries: dict[str, Library]) -> None:
    for login in STAFF:
        user, _created = User.objects.update_or_create(
            username=login.username,
            defaults={
                "first_name": login.first_name,
                "last_name": login.last_name,
                "is_staff": True,
                "is_active": True,
                "home_library": libraries[login.library_code],
                "email": f"{login.username}@skaitykla.example",
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.set([Group.objects.get(name=login.role)])


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Create or update the demo network; returns how many rows of each kind exist."""
    roles.ensure_roles()
    national = _national_library()
    libraries = {national.code: national}
    for member in network.MEMBER_LIBRARIES:
        library = _library(member)
        OpeningHours.objects.filter(library=library).delete()
        _weekly_hours(library, member.weekday_hours, member.weekend_hours)
        ServicePoint.objects.update_or_create(
            library=library,
            code="DESK",
            defaults={
                "name": "Aptarnavimo skyrius",
                "name_en": "Loan desk",
                "kind": ServicePointKind.LOAN,
            },
        )
        libraries[library.code] = library
    _staff(libraries)
    readers = seed_readers(library=national, libraries=list(libraries.values()))
    catalogue = seed_catalogue()
    events = seed_events(library=national)
    seed_reference(library=national)
    circulation = seed_circulation(library=national)
    seed_kiosk(library=national)
    seed_stats()
    DemoSeed.objects.update_or_create(version=DEMO_VERSION)
    return {
        "records": catalogue["records"],
        "items": catalogue["items"],
        "libraries": Library.objects.count(),
        "reading_rooms": ReadingRoom.objects.count(),
        "staff": User.objects.filter(username__in=[s.username for s in STAFF]).count(),
        "readers": readers["readers"],
        "events": events["events"],
        "loans": circulation["loans"],
        "stack_orders": circulation["orders"],
    }


def is_demo_database() -> bool:
    return DemoSeed.objects.exists()


def demo_info() -> dict[str, object]:
    """What a newcomer needs to try the demo; later apps add readers, items and kiosks."""
    return {
        "web": {
            "portal": "http://127.0.0.1:8000/",
            "staff": "http://127.0.0.1:8000/staff/login/",
            "api_docs": "http://127.0.0.1:8000/api/docs/",
        },
        "staff": [
            {
                "username": login.username,
                "password": DEMO_PASSWORD,
                "role": login.role,
                "library": login.library_code,
            }
            for login in STAFF
        ],
        "libraries": list(Library.objects.order_by("code").values_list("code", flat=True)),
        "readers": demo_reader_info(),
        "items": available_barcodes(),
        "circulation": demo_circulation_info(),
        "sip2": demo_kiosk_info(),
    }
