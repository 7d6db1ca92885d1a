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
from skaitykla.catalogue.search.documents import record_entry, vocabulary


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
    warnings: list[str] = field(default_factory=list)
    control_number: str = ""
    error: str = ""


_encode = json.JSONEncoder(ensure_ascii=False).encode


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
