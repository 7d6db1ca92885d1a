"""The demo catalogue: a small, realistic Lithuanian collection written by the project.

The records are built as UNIMARC (the LIBIS format) with 990 holdings and go through the real
import pipeline, so the demo shows exactly what an import produces. Every reading room of the
national library gets copies; open-shelf barcodes start with ``LV``, closed-stack ones with
``LVF``. Deterministic: the same records, barcodes and statuses on every run.

The scale builder (``build_catalogue``) writes synthetic records, search entries and items with
bulk inserts for benchmarks.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pymarc
from django.db import connection, transaction
from pymarc import Field, Indicators, Leader, Subfield

from skaitykla.catalogue.bulk import fast_insert
from skaitykla.catalogue.choices import ItemStatus, LoanType, MaterialType
from skaitykla.catalogue.models import Item, Record, SearchEntry
from skaitykla.catalogue.search.documents import entry_fields
from skaitykla.catalogue.services import import_marc, reindex_records
from skaitykla.core.models import Library, ReadingRoom


@dataclass(frozen=True)
class DemoBook:
    title: str
    surname: str
    forename: str
    year: int
    publisher: str
    udc: str
    subjects: tuple[str, ...]
    room: str
    subtitle: str = ""
    place: str = "Vilnius"
    language: str = "lit"
    isbn: str = ""


BOOKS: tuple[DemoBook, ...] = (
    DemoBook(
        "Metai",
        "Donelaitis",
        "Kristijonas",
        2014,
        "Lietuvos rašytojų sąjungos leidykla",
        "821.172-1",
        ("Lietuvių poezija", "Grožinė literatūra"),
        "LITUANICA",
        subtitle="poema",
        isbn="978-609-01-1234-7",
    ),
    DemoBook(
        "Anykščių šilelis",
        "Baranauskas",
        "Antanas",
        2016,
        "Alma littera",
        "821.172-1",
        ("Lietuvių poezija",),
        "LITUANICA",
    ),
    DemoBook(
        "Žemaitės raštai",
        "Žemaitė",
        "",
        1956,
        "Valstybinė grožinės literatūros leidykla",
        "821.172-3",
        ("Lietuvių proza", "Apsakymai"),
        "LITUANICA",
    ),
    DemoBook(
        "Marti",
        "Žemaitė",
        "",
        2019,
        "Baltos lankos",
        "821.172-3",
        ("Lietuvių proza", "Apsakymai"),
        "CHILDREN",
    ),
    DemoBook(
        "Dėdės ir dėdienės",
        "Vaižgantas",
        "",
        2015,
        "Alma littera",
        "821.172-3",
        ("Lietuvių proza",),
        "HUMANITIES",
        subtitle="apysaka",
    ),
    DemoBook(
        "Altorių šešėly",
        "Mykolaitis-Putinas",
        "Vincas",
        2011,
        "Baltos lankos",
        "821.172-31",
        ("Lietuvių romanas",),
        "HUMANITIES",
        subtitle="romanas",
    ),
    DemoBook(
        "Balta drobulė",
        "Škėma",
        "Antanas",
        2017,
        "Apostrofa",
        "821.172-31",
        ("Lietuvių romanas", "Emigrantų literatūra"),
        "HUMANITIES",
    ),
    DemoBook(
        "Tas, kuris nesimato",
        "Šaltenis",
        "Saulius",
        2008,
        "Tyto alba",
        "821.172-31",
        ("Lietuvių romanas",),
        "HUMANITIES",
    ),
    DemoBook(
        "Lietuvos istorija",
        "Kiaupa",
        "Zigmantas",
        2002,
        "Baltos lankos",
        "94(474.5)",
        ("Lietuvos istorija", "Istorija"),
        "SOCIAL",
        subtitle="iki 1795 metų",
    ),
    DemoBook(
        "Vilniaus universiteto istorija",
        "Piročkinas",
        "Arnoldas",
        1979,
        "Mokslas",
        "378.4(474.5)(091)",
        ("Vilniaus universitetas", "Aukštojo mokslo istorija"),
        "SOCIAL",
    ),
    DemoBook(
        "Lietuvių kalbos gramatika",
        "Ambrazas",
        "Vytautas",
        2006,
        "Mokslo ir enciklopedijų leidybos institutas",
        "811.172'36",
        ("Lietuvių kalba", "Gramatika"),
        "LITUANICA",
    ),
    DemoBook(
        "Dabartinės lietuvių kalbos žodynas",
        "Keinys",
        "Stasys",
        2012,
        "Lietuvių kalbos institutas",
        "811.172'374",
        ("Lietuvių kalba", "Žodynai"),
        "LITUANICA",
    ),
    DemoBook(
        "Lietuvos ekonomikos raida",
        "Vaskela",
        "Gediminas",
        2010,
        "Eugrimas",
        "338(474.5)",
        ("Ekonomika", "Lietuva"),
        "SOCIAL",
    ),
    DemoBook(
        "Sociologijos pagrindai",
        "Leonavičius",
        "Vylius",
        2013,
        "Vytauto Didžiojo universitetas",
        "316",
        ("Sociologija",),
        "SOCIAL",
        place="Kaunas",
    ),
    DemoBook(
        "Teisės teorijos įvadas",
        "Vaišvila",
        "Alfonsas",
        2009,
        "Justitia",
        "340.1",
        ("Teisė", "Teisės teorija"),
        "SOCIAL",
    ),
    DemoBook(
        "M. K. Čiurlionis: tarp muzikos ir tapybos",
        "Andriušytė-Žukienė",
        "Rasa",
        2004,
        "Versus aureus",
        "78.071.1(474.5)",
        ("Muzika", "Dailė", "Čiurlionis"),
        "MUSIC_ART",
    ),
    DemoBook(
        "Lietuvių liaudies dainos",
        "Jurkštas",
        "Jonas",
        1998,
        "Vaga",
        "784.4(=172)",
        ("Liaudies dainos", "Tautosaka", "Muzika"),
        "MUSIC_ART",
    ),
    DemoBook(
        "Lietuvos dailės istorija",
        "Jankevičienė",
        "Algė",
        2000,
        "Vilniaus dailės akademijos leidykla",
        "75(474.5)(091)",
        ("Dailė", "Dailės istorija"),
        "MUSIC_ART",
    ),
    DemoBook(
        "Lietuvių kino istorija",
        "Tapinas",
        "Laimonas",
        2007,
        "Vaga",
        "791.43(474.5)",
        ("Kinas", "Medijos"),
        "MEDIA",
    ),
    DemoBook(
        "Žiniasklaida ir visuomenė",
        "Nevinskaitė",
        "Laima",
        2015,
        "Vilniaus universiteto leidykla",
        "070",
        ("Žiniasklaida", "Medijos"),
        "MEDIA",
    ),
    DemoBook(
        "Skaitmeninės bibliotekos",
        "Vaitkevičienė",
        "Živilė",
        2018,
        "Vilniaus universiteto leidykla",
        "027.7:004",
        ("Bibliotekos", "Skaitmeninimas"),
        "MEDIA",
    ),
    DemoBook(
        "Eglė žalčių karalienė",
        "Vaičiūnienė",
        "Aldona",
        2020,
        "Nieko rimto",
        "821.172-34",
        ("Pasakos", "Vaikų literatūra"),
        "CHILDREN",
    ),
    DemoBook(
        "Kakė Makė ir netvarkos nykštukas",
        "Žilinskaitė",
        "Lina",
        2014,
        "Alma littera",
        "821.172-93",
        ("Vaikų literatūra",),
        "CHILDREN",
    ),
    DemoBook(
        "Pelėdų kalnas",
        "Kazlauskaitė",
        "Jurga",
        2021,
        "Tyto alba",
        "821.172-93",
        ("Vaikų literatūra", "Nuotykiai"),
        "CHILDREN",
    ),
    DemoBook(
        "Martynas Mažvydas: Katekizmo prasti žodžiai",
        "Mažvydas",
        "Martynas",
        1547,
        "Karaliaučius",
        "238(474.5)",
        ("Katekizmai", "Senieji spaudiniai"),
        "RARE",
        place="Karaliaučius",
    ),
    DemoBook(
        "Postilla catholicka",
        "Daukša",
        "Mikalojus",
        1599,
        "Vilniaus akademijos spaustuvė",
        "252",
        ("Pamokslai", "Senieji spaudiniai"),
        "RARE",
    ),
    DemoBook(
        "Būdas senovės lietuvių, kalnėnų ir žemaičių",
        "Daukantas",
        "Simonas",
        1845,
        "Plymouth",
        "94(474.5)",
        ("Lietuvos istorija", "Senieji spaudiniai"),
        "RARE",
        place="Plymouth",
    ),
    DemoBook(
        "Knygnešiai",
        "Merkys",
        "Vytautas",
        1994,
        "Mokslo ir enciklopedijų leidykla",
        "09(474.5)",
        ("Knygnešystė", "Knygų istorija", "Spaudos draudimas"),
        "LITUANICA",
        subtitle="1864–1904",
    ),
    DemoBook(
        "Knygų kultūra Lietuvoje",
        "Navickienė",
        "Aušra",
        2013,
        "Vilniaus universiteto leidykla",
        "655(474.5)(091)",
        ("Knygų istorija", "Spauda"),
        "HUMANITIES",
    ),
    DemoBook(
        "The history of Lithuania",
        "Kiaupa",
        "Zigmantas",
        2005,
        "Baltos lankos",
        "94(474.5)",
        ("History", "Lithuania"),
        "SOCIAL",
        language="eng",
    ),
    DemoBook(
        "Lithuanian folk songs",
        "Balys",
        "Jonas",
        1958,
        "Lithuanian Folklore Publishers",
        "784.4(=172)",
        ("Folk songs", "Music"),
        "MUSIC_ART",
        place="Washington",
        language="eng",
    ),
    DemoBook(
        "Libraries in the digital age",
        "Smith",
        "Anne",
        2019,
        "Facet",
        "027:004",
        ("Libraries", "Digital libraries"),
        "MEDIA",
        place="London",
        language="eng",
    ),
)


def _df(tag: str, pairs: list[tuple[str, str]], ind: tuple[str, str] = (" ", " ")) -> Field:
    return Field(tag=tag, indicators=Indicators(*ind), subfields=[Subfield(c, v) for c, v in pairs])


def _barcode(number: int, stacks: bool) -> str:
    return f"{'LVF' if stacks else 'LV'}{number:07d}"


def demo_record(index: int, book: DemoBook) -> pymarc.Record:
    """One demo book as a UNIMARC record with 990 holdings (copies in its room and stacks)."""
    record = pymarc.Record(force_utf8=True)
    record.leader = Leader("00000nam0 2200000   450 ")
    record.add_field(Field(tag="001", data=f"LNB-DEMO-{index:04d}"))
    record.add_field(Field(tag="003", data="LT-C1"))
    if book.isbn:
        record.add_field(_df("010", [("a", book.isbn)]))
    record.add_field(_df("100", [("a", f"20260101d{book.year:04d}    m  y0litm5003    ba")]))
    record.add_field(_df("101", [("a", book.language)], ("0", " ")))
    title = [("a", book.title)]
    if book.subtitle:
        title.append(("e", book.subtitle))
    author = f"{book.forename} {book.surname}".strip()
    title.append(("f", author))
    record.add_field(_df("200", title, ("1", " ")))
    record.add_field(_df("210", [("a", book.place), ("c", book.publisher), ("d", str(book.year))]))
    record.add_field(_df("675", [("a", book.udc)]))
    for subject in book.subjects:
        record.add_field(_df("606", [("a", subject)]))
    name = [("a", book.surname)] + ([("b", book.forename)] if book.forename else [])
    record.add_field(_df("700", [*name, ("4", "070")], (" ", "1")))
    record.add_field(_df("801", [("a", "LT"), ("b", "C1"), ("c", "20260101")], (" ", "0")))
    call = f"{book.udc.split('(')[0]} {book.surname[:2]}-{index}"
    base = index * 10
    condition = "IN_PLACE" if book.room in ("RARE", "LITUANICA") else "TO_HOME"
    record.add_field(
        _df(
            "990",
            [
                ("a", "C1"),
                ("b", book.room),
                ("c", call),
                ("i", _barcode(base + 1, False)),
                ("l", "IN_PLACE"),
            ],
        )
    )
    record.add_field(
        _df(
            "990",
            [
                ("a", "C1"),
                ("b", book.room),
                ("c", call),
                ("i", _barcode(base + 2, False)),
                ("l", condition),
                ("m", "30"),
            ],
        )
    )
    record.add_field(
        _df(
            "990",
            [
                ("a", "C1/STACKS"),
                ("c", call),
                ("i", _barcode(base + 3, True)),
                ("l", condition),
                ("m", "30"),
            ],
        )
    )
    if index % 3 == 0:
        record.add_field(
            _df(
                "990", [("a", "LT-KAVB"), ("c", call), ("i", f"KV{base + 4:07d}"), ("l", "TO_HOME")]
            )
        )
    if index % 4 == 0:
        record.add_field(
            _df(
                "990", [("a", "LT-AMB"), ("c", call), ("i", f"AMB{base + 5:07d}"), ("l", "TO_HOME")]
            )
        )
    return record


def seed_catalogue() -> dict[str, int]:
    """Create or update the demo collection (inside the caller's transaction)."""
    data = b"".join(demo_record(index, book).as_marc() for index, book in enumerate(BOOKS, start=1))
    import_marc(handle=io.BytesIO(data), fmt="unimarc")
    records = Record.objects.filter(control_source="LT-C1", control_number__startswith="LNB-DEMO-")
    reindex_records(record_ids=list(records.values_list("pk", flat=True)))
    # Live statuses: some copies are on loan, one in transit, one ordered from the stacks.
    Item.objects.filter(barcode__startswith="LV").exclude(
        loan_type=LoanType.READING_ROOM, reading_room__isnull=False
    ).update(status=ItemStatus.AVAILABLE, due_back=None)
    for number, status, due in (
        (72, ItemStatus.ON_LOAN, date(2026, 12, 18)),
        (52, ItemStatus.ON_LOAN, date(2026, 12, 22)),
        (62, ItemStatus.ON_LOAN, date(2027, 1, 8)),
        (13, ItemStatus.IN_TRANSIT, None),
        (23, ItemStatus.ORDERED, None),
    ):
        Item.objects.filter(barcode__in=[_barcode(number, False), _barcode(number, True)]).update(
            status=status, due_back=due
        )
    for item in Item.objects.filter(barcode__startswith="LVF"):
        if item.loan_type == LoanType.HOME_LOAN:
            Item.objects.filter(pk=item.pk).update(loan_type=LoanType.CLOSED_STACK)
    return {"records": records.count(), "items": Item.objects.filter(record__in=records).count()}


def available_barcodes(limit: int = 6) -> list[str]:
    return list(
        Item.objects.filter(
            status=ItemStatus.AVAILABLE, loan_type=LoanType.HOME_LOAN, barcode__startswith="LV"
        )
        .exclude(barcode__startswith="LVF")
        .order_by("barcode")
        .values_list("barcode", flat=True)[:limit]
    )


# --- Scale --------------------------------------------------------------------------------------

#: Synthetic vocabulary; ``COMMON`` is in about 30 % of titles (the "matches most" term).
WORDS = [
    "knyga",
    "lietuva",
    "istorija",
    "kalba",
    "dainos",
    "pasakos",
    "miestas",
    "upė",
    "giria",
    "žemė",
    "namai",
    "vaikai",
    "laikas",
    "kelias",
    "dangus",
    "jūra",
    "žvaigždės",
    "vasara",
    "žiema",
    "ruduo",
    "pavasaris",
    "mokykla",
    "universitetas",
    "teisė",
    "ekonomika",
    "menas",
    "muzika",
    "teatras",
    "kinas",
    "spauda",
    "žodynas",
    "gramatika",
    "poezija",
    "romanas",
    "apysaka",
    "kronika",
    "metraštis",
    "atlasas",
    "žemėlapis",
    "kultūra",
    "tauta",
    "valstybė",
    "bažnyčia",
    "pilis",
    "dvaras",
    "kaimas",
    "ūkis",
    "gamta",
    "paukščiai",
    "medžiai",
    "gėlės",
    "sodas",
    "duona",
    "druska",
    "vanduo",
    "ugnis",
    "šviesa",
    "tamsa",
    "sapnas",
    "atmintis",
    "tėvynė",
    "kalnai",
    "slėnis",
    "ežeras",
    "pajūris",
    "kopos",
    "vėjas",
    "lietus",
    "sniegas",
    "saulė",
    "mėnulis",
]
COMMON = "lietuvos"
SURNAMES = [
    "Kazlauskas",
    "Jankauskas",
    "Petrauskas",
    "Stankevičius",
    "Vasiliauskas",
    "Žukauskas",
    "Butkus",
    "Paulauskas",
    "Urbonas",
    "Kavaliauskas",
    "Navickas",
    "Ramanauskas",
    "Savickas",
    "Rimkus",
    "Šimkus",
    "Baranauskas",
    "Žemaitis",
    "Mickevičius",
    "Adomaitis",
    "Valaitis",
]
FORENAMES = [
    "Jonas",
    "Petras",
    "Ona",
    "Marija",
    "Antanas",
    "Rūta",
    "Eglė",
    "Tomas",
    "Aistė",
    "Lukas",
    "Gabija",
    "Vytautas",
]


@dataclass
class CatalogueScaleReport:
    records: int = 0
    items: int = 0
    seconds: float = 0.0


def _batches(total: int, size: int) -> Iterator[int]:
    done = 0
    while done < total:
        step = min(size, total - done)
        yield step
        done += step


def build_catalogue(
    libraries: list[Library],
    *,
    records: int,
    items: int,
    seed: int = 2026,
    batch_size: int = 5_000,
    progress: Callable[[str, int], None] | None = None,
) -> CatalogueScaleReport:
    """Insert ``records`` synthetic records (with search entries) and ``items`` items, spread
    over the records and libraries; deterministic for a seed."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    rooms_by_library: dict[int, list[ReadingRoom]] = {}
    for room in ReadingRoom.objects.filter(library__in=libraries):
        rooms_by_library.setdefault(room.library_id, []).append(room)
    first_id = (Record.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    written = 0
    marc = json.dumps({"leader": "00000nam a2200000 a 4500", "fields": []})
    for step in _batches(records, batch_size):
        rows = []
        entries = []
        for offset in range(step):
            number = first_id + written + offset
            words = rng.sample(WORDS, rng.randint(2, 5))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words) + 1), COMMON)
            title = " ".join(words).capitalize()
            author = f"{rng.choice(SURNAMES)}, {rng.choice(FORENAMES)}"
            subject = rng.choice(WORDS).capitalize()
            year = rng.randint(1800, 2025)
            rows.append(
                Record(
                    pk=number,
                    title=title,
                    authors=[author],
                    year=year,
                    language=rng.choice(("lit", "lit", "lit", "eng", "rus", "pol")),
                    subjects=[subject],
                    udc=f"{rng.randint(0, 9)}{rng.randint(0, 99):02d}",
                    material_type=MaterialType.BOOK if rng.random() < 0.9 else MaterialType.SERIAL,
                    control_number=f"SCALE-{number}",
                    control_source="LT-S",
                    marc=marc,
                )
            )
            record = rows[-1]
            entries.append(
                SearchEntry(
                    record_id=number,
                    language=record.language,
                    material_type=record.material_type,
                    year=year,
                    **entry_fields(
                        title=title, authors=[author], subjects=[subject], others=(year,)
                    ),
                )
            )
        with transaction.atomic():
            fast_insert(rows)
            fast_insert(entries)
        written += step
        if progress:
            progress("records", written)
    _reset_sequence(Record)
    made = 0
    if records:
        last_id = first_id + records - 1
    else:  # items only: spread them over the records already there
        bounds = Record.objects.order_by("pk").values_list("pk", flat=True)
        first_id, last_id = bounds.first() or 0, bounds.last() or 0
        if not first_id:
            items = 0
    barcode_start = Item.objects.count()
    statuses = [ItemStatus.AVAILABLE] * 6 + [ItemStatus.ON_LOAN] * 3 + [ItemStatus.ON_SHELF]
    for step in _batches(items, batch_size):
        rows_items = []
        for offset in range(step):
            library = rng.choice(libraries)
            rooms: list[ReadingRoom | None] = [*rooms_by_library.get(library.pk, [])] or [None]
            status = rng.choice(statuses)
            rows_items.append(
                Item(
                    record_id=rng.randint(first_id, last_id),
                    barcode=f"S{seed % 100:02d}{barcode_start + made + offset:09d}",
                    call_number=f"{rng.randint(0, 999)} {rng.choice(SURNAMES)[:2]}",
                    library=library,
                    reading_room=rng.choice(rooms),
                    status=status,
                    due_back=date(2026, 12, rng.randint(1, 28))
                    if status == ItemStatus.ON_LOAN
                    else None,
                )
            )
        with transaction.atomic():
            fast_insert(rows_items, assign_ids=True)
        made += step
        if progress:
            progress("items", made)
    return CatalogueScaleReport(records=written, items=made, seconds=time.perf_counter() - started)


def _reset_sequence(model: type[Record]) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
