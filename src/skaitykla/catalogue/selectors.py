"""Reads of the catalogue: records, items with live availability, search with facets."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skaitykla.catalogue.choices import (
    AVAILABLE_STATUSES,
    LANGUAGE_NAMES,
    ItemStatus,
    MaterialType,
)
from skaitykla.catalogue.errors import ItemNotFoundError, RecordNotFoundError
from skaitykla.catalogue.models import ImportJob, Item, Record, SearchWord, normalise_barcode
from skaitykla.catalogue.search import backends
from skaitykla.catalogue.search.backends import Filters, ItemFacet, PageItem
from skaitykla.catalogue.search.documents import RecordFacts
from skaitykla.catalogue.search.query import ParsedQuery, parse
from skaitykla.core.models import Library, ReadingRoom

PAGE_SIZE = 20
CANDIDATES = 300
#: The record fields a result list shows (the page and the API); only they are read for a page
#: of hits (any other field is loaded when first used).
_LISTED = ("id", "title", "subtitle", "authors", "year", "language", "material_type")
_MATERIAL_LABELS = dict(MaterialType.choices)


def find_library(code: str) -> Library | None:
    return Library.objects.filter(code__iexact=code.strip()).first()


def find_reading_room(library: Library | None, code: str) -> ReadingRoom | None:
    if library is None or not code:
        return None
    return ReadingRoom.objects.filter(library=library, code__iexact=code).first()


def search_filters(
    *,
    language: str = "",
    year_from: int | None = None,
    year_to: int | None = None,
    material_type: str = "",
    library_code: str = "",
    room_code: str = "",
    available: bool = False,
) -> Filters:
    """The search filters for codes as typed: an unknown library or room matches nothing."""
    library = find_library(library_code) if library_code else None
    room = find_reading_room(library, room_code)
    return Filters(
        language=language.lower(),
        year_from=year_from,
        year_to=year_to,
        material_type=material_type,
        library_id=library.pk if library else (-1 if library_code else None),
        reading_room_id=room.pk if room else (-1 if room_code else None),
        available=available,
    )


def get_record(record_id: int) -> Record:
    try:
        return Record.objects.get(pk=record_id)
    except (Record.DoesNotExist, ValueError, OverflowError) as error:
        raise RecordNotFoundError(_("No such record.")) from error


def list_items(*, record: Record | None = None) -> QuerySet[Item]:
    queryset = Item.objects.select_related("library", "reading_room")
    if record is not None:
        queryset = queryset.filter(record=record)
    return queryset.order_by("library__code", "reading_room__code", "call_number", "barcode")


def get_item(*, barcode: str) -> Item:
    try:
        return list_items().get(barcode=normalise_barcode(barcode))
    except Item.DoesNotExist as error:
        raise ItemNotFoundError(_("No item with this barcode.")) from error


def list_import_jobs() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("library", "started_by")


def get_import_job(job_id: int) -> ImportJob:
    try:
        return list_import_jobs().get(pk=job_id)
    except ImportJob.DoesNotExist as error:
        raise RecordNotFoundError(_("No such import."), code="import_not_found") from error


# --- Availability (live, from the items table) --------------------------------------------------


@dataclass
class Availability:
    total: int = 0
    available: int = 0
    on_loan: int = 0
    earliest_due: date | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)

    @property
    def summary_code(self) -> str:
        if not self.total:
            return "no_items"
        if self.available:
            return "available"
        if self.on_loan:
            return "on_loan"
        return "unavailable"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.summary_code,
            "total": self.total,
            "available": self.available,
            "on_loan": self.on_loan,
            "earliest_due": self.earliest_due.isoformat() if self.earliest_due else None,
        }


def availability_for(record_ids: list[int]) -> dict[int, Availability]:
    """Per-record item status straight from the database, in one query."""
    return _availability(list_items().filter(record_id__in=record_ids))


def _availability_of_hits(record_ids: list[int]) -> dict[int, Availability]:
    """The same for a result page: only what the summary needs (no places, no ordering)."""
    items = Item.objects.filter(record_id__in=record_ids).only(*_PAGE_ITEM_FIELDS).order_by()
    return _availability(items)


_PAGE_ITEM_FIELDS = ("id", "record_id", "status", "due_back")


def _page_items(rows: list[PageItem]) -> list[Item]:
    """Items as ``_availability_of_hits`` loads them, from rows the search already fetched."""
    alias = connection.alias
    return [Item.from_db(alias, _PAGE_ITEM_FIELDS, row) for row in rows]


def _availability(items: Iterable[Item]) -> dict[int, Availability]:
    result: dict[int, Availability] = defaultdict(Availability)
    for item in items:
        entry = result[item.record_id]
        entry.total += 1
        entry.items.append(item)
        entry.by_status[item.status] = entry.by_status.get(item.status, 0) + 1
        if item.status in AVAILABLE_STATUSES:
            entry.available += 1
        elif item.status == ItemStatus.ON_LOAN:
            entry.on_loan += 1
            if item.due_back and (entry.earliest_due is None or item.due_back < entry.earliest_due):
                entry.earliest_due = item.due_back
    return dict(result)


# --- Search -------------------------------------------------------------------------------------


@dataclass
class Hit:
    record: Record
    availability: Availability


@dataclass
class SearchResult:
    query: ParsedQuery
    count: int = 0
    capped: bool = False
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    facets_partial: bool = False
    page: int = 1
    pages: int = 0
    suggestions: list[str] = field(default_factory=list)


def search_records(
    text: str, filters: Filters | None = None, *, page: int = 1, per_page: int = PAGE_SIZE
) -> SearchResult:
    """Ranked search over a bounded candidate set, facets over the same set, live availability."""
    filters = filters or Filters()
    query = parse(text)
    result = SearchResult(query=query, page=max(1, page))
    if query.empty:
        return result
    wanted = slice((result.page - 1) * per_page, result.page * per_page)
    found = backends.candidates(query, filters, limit=CANDIDATES, page=wanted)
    result.count, result.capped = found.count, found.capped
    result.facets_partial = found.count > len(found.ranked)
    ranked = found.ranked
    result.pages = max(1, -(-len(ranked) // per_page)) if ranked else 0
    result.page = min(result.page, max(result.pages, 1))
    page_ids = ranked[(result.page - 1) * per_page : result.page * per_page]
    records = {
        record.pk: record
        for record in Record.objects.only(*_LISTED).filter(pk__in=page_ids).order_by()
    }
    if found.page_items is not None and wanted.start == (result.page - 1) * per_page:
        availability = _availability(_page_items(found.page_items))
    else:  # SQLite, or a page past the last one (the last page is shown)
        availability = _availability_of_hits(page_ids)
    result.hits = [
        Hit(record=records[pk], availability=availability.get(pk, Availability()))
        for pk in page_ids
        if pk in records
    ]
    if found.facts is not None and found.item_facets is not None:
        result.facets = _facets_of(found.facts, found.item_facets) if ranked else {}
    else:
        result.facets = facets_for(ranked) if ranked else {}
    if not ranked:
        result.suggestions = suggest(query)
    return result


Facets = dict[str, list[tuple[str, str, int]]]


def _top(counter: dict[Any, int]) -> list[tuple[Any, int]]:
    return sorted(counter.items(), key=lambda pair: (-pair[1], str(pair[0])))[:12]


def _record_facets(facts: Iterable[RecordFacts]) -> Facets:
    """The language, material type and decade facets over the candidates' (language, material
    type, year)."""
    languages: Counter[str] = Counter()
    materials: Counter[str] = Counter()
    decades: Counter[int] = Counter()
    for language, material, year in facts:
        if language:
            languages[language] += 1
        materials[material] += 1
        if year is not None:
            decades[(year // 10) * 10] += 1
    labels = _MATERIAL_LABELS
    return {
        "language": [(code, str(LANGUAGE_NAMES.get(code, code)), n) for code, n in _top(languages)],
        "material_type": [(code, str(labels.get(code, code)), n) for code, n in _top(materials)],
        "decade": [
            (str(d), f"{d}–{d + 9}", n) for d, n in sorted(decades.items(), reverse=True)[:12]
        ],
    }


def _facets_of(facts: list[RecordFacts], item_facets: list[ItemFacet]) -> Facets:
    """The facets from what the PostgreSQL candidate statement brought: each candidate's
    language, material type and year (counted here) and the item facets (counted there)."""
    places: dict[str, dict[int, tuple[str, str, int]]] = {"library": {}, "reading_room": {}}
    available = 0
    for kind, key, code, label, n in item_facets:
        if kind == "available":
            available = n
        else:
            places[kind][key] = (code, label, n)
    return {
        **_record_facets(facts),
        "library": [
            places["library"][key]
            for key, _n in _top({key: n for key, (_c, _l, n) in places["library"].items()})
        ],
        "reading_room": [
            places["reading_room"][key]
            for key, _n in _top({key: n for key, (_c, _l, n) in places["reading_room"].items()})
        ],
        "available": [("1", "", available)] if available else [],
    }


def facets_for(record_ids: list[int]) -> Facets:
    """(value, label, count) per facet, over the candidate records, counted here from two queries
    (SQLite; on PostgreSQL the search statement brings them, ``_facets_of``)."""
    record_rows = Record.objects.filter(pk__in=record_ids).values_list(
        "language", "material_type", "year"
    )
    item_rows = Item.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "library_id", "reading_room_id", "status"
    )
    by_library: dict[int, set[int]] = defaultdict(set)
    by_room: dict[int, set[int]] = defaultdict(set)
    available: set[int] = set()
    for record_id, library_id, room_id, status in item_rows:
        by_library[library_id].add(record_id)
        if room_id is not None:
            by_room[room_id].add(record_id)
        if status in AVAILABLE_STATUSES:
            available.add(record_id)
    libraries = {library.pk: library for library in Library.objects.filter(pk__in=list(by_library))}
    rooms = {
        room.pk: room
        for room in ReadingRoom.objects.select_related("library").filter(pk__in=list(by_room))
    }
    return {
        **_record_facets(record_rows),
        "library": [
            (libraries[pk].code, libraries[pk].name, n)
            for pk, n in _top({pk: len(ids) for pk, ids in by_library.items()})
            if pk in libraries
        ],
        "reading_room": [
            (f"{rooms[pk].library.code}:{rooms[pk].code}", rooms[pk].name, n)
            for pk, n in _top({pk: len(ids) for pk, ids in by_room.items()})
            if pk in rooms
        ],
        "available": [("1", "", len(available))] if available else [],
    }


def suggest(query: ParsedQuery, *, limit: int = 3) -> list[str]:
    """Spelling-tolerant alternatives for a query that found nothing (from titles and names)."""
    if not query.words:
        return []
    replacements: list[list[str]] = []
    changed = False
    for word in query.words[:6]:
        if len(word) < 3:
            replacements.append([word])
            continue
        if SearchWord.objects.filter(word=word).exists():
            replacements.append([word])
            continue
        pool = list(
            SearchWord.objects.filter(word__startswith=word[:1])
            .exclude(word=word)
            .values_list("word", flat=True)[:20_000]
        )
        close = difflib.get_close_matches(word, pool, n=limit, cutoff=0.75)
        replacements.append(close or [word])
        changed = changed or bool(close)
    if not changed:
        return []
    suggestions = []
    for index in range(limit):
        words = [options[min(index, len(options) - 1)] for options in replacements]
        phrase = " ".join(words)
        if phrase not in suggestions:
            suggestions.append(phrase)
    return suggestions


def list_filter_libraries() -> QuerySet[Library]:
    return Library.objects.filter(is_active=True).order_by("code")
