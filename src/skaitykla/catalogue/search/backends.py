"""Candidate retrieval and ranking on each database.

Both rank only a bounded candidate set, taken in index order without sorting the whole hit list.
PostgreSQL: the first ``COUNT_CAP + 1`` hits of one GIN index scan are counted and scored
(``ts_rank`` with weights A–D). SQLite: up to ``limit`` records whose *title* matches plus up to
``limit`` that match anywhere, scored with ``bm25`` and column weights. A query that matches most of
the catalogue therefore costs about as much as a rare one. Counts stop at :data:`COUNT_CAP`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from skaitykla.catalogue.choices import AVAILABLE_STATUSES
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

    def sql(self, record_alias: str = "r") -> tuple[str, list[Any]]:
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
            exists = "EXISTS (SELECT 1 FROM catalogue_item i WHERE i.record_id = {}.id AND {})"
            clauses.append(exists.format(record_alias, " AND ".join(item)))
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


@dataclass
class Candidates:
    ranked: list[int] = field(default_factory=list)
    count: int = 0
    capped: bool = False


def candidates(query: ParsedQuery, filters: Filters, *, limit: int = 300) -> Candidates:
    if query.empty:
        return Candidates()
    if connection.vendor == "postgresql":
        return _postgres(query, filters, limit)
    return _sqlite(query, filters, limit)


def _postgres(query: ParsedQuery, filters: Filters, limit: int) -> Candidates:
    """One index scan per search: the first ``COUNT_CAP + 1`` hits in index order (after the
    filters) give the count, and only they are scored; the best ``limit`` are kept."""
    where, params = filters.sql()
    tsquery = query.postgres()
    if filters.needs_record:
        # The filters look only at the first SCAN_LIMIT hits, so a rare filter on a word in most
        # of the catalogue stays bounded.
        hits = f"""
            SELECT h.record_id, h.document FROM (
                SELECT s.record_id, s.document FROM catalogue_searchentry s
                WHERE s.document @@ to_tsquery('simple', %s) LIMIT %s
            ) h JOIN catalogue_record r ON r.id = h.record_id WHERE TRUE {where} LIMIT %s
        """  # noqa: S608 - only fixed SQL and placeholders are interpolated
        hit_params = [tsquery, SCAN_LIMIT, *params, COUNT_CAP + 1]
    else:
        hits = """
            SELECT s.record_id, s.document FROM catalogue_searchentry s
            WHERE s.document @@ to_tsquery('simple', %s) LIMIT %s
        """
        hit_params = [tsquery, COUNT_CAP + 1]
    sql = f"""
        SELECT w.record_id, count(*) OVER () FROM ({hits}) w
        ORDER BY ts_rank(w.document, to_tsquery('simple', %s)) DESC, w.record_id
        LIMIT %s
    """  # noqa: S608 - only fixed SQL and placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*hit_params, tsquery, limit])
        rows = cursor.fetchall()
    count = rows[0][1] if rows else 0
    ranked = [row[0] for row in rows]
    return Candidates(ranked=ranked, count=min(count, COUNT_CAP), capped=count > COUNT_CAP)


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
