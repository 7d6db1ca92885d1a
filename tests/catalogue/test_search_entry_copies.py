"""The search entry's copies of the record's language, material type and year (ADR 0023): every
writer keeps them in step, the filters read them, and the facets that come with the candidates
on PostgreSQL are exactly those counted from the records and items."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase

from skaitykla.catalogue import selectors
from skaitykla.catalogue.choices import ItemStatus, MaterialType
from skaitykla.catalogue.models import Record, SearchEntry
from skaitykla.catalogue.search.backends import Filters
from skaitykla.catalogue.selectors import search_records
from skaitykla.catalogue.services import import_marc
from skaitykla.demo.catalogue import build_catalogue
from tests.catalogue.factories import ItemFactory, RecordFactory, indexed, iso2709, marc21
from tests.factories import LibraryFactory, ReadingRoomFactory

after_commit = TestCase.captureOnCommitCallbacks


def _copies(record: Record) -> tuple[str, str, int | None]:
    entry = SearchEntry.objects.get(record=record)
    return entry.language, entry.material_type, entry.year


@pytest.mark.django_db
def test_an_import_and_a_re_import_copy_the_record_facts():
    first = marc21(title="Metai", control="LNB-7", source="LT-C1", year="1818", language="lit")
    with after_commit(execute=True):
        import_marc(handle=io.BytesIO(iso2709(first)))
    record = Record.objects.get()
    assert _copies(record) == ("lit", MaterialType.BOOK, 1818)
    again = marc21(title="Metai", control="LNB-7", source="LT-C1", year="1822", language="ger")
    with after_commit(execute=True):
        summary = import_marc(handle=io.BytesIO(iso2709(again)))
    assert summary.updated == 1
    assert _copies(record) == ("ger", MaterialType.BOOK, 1822)
    assert [hit.record.pk for hit in search_records("metai", Filters(language="ger")).hits] == [
        record.pk
    ]
    assert search_records("metai", Filters(language="lit")).hits == []
    assert search_records("metai", Filters(year_from=1820, year_to=1830)).count == 1
    assert search_records("metai", Filters(year_to=1819)).count == 0


@pytest.mark.django_db
def test_a_reindex_and_the_scale_builder_copy_the_record_facts():
    record = RecordFactory(title="Žemėlapis", language="lit", year=1939, material_type="map")
    indexed(record)
    assert _copies(record) == ("lit", "map", 1939)
    Record.objects.filter(pk=record.pk).update(language="eng", year=None)
    record.refresh_from_db()
    indexed(record)
    assert _copies(record) == ("eng", "map", None)
    library = LibraryFactory()
    build_catalogue([library], records=30, items=0, seed=7)
    mismatched = [
        pk
        for pk, language, material, year in Record.objects.values_list(
            "pk", "language", "material_type", "year"
        )
        if SearchEntry.objects.filter(pk=pk).values_list("language", "material_type", "year")[0]
        != (language, material, year)
    ]
    assert SearchEntry.objects.count() == 31
    assert mismatched == []


@pytest.fixture
def varied(db):
    """Records whose facets tie and spread: languages, material types, decades, places."""
    north = LibraryFactory(code="LT-N", name="Šiaurės biblioteka")
    south = LibraryFactory(code="LT-S", name="Pietų biblioteka")
    room = ReadingRoomFactory(library=north, code="R1", name="Retų knygų skaitykla")
    other_room = ReadingRoomFactory(library=south, code="R2", name="Periodikos skaitykla")
    records = []
    languages = ["lit", "eng", "", "pol", "lit", "rus", "lit", "eng", "ger", "lav", "fre", "spa"]
    materials = ["book", "book", "serial", "map", "book", "score", "serial", "book", "book"]
    for number in range(40):
        records.append(
            RecordFactory(
                title=f"Kronikos {number}",
                language=languages[number % len(languages)],
                material_type=materials[number % len(materials)],
                year=None if number % 7 == 0 else 1850 + number * 4,
            )
        )
    statuses = [ItemStatus.AVAILABLE, ItemStatus.ON_LOAN, ItemStatus.ON_SHELF, ItemStatus.MISSING]
    for number, record in enumerate(records[:30]):
        ItemFactory(
            record=record,
            library=north if number % 3 else south,
            reading_room=room if number % 5 == 0 else (other_room if number % 4 == 0 else None),
            status=statuses[number % len(statuses)],
            due_back=date(2027, 1, 1 + number % 20) if number % 4 == 1 else None,
        )
        if number % 2:
            ItemFactory(record=record, library=south, status=ItemStatus.AVAILABLE)
    indexed(*records)
    return {"records": records, "north": north, "south": south, "room": room}


def _counted(records: list[Record]) -> dict[str, dict[str, int]]:
    """The facet counts worked out plainly from the records and their items."""
    counts: dict[str, dict[str, int]] = {
        "language": {},
        "material_type": {},
        "decade": {},
        "library": {},
        "reading_room": {},
        "available": {},
    }

    def add(kind: str, key: str) -> None:
        counts[kind][key] = counts[kind].get(key, 0) + 1

    for record in records:
        if record.language:
            add("language", record.language)
        add("material_type", record.material_type)
        if record.year is not None:
            add("decade", str(record.year // 10 * 10))
        items = list(record.items.select_related("library", "reading_room__library"))
        for code in {item.library.code for item in items}:
            add("library", code)
        rooms = {item.reading_room for item in items if item.reading_room}
        for room in rooms:
            add("reading_room", f"{room.library.code}:{room.code}")
        if any(item.is_available for item in items):
            add("available", "1")
    return counts


def test_the_facets_of_a_search_are_those_counted_from_records_and_items(varied):
    result = search_records("kronikos")
    ranked = [hit.record.pk for hit in search_records("kronikos", per_page=300).hits]
    assert result.count == 40
    assert len(ranked) == 40
    # Same values, labels and order as counting in Python (the SQLite path; on PostgreSQL the
    # facets come with the candidates).
    assert result.facets == selectors.facets_for(ranked)
    expected = _counted(varied["records"])
    decades = sorted(expected["decade"].items(), key=lambda pair: int(pair[0]), reverse=True)
    assert {kind: {v: n for v, _l, n in values} for kind, values in result.facets.items()} == {
        "language": expected["language"],
        "material_type": expected["material_type"],
        "decade": dict(decades[:12]),
        "library": expected["library"],
        "reading_room": expected["reading_room"],
        "available": expected["available"],
    }
    assert [v for v, _l, _n in result.facets["decade"]] == [v for v, _n in decades[:12]]
    assert result.facets["library"][0][1] in ("Šiaurės biblioteka", "Pietų biblioteka")
    assert result.facets["reading_room"][0][1] in ("Retų knygų skaitykla", "Periodikos skaitykla")
    assert len(result.facets["language"]) == 8
    assert result.facets["language"][0][:1] == ("lit",)


def test_filtered_facets_and_pages_follow_the_filters(varied):
    filters = Filters(language="lit", available=True)
    result = search_records("kronikos", filters, per_page=3)
    expected = [
        record.pk
        for record in varied["records"]
        if record.language == "lit"
        and record.items.filter(status__in=[ItemStatus.AVAILABLE, ItemStatus.ON_SHELF]).exists()
    ]
    pages = -(-len(expected) // 3)
    assert result.count == len(expected)
    assert (result.page, result.pages) == (1, pages)
    assert [(code, n) for code, _label, n in result.facets["language"]] == [("lit", len(expected))]
    assert result.facets["available"] == [("1", "", len(expected))]
    shown = [
        hit.record.pk
        for page in range(1, pages + 1)
        for hit in search_records("kronikos", filters, page=page, per_page=3).hits
    ]
    assert sorted(shown) == sorted(expected)
    last = search_records("kronikos", filters, page=99, per_page=3)
    assert last.page == pages
    assert [hit.record.pk for hit in last.hits] == shown[(pages - 1) * 3 :]
    assert all(hit.availability.available for hit in last.hits)


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_the_copies_and_keeps_the_full_text_index():
    record = RecordFactory(title="Senosios kronikos", language="lit", year=1701)
    indexed(record)
    executor = MigrationExecutor(connection)
    executor.migrate([("catalogue", "0004_item_status_hold_shelf_lost")])
    executor = MigrationExecutor(connection)
    executor.migrate([("catalogue", "0005_searchentry_record_facts")])
    assert _copies(record) == ("lit", MaterialType.BOOK, 1701)
    assert [hit.record.pk for hit in search_records("kronikos").hits] == [record.pk]
    SearchEntry.objects.filter(pk=record.pk).update(year=1702)  # no FTS rewrite needed
    assert [hit.record.pk for hit in search_records("kronik*").hits] == [record.pk]


@pytest.mark.django_db(transaction=True)
def test_an_import_outside_a_transaction_indexes_every_batch_in_order():
    # On PostgreSQL the entries are written by the index writer (a thread, its own connection).
    first = [marc21(title=f"Kronika {n}", control=f"IW-{n}", source="LT-C1") for n in range(9)]
    summary = import_marc(handle=io.BytesIO(iso2709(*first)), batch_size=2)
    assert (summary.created, summary.failed) == (9, 0)
    assert SearchEntry.objects.count() == 9
    assert search_records("kronika").count == 9
    again = [
        marc21(title=f"Metraštis {n}", control=f"IW-{n}", source="LT-C1", language="eng")
        for n in range(9)
    ]
    summary = import_marc(handle=io.BytesIO(iso2709(*again)), batch_size=2)
    assert summary.updated == 9
    assert search_records("kronika").count == 0
    assert search_records("metraštis", Filters(language="eng")).count == 9
    assert set(SearchEntry.objects.values_list("language", flat=True)) == {"eng"}


@pytest.mark.django_db(transaction=True)
def test_a_search_entry_the_database_refuses_stops_the_import():
    refuse = {
        "postgresql": [
            "ALTER TABLE catalogue_searchentry ADD CONSTRAINT refuse_bomb "
            "CHECK (position('bomb' in title) = 0)"
        ],
        "sqlite": [
            "CREATE TRIGGER refuse_bomb BEFORE INSERT ON catalogue_searchentry "
            "WHEN new.title LIKE '%bomb%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ],
    }[connection.vendor]
    allow = {
        "postgresql": "ALTER TABLE catalogue_searchentry DROP CONSTRAINT refuse_bomb",
        "sqlite": "DROP TRIGGER refuse_bomb",
    }[connection.vendor]
    records = [marc21(title=f"Kronika {n}", control=f"RB-{n}", source="LT-C1") for n in range(6)]
    records[2] = marc21(title="Bomb", control="RB-2", source="LT-C1")
    with connection.cursor() as cursor:
        for statement in refuse:
            cursor.execute(statement)
    try:
        with pytest.raises(IntegrityError):
            import_marc(handle=io.BytesIO(iso2709(*records)), batch_size=2)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(allow)
    # The batches before the refused one are complete; the import stopped after it.
    assert SearchEntry.objects.count() == 2
    assert Record.objects.count() in (4, 6)  # at most one more batch was written meanwhile
