"""The database-free part of an import: one read record → what the writer stores.

Mapping, the stored MARC-in-JSON, the analysed search texts and the suggestion words are all made
here, so that a big ISO 2709 file can be parsed and prepared in worker processes
(:func:`prepare_chunks`) while the importing process only matches duplicates and writes. Nothing
here touches the database or Django settings (the workers do not set Django up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pymarc

from skaitykla.catalogue.marc import readers
from skaitykla.catalogue.marc.mapping import BibData, MappingError, map_record
from skaitykla.catalogue.search.documents import RecordFacts, record_entry, vocabulary

#: The record columns an import writes, in ``COPY`` order (the id and timestamps come first).
RECORD_FIELDS = (
    "title",
    "subtitle",
    "responsibility",
    "authors",
    "publisher",
    "place",
    "year",
    "language",
    "isbns",
    "issns",
    "edition",
    "series",
    "subjects",
    "udc",
    "classification",
    "material_type",
    "control_number",
    "control_source",
    "system_numbers",
    "record_format",
    "marc",
)
_JSON_FIELDS = frozenset(
    ("authors", "isbns", "issns", "subjects", "classification", "system_numbers")
)


@dataclass
class Prepared:
    """One record of the file, ready to store, or the reason it cannot be."""

    number: int
    offset: int
    end: int
    bib: BibData | None = None
    marc: str = ""
    entry: dict[str, str] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)
    keys: list[tuple[str, str]] = field(default_factory=list)  # duplicate-matching keys
    #: The record's :data:`RECORD_FIELDS` as PostgreSQL's ``COPY`` takes them (JSON as text), so
    #: the importing process, which writes, does not convert them.
    row: tuple[Any, ...] = ()
    facts: RecordFacts = ("", "", None)  # what the search entry copies from the record
    warnings: list[str] = field(default_factory=list)
    control_number: str = ""
    error: str = ""


_encode = json.JSONEncoder(ensure_ascii=False).encode


def stored_year(year: int | None) -> int | None:
    return year if year and 0 < year < 32767 else None


def record_values(bib: BibData, marc: str) -> dict[str, Any]:
    """The record's field values (:data:`RECORD_FIELDS`) from mapped MARC data."""
    return {
        "title": bib.title,
        "subtitle": bib.subtitle,
        "responsibility": bib.responsibility,
        "authors": bib.authors,
        "publisher": bib.publisher,
        "place": bib.place,
        "year": stored_year(bib.year),
        "language": bib.language,
        "isbns": bib.isbns,
        "issns": bib.issns,
        "edition": bib.edition,
        "series": bib.series,
        "subjects": bib.subjects,
        "udc": bib.udc,
        "classification": bib.classification,
        "material_type": bib.material_type,
        "control_number": bib.control_number,
        "control_source": bib.control_source,
        "system_numbers": bib.system_numbers,
        "record_format": bib.record_format,
        "marc": marc,
    }


def copy_row(values: dict[str, Any]) -> tuple[Any, ...]:
    """:func:`record_values` as ``COPY`` values (the same JSON text as ``catalogue.bulk``)."""
    return tuple(
        ("[]" if values[name] == [] else _encode(values[name]))
        if name in _JSON_FIELDS and values[name] is not None
        else values[name]
        for name in RECORD_FIELDS
    )


def marc_json(record: pymarc.Record) -> str:
    """The record as MARC-in-JSON text, the same as ``json.dumps(record.as_dict())`` (not
    ASCII-escaped) at about half the cost."""
    fields: list[dict[str, Any]] = []
    for fld in record.fields:
        if fld.control_field:
            fields.append({fld.tag: fld.data})
        else:
            fields.append(
                {
                    fld.tag: {
                        "ind1": fld.indicator1,
                        "ind2": fld.indicator2,
                        "subfields": [{code: value} for code, value in fld.subfields],
                    }
                }
            )
    return _encode({"leader": str(record.leader), "fields": fields})


def prepare(parsed: readers.Parsed, items_from: str = "") -> Prepared:
    """Map, serialise and analyse one read record (or carry its read error)."""
    result = Prepared(number=parsed.number, offset=parsed.offset, end=parsed.end)
    if parsed.record is None:
        result.error = parsed.error
        return result
    control = parsed.record.get("001")
    result.control_number = (control.data or "") if control is not None else ""
    try:
        bib = map_record(
            parsed.record,
            unimarc=parsed.unimarc,
            items_from=items_from,
            ascii_only=parsed.ascii_only,
        )
        result.marc = marc_json(parsed.record)
    except (MappingError, ValueError, TypeError, AttributeError, IndexError) as error:
        result.error = str(error)[:300]
        return result
    result.bib = bib
    result.row = copy_row(record_values(bib, result.marc))
    result.facts = (bib.language, bib.material_type, stored_year(bib.year))
    result.keys = bib.match_keys()
    result.entry = record_entry(bib)
    result.words = vocabulary(bib.title, bib.subtitle, *bib.authors)
    result.warnings = parsed.warnings
    return result


def prepare_chunks(
    task: tuple[list[readers.RawChunk], bool | None, str],
) -> list[Prepared]:
    """Worker process entry: raw ISO 2709 records → prepared records, in file order."""
    chunks, force_unimarc, items_from = task
    return [
        prepare(readers.parse_iso2709(chunk, force_unimarc=force_unimarc), items_from)
        for chunk in chunks
    ]
