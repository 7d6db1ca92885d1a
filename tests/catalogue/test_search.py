"""The analyzer and the search on both databases: Lithuanian forms, weights, phrases, prefixes,
filters, facets, live availability and hostile input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.catalogue.search.analyzer import analyze
from skaitykla.catalogue.search.backends import Filters
from skaitykla.catalogue.selectors import search_records
from skaitykla.catalogue.services import record_search
from skaitykla.core.models import ServiceFact
from tests.catalogue.factories import ItemFactory, RecordFactory, indexed
from tests.factories import LibraryFactory, ReadingRoomFactory


def test_lithuanian_forms_and_folded_diacritics_meet_in_the_analyzer():
    assert analyze("knygų") == analyze("knygos") == analyze("knygu") == ["knyg"]
    assert analyze("Žemaitė") == analyze("zemaite") == ["zemait"]
    assert analyze("libraries") == analyze("library")
    assert analyze("Vilniaus ir Kauno") == ["viln", "kaun"]


@pytest.fixture
def collection(db):
    lnb = LibraryFactory(code="LT-C1", name="Nacionalinė biblioteka")
    kaunas = LibraryFactory(code="LT-KAVB", name="Kauno biblioteka")
    room = ReadingRoomFactory(library=lnb, code="LITUANICA", name="Lituanikos skaitykla")
    records = {
        "knygos": RecordFactory(
            title="Knygos ir skaitytojai",
            authors=["Petraitis, Jonas"],
            language="lit",
            year=2015,
            subjects=["Bibliotekos"],
        ),
        "zemaite": RecordFactory(
            title="Apsakymai", authors=["Žemaitė"], language="lit", year=1956, material_type="book"
        ),
        "subject": RecordFactory(
            title="Senieji spaudiniai", subjects=["Knygų istorija"], language="lit", year=1999
        ),
        "english": RecordFactory(
            title="A history of libraries", authors=["Smith, Anne"], language="eng", year=2001
        ),
        "phrase": RecordFactory(title="Vilniaus universiteto istorija", language="lit", year=1979),
        "reverse": RecordFactory(
            title="Istorija: universiteto Vilniaus", language="lit", year=1980
        ),
    }
    ItemFactory(
        record=records["knygos"], library=lnb, reading_room=room, status=ItemStatus.ON_SHELF
    )
    ItemFactory(
        record=records["subject"],
        library=kaunas,
        status=ItemStatus.ON_LOAN,
        due_back=date(2026, 12, 1),
    )
    ItemFactory(record=records["zemaite"], library=kaunas, status=ItemStatus.AVAILABLE)
    indexed(*records.values())
    return {"records": records, "lnb": lnb, "kaunas": kaunas, "room": room}


def _titles(query: str, filters: Filters | None = None) -> list[str]:
    return [hit.record.title for hit in search_records(query, filters).hits]


def test_inflected_and_unaccented_forms_find_each_other(collection):
    for query in ("knygų", "knygos", "knygu", "KNYGA"):
        titles = _titles(query)
        assert titles[0] == "Knygos ir skaitytojai", query  # the title outranks the subject
        assert "Senieji spaudiniai" in titles
    assert _titles("zemaite") == ["Apsakymai"]
    assert _titles("Žemaitės") == ["Apsakymai"]
    assert _titles("library") == ["A history of libraries"]


def test_phrases_and_prefixes(collection):
    assert _titles('"Vilniaus universiteto"') == ["Vilniaus universiteto istorija"]
    assert set(_titles("Vilniaus universiteto")) == {
        "Vilniaus universiteto istorija",
        "Istorija: universiteto Vilniaus",
    }
    assert "Knygos ir skaitytojai" in _titles("skaityt*")
    assert _titles("petrait*") == ["Knygos ir skaitytojai"]


def test_filters_and_facets(collection):
    lnb, kaunas, room = collection["lnb"], collection["kaunas"], collection["room"]
    assert _titles("history", Filters(language="eng")) == ["A history of libraries"]
    assert _titles("istorija", Filters(year_from=1979, year_to=1979)) == [
        "Vilniaus universiteto istorija"
    ]
    assert _titles("knygos", Filters(library_id=kaunas.pk)) == ["Senieji spaudiniai"]
    assert _titles("knygos", Filters(reading_room_id=room.pk)) == ["Knygos ir skaitytojai"]
    assert _titles("knygos", Filters(available=True)) == ["Knygos ir skaitytojai"]
    assert _titles("knygos", Filters(material_type="map")) == []
    result = search_records("knygos")
    assert result.count == 2
    assert dict((code, n) for code, _label, n in result.facets["library"]) == {
        "LT-C1": 1,
        "LT-KAVB": 1,
    }
    assert result.facets["available"] == [("1", "", 1)]
    assert [value for value, _label, _n in result.facets["decade"]] == ["2010", "1990"]
    assert lnb.pk


def test_availability_is_live_from_the_items_table(collection):
    hit = next(h for h in search_records("spaudiniai").hits)
    assert hit.availability.as_dict() == {
        "status": "on_loan",
        "total": 1,
        "available": 0,
        "on_loan": 1,
        "earliest_due": "2026-12-01",
    }
    item = hit.availability.items[0]
    item.status = ItemStatus.AVAILABLE
    item.save(update_fields=["status"])
    again = next(h for h in search_records("spaudiniai").hits)
    assert again.availability.summary_code == "available"


@pytest.mark.parametrize(
    "query",
    [
        '"quotes left open',
        "&|!():*",
        "ir ar the",
        "x" * 10_000,
        "knyg* & | ! ( ) : * \" ' \\ % _ ; -- DROP TABLE",
        "\x00\x01\u202e",
        "a" * 70 + "*",
        "NEAR(a b) OR NOT c AND {title}:x",
        " ".join(["knygos"] * 200),
    ],
)
def test_hostile_queries_return_results_or_nothing_never_an_error(collection, query):
    result = search_records(query)
    assert result.count >= 0


def test_no_results_offer_spelling_suggestions(collection):
    result = search_records("apsakimai")
    assert result.count == 0
    assert result.suggestions[0] == "apsakymai"


def test_searches_are_counted_without_the_reader(collection):
    record_search(library=collection["lnb"], query="Nėra tokios knygos", found=0)
    record_search(library=collection["lnb"], query="knygos", found=3)
    facts = list(ServiceFact.objects.order_by("id").values_list("kind", "category", "channel"))
    assert facts == [
        ("search", "", "web"),
        ("search_zero_result", "nera tokios knygos", "web"),
        ("search", "", "web"),
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_is_a_valid_query(collection, text):
    result = search_records(text)
    assert result.count >= 0
    assert all(hit.record.pk for hit in result.hits)
