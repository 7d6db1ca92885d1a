"""A stored record back out as ISO 2709 (UTF-8) or MARCXML."""

from __future__ import annotations

import json
from typing import Protocol

import pymarc
from pymarc.marcxml import record_to_xml

from skaitykla.catalogue.marc.readers import record_from_json


class _HasMarc(Protocol):
    marc: str


def to_pymarc(record: _HasMarc) -> pymarc.Record:
    return record_from_json(json.loads(record.marc))


def to_iso2709(record: _HasMarc) -> bytes:
    marc = to_pymarc(record)
    leader = str(marc.leader)
    marc.leader = pymarc.Leader(leader[:9] + "a" + leader[10:])
    return marc.as_marc()


def to_marcxml(record: _HasMarc) -> bytes:
    body = record_to_xml(to_pymarc(record), namespace=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
