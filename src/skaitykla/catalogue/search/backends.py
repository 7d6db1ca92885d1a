"""Candidate retrieval and ranking on each database.

Both rank only a bounded candidate set, taken in index order without sorting the whole hit list.
PostgreSQL: the first ``COUNT_CAP + 1`` hits of one GIN index scan are counted and scored
(``ts_rank`` with weights A–D). SQLite: up to ``limit`` records whose *title* matches plus up to
``limit`` that match anywhere, scored with ``bm25`` and column weights. A query that matches most of
the catalogue therefore costs about as much as a rare one. Counts stop at :data:`COUNT_CAP`.

On PostgreSQL the same statement also brings what the facets need (ADR 0023): the language,
material type and year of each candidate (copied into the search entry, so no record is looked
up) and the item facets (libraries, reading rooms, available now) aggregated over the
candidates' items. One round trip and one plan per search instead of two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from skaitykla.catalogue.choices import AVAILABLE_STATUSES
from skaitykla.catalogue.search.documents import RecordFacts
from skaitykla.catalogue.search.query import ParsedQuery

COUNT_CAP = 1_000
#: With filters, the most hits (in index order) PostgreSQL looks at before filtering.
SCAN_LIMIT = 20_000


@dataclass
class Filters:
    language: str = ""
    year_from: int | None = None
    year_to: int | None = None
    material_type: str = ""
    library_id: int | None = None
    reading_room_id: int | None = None
    available: bool = False

    def sql(self, record_alias: str = "r", record_key: str = "id") -> tuple[str, list[Any]]:
        """The filters as ``AND …`` SQL over a row with the record's language, year and material
        type (a record, or a search entry), whose record id is ``record_key``."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.language:
            clauses.append(f"{record_alias}.language = %s")
            params.append(self.language)
        if self.year_from is not None:
            clauses.append(f"{record_alias}.year >= %s")
            params.append(self.year_from)
        if self.year_to is not None:
            clauses.append(f"{record_alias}.year <= %s")
            params.append(self.year_to)
        if self.material_type:
            clauses.append(f"{record_alias}.material_type = %s")
            params.append(self.material_type)
        item: list[str] = []
        if self.library_id is not None:
            item.append("i.library_id = %s")
            params.append(self.library_id)
        if self.reading_room_id is not None:
            item.append("i.reading_room_id = %s")
            params.append(self.reading_room_id)
        if self.available:
            item.append("i.status IN (%s, %s)")
            params.extend(str(status) for status in AVAILABLE_STATUSES)
        if item:
            exists = "EXISTS (SELECT 1 FROM catalogue_item i WHERE i.record_id = {}.{} AND {})"
            clauses.append(exists.format(record_alias, record_key, " AND ".join(item)))
        return (" AND " + " AND ".join(clauses)) if clauses else "", params

    @property
    def needs_record(self) -> bool:
        return any(
            (
                self.language,
                self.year_from is not None,
                self.year_to is not None,
                self.material_type,
                self.library_id is not None,
                self.reading_room_id is not None,
                self.available,
            )
        )


#: An item facet over the candidates: (kind, key, code, label, records).
ItemFacet = tuple[str, int, str, str, int]
#: An item of a record on the result page: (id, record id, status, due back).
PageItem = tuple[int, int, str, date | None]


@dataclass
class Candidates:
    ranked: list[int] = field(default_factory=list)
    count: int = 0
    capped: bool = False
    #: PostgreSQL only (None elsewhere): the facts of each ranked record, in rank order, the
    #: item facets over them, and the items of the ranked records in ``page`` (a slice of
    #: positions): (id, record id, status, due back).
    facts: list[RecordFacts] | None = None
    item_facets: list[ItemFacet] | None = None
    page_items: list[PageItem] | None = None


def candidates(
    query: ParsedQuery, filters: Filters, *, limit: int = 300, page: slice | None = None
) -> Candidates:
    """The ranked candidates (at most ``limit``); on PostgreSQL also their facets and the items
    of the candidates at the positions ``page`` (``ranked[page]``)."""
    if query.empty:
        return Candidates()
    if connection.vendor == "postgresql":
        return _postgres(query, filters, limit, page or slice(0, 0))
    return _sqlite(query, filters, limit)


_ENTRY_COLUMNS = "s.record_id, s.language, s.material_type, s.year"
_RANK = "ts_rank(s.document, to_tsquery('simple', %s))"

_POSTGRES_SQL = """
    WITH c AS MATERIALIZED (
        SELECT record_id, language, material_type, year,
            row_number() OVER (ORDER BY rank DESC, record_id) AS position,
            count(*) OVER () AS total
        FROM ({hits}) w
        ORDER BY rank DESC, record_id LIMIT %s
    ), i AS MATERIALIZED (
        SELECT record_id, library_id, reading_room_id, status FROM catalogue_item
        WHERE record_id IN (SELECT record_id FROM c)
    )
    SELECT 'record', position, record_id, total, language, material_type, year FROM c
    UNION ALL
    SELECT 'library', l.id, count(DISTINCT i.record_id), NULL, l.code, l.name, NULL
    FROM i JOIN core_library l ON l.id = i.library_id GROUP BY l.id
    UNION ALL
    SELECT 'reading_room', rr.id, count(DISTINCT i.record_id), NULL, l.code || ':' || rr.code,
        rr.name, NULL
    FROM i JOIN core_readingroom rr ON rr.id = i.reading_room_id
    JOIN core_library l ON l.id = rr.library_id GROUP BY rr.id, l.code
    UNION ALL
    SELECT 'available', 0, count(DISTINCT record_id), NULL, '1', '', NULL FROM i
    WHERE status = ANY(%s)
    UNION ALL
    SELECT 'item', p.id, p.record_id, NULL, p.status, to_char(p.due_back, 'YYYY-MM-DD'), NULL
    FROM catalogue_item p
    WHERE p.record_id IN (SELECT record_id FROM c WHERE position > %s AND position <= %s)
"""


def _postgres(query: ParsedQuery, filters: Filters, limit: int, page: slice) -> Candidates:
    """One statement per search: the first ``COUNT_CAP + 1`` hits in index order (after the
    filters) give the count, only they are scored and the best ``limit`` are kept; the facets
    and the page's items come from the same candidates."""
    tsquery = query.postgres()
    if filters.needs_record:
        # The filters look only at the first SCAN_LIMIT hits, so a rare filter on a word in most
        # of the catalogue stays bounded. They read the search entry's copies of the record's
        # language, year and material type.
        where, params = filters.sql("s", "record_id")
        hits = f"""
            SELECT {_ENTRY_COLUMNS}, {_RANK} AS rank FROM (
                SELECT {_ENTRY_COLUMNS}, s.document FROM catalogue_searchentry s
                WHERE s.document @@ to_tsquery('simple', %s) LIMIT %s
            ) s WHERE TRUE {where} LIMIT %s
        """  # noqa: S608 - only fixed SQL and placeholders are interpolated
        hit_params = [tsquery, tsquery, SCAN_LIMIT, *params, COUNT_CAP + 1]
    else:
        hits = f"""
            SELECT {_ENTRY_COLUMNS}, {_RANK} AS rank FROM catalogue_searchentry s
            WHERE s.document @@ to_tsquery('simple', %s) LIMIT %s
        """  # noqa: S608 - only fixed SQL and placeholders are interpolated
        hit_params = [tsquery, tsquery, COUNT_CAP + 1]
    available = [str(status) for status in AVAILABLE_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(
            _POSTGRES_SQL.format(hits=hits),
            [*hit_params, limit, available, page.start, page.stop],
        )
        rows = cursor.fetchall()
    records = sorted((row for row in rows if row[0] == "record"), key=lambda row: row[1])
    count = records[0][3] if records else 0
    return Candidates(
        ranked=[row[2] for row in records],
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
        facts=[(row[4], row[5], row[6]) for row in records],
        item_facets=[
            (row[0], row[1], row[4], row[5], row[2])
            for row in rows
            if row[0] not in ("record", "item")
        ],
        page_items=[
            (row[1], row[2], row[4], date.fromisoformat(row[5]) if row[5] else None)
            for row in rows
            if row[0] == "item"
        ],
    )


def _sqlite(query: ParsedQuery, filters: Filters, limit: int) -> Candidates:
    where, params = filters.sql()
    join = "JOIN catalogue_record r ON r.id = catalogue_fts.rowid" if filters.needs_record else ""
    rank = "bm25(catalogue_fts, 10.0, 5.0, 2.0, 1.0)"
    sql = f"""
        SELECT catalogue_fts.rowid, {rank} FROM catalogue_fts {join}
        WHERE catalogue_fts MATCH %s {where} LIMIT %s
    """  # noqa: S608 - only fixed SQL and placeholders are interpolated
    count_sql = f"""
        SELECT count(*) FROM (SELECT 1 FROM catalogue_fts {join}
        WHERE catalogue_fts MATCH %s {where} LIMIT %s)
    """  # noqa: S608
    scores: dict[int, float] = {}
    with connection.cursor() as cursor:
        for expression in (query.fts5_title(), query.fts5()):
            cursor.execute(sql, [expression, *params, limit])
            for rowid, score in cursor.fetchall():
                scores[rowid] = min(score, scores.get(rowid, 0.0))
        cursor.execute(count_sql, [query.fts5(), *params, COUNT_CAP + 1])
        count = cursor.fetchone()[0]
    ranked = sorted(scores, key=lambda rowid: (scores[rowid], rowid))[:limit]
    return Candidates(ranked=ranked, count=min(count, COUNT_CAP), capped=count > COUNT_CAP)
