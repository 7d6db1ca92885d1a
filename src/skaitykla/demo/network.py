"""The demo library network: the national library in Vilnius and two member libraries.

Facts about the national library (its seven reading rooms, the registration and information desk
on the 2nd floor, 2 readers per session in the Rare Books and Manuscripts reading room, hours and
holiday rules) follow the library's public pages; seat counts of the other rooms, phone numbers of
the member libraries and their hours are made-up demo values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

NATIONAL_LIBRARY_CODE = "LT-C1"


@dataclass(frozen=True)
class Room:
    code: str
    name: str
    name_en: str
    seats: int
    seats_per_session: int | None = None
    entry_requires_permission: bool = False


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    name_en: str
    short_name: str
    address: str
    phone: str
    email: str
    website: str
    weekday_hours: tuple[time, time]
    weekend_hours: tuple[time, time] | None


NATIONAL_LIBRARY = Member(
    code=NATIONAL_LIBRARY_CODE,
    name="Lietuvos nacionalinė Martyno Mažvydo biblioteka",
    name_en="Martynas Mažvydas National Library of Lithuania",
    short_name="LNB",
    address="Gedimino pr. 51, LT-01504 Vilnius",
    phone="+370 5 249 7028",
    email="info@lnb.example",
    website="https://www.lnb.lt/",
    weekday_hours=(time(8, 0), time(21, 0)),
    weekend_hours=(time(10, 0), time(18, 0)),
)
SUMMER_WEEKDAY_HOURS = (time(10, 0), time(21, 0))

READING_ROOMS: tuple[Room, ...] = (
    Room("MEDIA", "Medijų skaitykla", "Media Reading Room", 40),
    Room("LITUANICA", "Lituanistikos skaitykla", "Lithuanian Studies Reading Room", 60),
    Room("SOCIAL", "Socialinių mokslų skaitykla", "Social Sciences Reading Room", 60),
    Room("HUMANITIES", "Humanitarinių mokslų skaitykla", "Humanities Reading Room", 60),
    Room(
        "MUSIC_ART",
        "Muzikos ir vaizduojamųjų menų skaitykla",
        "Music and Visual Arts Reading Room",
        30,
    ),
    Room(
        "CHILDREN",
        "Vaikų ir jaunimo literatūros skaitykla",
        "Children's and Youth Literature Reading Room",
        35,
    ),
    Room(
        "RARE",
        "Retų knygų ir rankraščių skaitykla",
        "Rare Books and Manuscripts Reading Room",
        8,
        seats_per_session=2,
        entry_requires_permission=True,
    ),
)
RARE_ROOM_HOURS = (time(9, 0), time(17, 0))

MEMBER_LIBRARIES: tuple[Member, ...] = (
    Member(
        code="LT-AMB",
        name="Vilniaus apskrities Adomo Mickevičiaus viešoji biblioteka",
        name_en="Adam Mickiewicz Public Library of Vilnius County",
        short_name="AMB",
        address="Trakų g. 10, LT-01132 Vilnius",
        phone="+370 5 200 0000",
        email="info@amb.example",
        website="",
        weekday_hours=(time(10, 0), time(19, 0)),
        weekend_hours=(time(10, 0), time(16, 0)),
    ),
    Member(
        code="LT-KAVB",
        name="Kauno apskrities viešoji biblioteka",
        name_en="Kaunas County Public Library",
        short_name="KAVB",
        address="Radastų g. 2, LT-44231 Kaunas",
        phone="+370 37 000 000",
        email="info@kaunas.example",
        website="",
        weekday_hours=(time(9, 0), time(20, 0)),
        weekend_hours=None,
    ),
)

# A deterministic closure so the demo shows an exception: an inventory day.
INVENTORY_DAY = date(2026, 12, 30)
