"""Demo readers (a few hundred, deterministic) and readers at scale (bulk inserts).

Names are Lithuanian with diacritics; categories, minors with guardians, one blocked reader, one
expired card, a few pending online pre-registrations and rare-books room permissions. A handful
of readers have published PINs (``DEMO_READER_LOGINS``) for trying the reader account.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from skaitykla.core.models import Library, ReadingRoom
from skaitykla.patrons.choices import (
    CardState,
    ConsentKind,
    ReaderStatus,
    RegistrationChannel,
)
from skaitykla.patrons.defaults import ensure_default_categories
from skaitykla.patrons.models import (
    Block,
    Card,
    Consent,
    Reader,
    ReaderCategory,
    RoomPermission,
)
from skaitykla.patrons.normalisation import fold, search_keys
from skaitykla.patrons.services import add_years

DEMO_READER_COUNT = 300
CARD_PREFIX = "LNB"
SCALE_CARD_PREFIX = "SC"

MALE_FIRST = (
    "Jonas", "Petras", "Antanas", "Tomas", "Mantas", "Lukas", "Matas", "Dovydas", "Kęstutis",
    "Vytautas", "Rimantas", "Saulius", "Žydrūnas", "Gintaras", "Arūnas", "Algirdas", "Šarūnas",
    "Mindaugas", "Darius", "Paulius", "Ąžuolas", "Jurgis", "Liudas", "Gediminas",
)  # fmt: skip
FEMALE_FIRST = (
    "Ona", "Rūta", "Eglė", "Aistė", "Gabija", "Austėja", "Ugnė", "Kotryna", "Emilija",
    "Gintarė", "Dalia", "Rasa", "Jūratė", "Živilė", "Laima", "Inga", "Vaida", "Aušra",
    "Skaistė", "Milda", "Julija", "Goda", "Brigita", "Rūtenė",
)  # fmt: skip
#: (male form, married female form, unmarried female form)
SURNAMES = (
    ("Kazlauskas", "Kazlauskienė", "Kazlauskaitė"),
    ("Jankauskas", "Jankauskienė", "Jankauskaitė"),
    ("Petrauskas", "Petrauskienė", "Petrauskaitė"),
    ("Stankevičius", "Stankevičienė", "Stankevičiūtė"),
    ("Vasiliauskas", "Vasiliauskienė", "Vasiliauskaitė"),
    ("Žukauskas", "Žukauskienė", "Žukauskaitė"),
    ("Butkus", "Butkienė", "Butkutė"),
    ("Paulauskas", "Paulauskienė", "Paulauskaitė"),
    ("Urbonas", "Urbonienė", "Urbonaitė"),
    ("Kavaliauskas", "Kavaliauskienė", "Kavaliauskaitė"),
    ("Balčiūnas", "Balčiūnienė", "Balčiūnaitė"),
    ("Šimkus", "Šimkienė", "Šimkutė"),
    ("Sakalauskas", "Sakalauskienė", "Sakalauskaitė"),
    ("Navickas", "Navickienė", "Navickaitė"),
    ("Ramanauskas", "Ramanauskienė", "Ramanauskaitė"),
    ("Žemaitis", "Žemaitienė", "Žemaitė"),
    ("Čepulis", "Čepulienė", "Čepulytė"),
    ("Grigas", "Grigienė", "Grigaitė"),
    ("Šukys", "Šukienė", "Šukytė"),
    ("Mikalauskas", "Mikalauskienė", "Mikalauskaitė"),
    ("Jasiūnas", "Jasiūnienė", "Jasiūnaitė"),
    ("Valančius", "Valančienė", "Valančiūtė"),
    ("Dambrauskas", "Dambrauskienė", "Dambrauskaitė"),
    ("Bražėnas", "Bražėnienė", "Bražėnaitė"),
)
#: Stems and endings that make thousands of further surnames for the scale data.
_STEMS = (
    "Adom", "Bark", "Cibul", "Dagil", "Eidukon", "Gaid", "Jurkon", "Kairi", "Lukš", "Masiul",
    "Nork", "Oželi", "Pilkausk", "Rad", "Sabal", "Taraš", "Ulevič", "Vaitkev", "Zabiel", "Žilin",
    "Andriušk", "Bagdon", "Čern", "Daukš", "Gudelev", "Jokubausk", "Kriščiūn", "Lapin",
    "Mačiul", "Naujok", "Pakalni", "Rimkev", "Stulgin", "Tamoš", "Ūsel", "Varnel", "Zakar",
    "Žvirbl", "Aleks", "Bložė",
)  # fmt: skip
_ENDINGS = (("as", "ienė", "aitė"), ("is", "ienė", "ytė"), ("us", "ienė", "utė"),
            ("ūnas", "ūnienė", "ūnaitė"), ("evičius", "evičienė", "evičiūtė"),
            ("auskas", "auskienė", "auskaitė"))  # fmt: skip
STREETS = (
    "Gedimino pr.",
    "Vilniaus g.",
    "Laisvės al.",
    "Tilžės g.",
    "Savanorių pr.",
    "Ąžuolyno g.",
)
CITIES = ("Vilnius", "Kaunas", "Klaipėda", "Šiauliai", "Panevėžys", "Alytus", "Utena")


@dataclass(frozen=True)
class DemoReaderLogin:
    card: str
    pin: str
    note: str


#: Readers whose PINs are published by ``demo_info`` (card number, PIN, what they show).
DEMO_READER_LOGINS: tuple[DemoReaderLogin, ...] = (
    DemoReaderLogin("LNB0000001", "2580", "adult, rare-books room permission"),
    DemoReaderLogin("LNB0000002", "1470", "student"),
    DemoReaderLogin("LNB0000003", "3690", "researcher, guardian of a child"),
    DemoReaderLogin("LNB0000004", "7410", "blocked (loans and room entry)"),
    DemoReaderLogin("LNB0000005", "8520", "card expired"),
)
_CATEGORY_CYCLE = ("adult", "adult", "student", "adult", "senior", "researcher", "adult", "staff")


def _barcode(index: int, prefix: str = CARD_PREFIX) -> str:
    return f"{prefix}{index:07d}"


def _person(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        return rng.choice(MALE_FIRST), rng.choice(SURNAMES)[0]
    surname = rng.choice(SURNAMES)
    return rng.choice(FEMALE_FIRST), surname[1 if rng.random() < 0.6 else 2]


def seed_readers(*, library: Library, libraries: list[Library]) -> dict[str, int]:
    """Create or update the demo readers (the same rows on every run)."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data
    ensure_default_categories()
    categories = {c.code: c for c in ReaderCategory.objects.all()}
    today = timezone.localdate()
    pins = {login.card: make_password(login.pin) for login in DEMO_READER_LOGINS}
    rare = ReadingRoom.objects.filter(library=library, code="RARE").first()
    adults: list[Reader] = []
    for index in range(1, DEMO_READER_COUNT + 1):
        barcode = _barcode(index)
        first, last = _person(rng)
        is_minor = index % 25 == 0
        if is_minor:
            born = add_years(today, -rng.randint(7, 15)) - timedelta(days=rng.randint(1, 300))
            category_code = "child"
        else:
            born = date(rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28))
            category_code = _CATEGORY_CYCLE[index % len(_CATEGORY_CYCLE)]
        if index == 2:
            category_code = "student"
        if index == 3:
            category_code = "researcher"
        home = library if index % 5 else libraries[index % len(libraries)]
        guardian = None
        if is_minor and adults:
            guardian = adults[3 - 1] if index == 25 else adults[rng.randrange(len(adults))]
        email = f"{fold(first)}.{fold(last)}.{index}@skaitytojai.example".replace(" ", "")
        fields = {
            "first_name": first,
            "last_name": last,
            "birth_date": born,
            "email": email,
            "phone": f"+3706{index:07d}",
            "address": f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {rng.choice(CITIES)}",
            "category": categories[category_code],
            "home_library": home,
            "status": ReaderStatus.ACTIVE,
            "registration_channel": RegistrationChannel.DESK
            if index % 7
            else RegistrationChannel.ONLINE,
            "guardian": guardian,
            "guardian_consent_at": timezone.now() if guardian else None,
            "pin_hash": pins.get(barcode, ""),
            **search_keys(first, last, email),
        }
        card = Card.objects.filter(barcode=barcode).select_related("reader").first()
        if card is None:
            reader = Reader.objects.create(**fields)
            card = Card.objects.create(
                reader=reader,
                barcode=barcode,
                issued_on=date(2024, 1, 2) + timedelta(days=index),
                valid_until=add_years(date(2024, 1, 2) + timedelta(days=index), 6),
                library=home,
            )
            Consent.objects.create(reader=reader, kind=ConsentKind.PRIVACY_POLICY, value="2026-1")
            Consent.objects.create(reader=reader, kind=ConsentKind.LOAN_HISTORY, value="after_days")
            if guardian is not None:
                Consent.objects.create(
                    reader=reader, kind=ConsentKind.GUARDIAN, value=str(guardian.pk)
                )
        else:
            reader = card.reader
            Reader.objects.filter(pk=reader.pk).update(**fields)
            reader.refresh_from_db()
        if not is_minor and index not in (4, 5):
            adults.append(reader)
    _special_cases(library, rare, today)
    _pending(library)
    return {"readers": Reader.objects.filter(cards__barcode__startswith=CARD_PREFIX).count()}


def _special_cases(library: Library, rare: ReadingRoom | None, today: date) -> None:
    blocked = Card.objects.get(barcode=_barcode(4)).reader
    Reader.objects.filter(pk=blocked.pk).update(status=ReaderStatus.BLOCKED)
    Block.objects.update_or_create(
        reader=blocked,
        reason="Negrąžinti leidiniai (demonstracija)",
        defaults={
            "starts_on": date(2026, 1, 5),
            "blocks_loans": True,
            "blocks_holds": True,
            "blocks_renewals": True,
            "blocks_room_entry": True,
        },
    )
    expired_card = Card.objects.get(barcode=_barcode(5))
    Card.objects.filter(pk=expired_card.pk).update(
        valid_until=today - timedelta(days=30), state=CardState.ACTIVE
    )
    Reader.objects.filter(pk=expired_card.reader_id).update(status=ReaderStatus.EXPIRED)
    if rare is not None:
        for index in (1, 3):
            reader = Card.objects.get(barcode=_barcode(index)).reader
            RoomPermission.objects.update_or_create(
                reader=reader, room=rare, defaults={"allowed": True, "note": "Tyrėjo leidimas"}
            )


def _pending(library: Library) -> None:
    adult = ReaderCategory.objects.get(code="adult")
    for first, last in (("Viltė", "Šalčiūtė"), ("Ąžuolas", "Čėsna")):
        email = f"{fold(first)}@skaitytojai.example"
        keys = search_keys(first, last, email)
        if Reader.objects.filter(name_key=keys["name_key"], status=ReaderStatus.PENDING).exists():
            continue
        reader = Reader.objects.create(
            first_name=first,
            last_name=last,
            birth_date=date(1999, 9, 9),
            email=email,
            category=adult,
            home_library=library,
            status=ReaderStatus.PENDING,
            registration_channel=RegistrationChannel.ONLINE,
            **keys,
        )
        Consent.objects.create(reader=reader, kind=ConsentKind.PRIVACY_POLICY, value="2026-1")


def demo_reader_info() -> list[dict[str, str]]:
    return [
        {"card": login.card, "pin": login.pin, "note": login.note} for login in DEMO_READER_LOGINS
    ]


# --- Scale -----------------------------------------------------------------------------------


def _scale_surnames() -> list[tuple[str, str, str]]:
    names = list(SURNAMES)
    for stem in _STEMS:
        for male, married, unmarried in _ENDINGS:
            names.append((stem + male, stem + married, stem + unmarried))
    return names


def build_readers(
    total: int,
    libraries: list[Library],
    *,
    seed: int = 2026,
    batch_size: int = 10_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``total`` readers, each with one card ``SC0000001``…, in bulk (deterministic)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    categories = list(ReaderCategory.objects.filter(is_active=True).order_by("code"))
    surnames = _scale_surnames()
    # Common surnames are common (Zipf-like): the first ones weigh most.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(surnames))]
    start = Card.objects.filter(barcode__startswith=SCALE_CARD_PREFIX).count()
    written = 0
    index = start
    while written < total:
        step = min(batch_size, total - written)
        readers = []
        for _ in range(step):
            index += 1
            male = rng.random() < 0.5
            first = rng.choice(MALE_FIRST if male else FEMALE_FIRST)
            forms = rng.choices(surnames, weights=weights)[0]
            last = forms[0] if male else forms[1 if rng.random() < 0.6 else 2]
            email = f"r{index}@scale.example"
            readers.append(
                Reader(
                    first_name=first,
                    last_name=last,
                    birth_date=date(
                        rng.randint(1940, 2012), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                    email=email,
                    category=rng.choice(categories),
                    home_library=rng.choice(libraries),
                    status=ReaderStatus.ACTIVE,
                    **search_keys(first, last, email),
                )
            )
        with transaction.atomic():
            created = Reader.objects.bulk_create(readers, batch_size=2_000)
            cards = [
                Card(
                    reader=reader,
                    barcode=_barcode(start + written + offset + 1, SCALE_CARD_PREFIX),
                    issued_on=date(2025, 1, 1),
                    valid_until=date(2031, 1, 1),
                    library=reader.home_library,
                )
                for offset, reader in enumerate(created)
            ]
            Card.objects.bulk_create(cards, batch_size=2_000)
        written += step
        if progress:
            progress(written)
    return written
