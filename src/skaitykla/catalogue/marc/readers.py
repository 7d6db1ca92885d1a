"""Streaming MARC readers. Each yields :class:`Parsed` entries, one per record in the file, with
its position, whether it is UNIMARC, and either a pymarc record or the reason it could not be read.

Nothing loads the whole file: ISO 2709 is split on the record terminator from 1 MB blocks, MARCXML
goes through an incremental SAX parser, MARC-in-JSON is read one object per line (a JSON array is
the exception: it is one JSON value and has to be loaded whole).
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
import xml.sax
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from xml.sax.handler import feature_external_ges, feature_namespaces

import pymarc
from django.utils.translation import gettext_lazy as _
from pymarc import Field, Indicators, Leader, Subfield
from pymarc.marcxml import XmlHandler

from skaitykla.catalogue.errors import NotMarcError

BLOCK = 1 << 20
END_OF_RECORD = b"\x1d"
FORMATS = ("auto", "marc21", "marcxml", "marcjson", "unimarc")


@dataclass
class Parsed:
    number: int  # 1-based position of the record in the file
    offset: int  # byte offset (ISO 2709), line (XML/JSON)
    end: int  # bytes consumed so far (for progress)
    record: pymarc.Record | None = None
    unimarc: bool = False
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    ascii_only: bool = False  # ISO 2709 of ASCII bytes only: no text to normalise


class EmptyFileError(NotMarcError):
    code = "empty_file"


def sniff(handle: IO[bytes]) -> str:
    """Guess the container: ``iso2709``, ``marcxml`` or ``marcjson``; refuse anything else."""
    head = handle.read(4096)
    handle.seek(0)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise EmptyFileError(_("The file is empty."))
    if stripped[:1] == b"<":
        return "marcxml"
    if stripped[:1] in (b"{", b"["):
        return "marcjson"
    if len(stripped) >= 24 and stripped[:5].isdigit() and stripped[12:17].isdigit():
        return "iso2709"
    raise NotMarcError(
        _(
            "The file is not MARC: it is neither ISO 2709 (MARC21 or UNIMARC), MARCXML "
            "nor MARC-in-JSON."
        )
    )


def container(handle: IO[bytes], fmt: str = "auto") -> str:
    """The container of ``handle`` (``iso2709``, ``marcxml``, ``marcjson``), checked against
    ``fmt`` (one of :data:`FORMATS`)."""
    found = sniff(handle)
    if fmt in ("marc21", "unimarc") and found != "iso2709":
        raise NotMarcError(_("The file is not ISO 2709 MARC."))
    if fmt == "marcxml" and found != "marcxml":
        raise NotMarcError(_("The file is not MARCXML."))
    if fmt == "marcjson" and found != "marcjson":
        raise NotMarcError(_("The file is not MARC-in-JSON."))
    return found


def force_unimarc(fmt: str) -> bool | None:
    """True/False when ``fmt`` says UNIMARC or MARC21, None to decide record by record."""
    return {"marc21": False, "unimarc": True}.get(fmt)


def read(handle: IO[bytes], fmt: str = "auto") -> Iterator[Parsed]:
    """Every record of ``handle`` in order; ``fmt`` is one of :data:`FORMATS`."""
    found = container(handle, fmt)
    if found == "marcxml":
        return _read_xml(handle)
    if found == "marcjson":
        return _read_json(handle)
    return _read_iso2709(handle, force_unimarc=force_unimarc(fmt))


# --- ISO 2709 -----------------------------------------------------------------------------------


def _chunks(handle: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(offset, bytes, terminated) for each record-terminator-delimited chunk."""
    offset = 0
    pending = b""
    while True:
        block = handle.read(BLOCK)
        if not block:
            break
        pending += block
        start = 0
        while True:
            end = pending.find(END_OF_RECORD, start)
            if end < 0:
                break
            yield offset, pending[start : end + 1], True
            offset += end + 1 - start
            start = end + 1
        pending = pending[start:]
    if pending.strip(b" \r\n\t\x00\x1a"):
        yield offset, pending, False


def _directory_tags(chunk: bytes) -> set[bytes]:
    try:
        base = int(chunk[12:17])
    except ValueError:
        return set()
    directory = chunk[24 : base - 1]
    return {directory[i : i + 3] for i in range(0, len(directory) - 11, 12)}


def looks_unimarc(chunk: bytes) -> bool:
    tags = _directory_tags(chunk)
    return b"200" in tags and b"245" not in tags


def _check_iso2709(chunk: bytes, terminated: bool) -> str:
    if not terminated:
        return "truncated record: the file ends before the record terminator"
    head = chunk.lstrip(b"\r\n")
    if len(head) < 25:
        return "truncated record: shorter than a leader"
    if not head[:5].isdigit():
        return f"invalid record length in the leader: {head[:5]!r}"
    length = int(head[:5])
    if length != len(head):
        return f"record length in the leader is {length} but the record has {len(head)} bytes"
    if not head[12:17].isdigit():
        return f"invalid base address of data in the leader: {head[12:17]!r}"
    base = int(head[12:17])
    if base < 25 or base >= length or head[base - 1 : base] != b"\x1e":
        return f"wrong base address of data: {base}"
    if (base - 1 - 24) % 12:
        return "the record directory is malformed"
    return ""


#: The MARC-8 escape sequences (technique 1 and 2); anything else after ESC is broken.
_MARC8_ESCAPE = re.compile(rb"\x1b(?:[(,)\-][BEN2345Qgbps]|\$[(,)\-]?1|[gbps])")


def _broken_escapes(chunk: bytes) -> list[str]:
    notes = []
    start = 0
    while (position := chunk.find(b"\x1b", start)) >= 0:
        if not _MARC8_ESCAPE.match(chunk, position):
            notes.append(
                f"broken MARC-8 escape sequence at byte {position}; text after it may be lost"
            )
        start = position + 1
    return notes[:5]


def _field(
    tag: str, indicators: Indicators | None, subfields: list[Subfield], data: str | None
) -> Field:
    """A pymarc field with the attributes ``Field.__init__`` sets, minus its argument checks
    (the caller passes a three-character tag and, for a data field, parsed indicators)."""
    field = Field.__new__(Field)
    field.tag = tag
    field.subfields = subfields
    field._indicators = indicators
    field.data = data
    field.control_field = indicators is None
    return field


def _decode_utf8(chunk: bytes) -> pymarc.Record | None:
    """A well-formed UTF-8 record decoded as pymarc decodes it, without its per-byte checks and
    warnings machinery (about half the parsing time). None for anything unusual (indicators
    that are not two ASCII characters, a non-ASCII subfield code, invalid UTF-8, a bad
    directory): pymarc then decodes it and says what is wrong."""
    try:
        base = int(chunk[12:17])
        directory = chunk[24 : base - 1]
        if not directory or len(directory) % 12 or not directory.isascii():
            return None
        fields: list[Field] = []
        for start in range(0, len(directory), 12):
            tag = directory[start : start + 3].decode("ascii")
            offset = base + int(directory[start + 7 : start + 12])
            data = chunk[offset : offset + int(directory[start + 3 : start + 7]) - 1]
            if tag < "010" and tag.isdigit():
                fields.append(_field(tag, None, [], data.decode("utf-8")))
                continue
            parts = data.split(b"\x1f")
            indicators = parts[0]
            if len(indicators) != 2 or not indicators.isascii():
                return None
            del parts[0]
            if not data.isascii() and any(part[:1] >= b"\x80" for part in parts):
                return None  # a non-ASCII subfield code: pymarc repairs and reports it
            subfields = [
                Subfield(code=chr(part[0]), value=part[1:].decode("utf-8"))
                for part in parts
                if part
            ]
            fields.append(
                _field(tag, Indicators(chr(indicators[0]), chr(indicators[1])), subfields, None)
            )
    except (ValueError, UnicodeDecodeError):
        return None
    if not fields:
        return None
    record = pymarc.Record(fields=fields, to_unicode=True, force_utf8=True)
    record.leader = Leader(chunk[:24].decode("ascii"))
    return record


def _parse_chunk(chunk: bytes, unimarc: bool) -> tuple[pymarc.Record | None, str, list[str]]:
    utf8 = unimarc or chunk[9:10] == b"a"
    if utf8 and chunk[:24].isascii():
        fast = _decode_utf8(chunk)
        if fast is not None:
            return fast, "", []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            record = pymarc.Record(
                chunk,
                to_unicode=True,
                force_utf8=utf8,
                hide_utf8_warnings=True,
                utf8_handling="strict",
            )
        except UnicodeDecodeError as error:
            return None, f"invalid UTF-8 at byte {error.start} of a field", []
        except Exception as error:  # pymarc raises many kinds; each becomes one report line
            return None, _describe(error), []
    notes = [str(w.message).splitlines()[0][:200] for w in caught]
    if not utf8 and b"\x1b" in chunk:
        notes.extend(_broken_escapes(chunk))
    return record, "", notes


def _describe(error: Exception) -> str:
    name = type(error).__name__
    text = str(error).strip()
    readable = {
        "BaseAddressInvalid": "wrong base address of data",
        "BaseAddressNotFound": "base address of data not found",
        "RecordDirectoryInvalid": "the record directory is malformed",
        "NoFieldsFound": "no fields found in the record",
        "TruncatedRecord": "truncated record",
        "EndOfRecordNotFound": "record terminator not found",
        "RecordLengthInvalid": "invalid record length in the leader",
    }
    if name in readable:
        return readable[name]
    return f"{name}: {text[:200]}" if text else name


@dataclass
class RawChunk:
    """One ISO 2709 record as cut from the file, not parsed yet."""

    number: int
    offset: int
    end: int
    data: bytes
    terminated: bool


def raw_iso2709(handle: IO[bytes]) -> Iterator[RawChunk]:
    """The records of an ISO 2709 file, cut on the record terminator (cheap; no parsing)."""
    for number, (offset, raw, terminated) in enumerate(_chunks(handle), start=1):
        yield RawChunk(number, offset, offset + len(raw), raw, terminated)


def parse_iso2709(raw: RawChunk, *, force_unimarc: bool | None) -> Parsed:
    """Check and parse one cut record; a broken one gives its reason, never an exception."""
    chunk = raw.data.lstrip(b"\r\n")
    problem = _check_iso2709(chunk, raw.terminated)
    if problem:
        return Parsed(number=raw.number, offset=raw.offset, end=raw.end, error=problem)
    unimarc = looks_unimarc(chunk) if force_unimarc is None else force_unimarc
    record, error, notes = _parse_chunk(chunk, unimarc)
    return Parsed(
        number=raw.number,
        offset=raw.offset,
        end=raw.end,
        record=record,
        unimarc=unimarc,
        error=error,
        warnings=notes,
        ascii_only=chunk.isascii() and b"\x1b" not in chunk,  # MARC-8 escapes switch scripts
    )


def _read_iso2709(handle: IO[bytes], *, force_unimarc: bool | None) -> Iterator[Parsed]:
    for raw in raw_iso2709(handle):
        yield parse_iso2709(raw, force_unimarc=force_unimarc)


# --- MARCXML ------------------------------------------------------------------------------------


class _StreamingHandler(XmlHandler):
    def __init__(self) -> None:
        super().__init__(strict=False, normalize_form="NFC")
        self.ready: list[tuple[pymarc.Record | None, str, int]] = []
        self.broken = ""
        self.locator: Any = None
        self.line = 0

    def setDocumentLocator(self, locator: Any) -> None:  # noqa: N802 - SAX API
        self.locator = locator

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:  # noqa: N802
        if name[1] == "record":
            self.broken = ""
            self.line = self.locator.getLineNumber() if self.locator else 0
        if self.broken:
            return
        try:
            super().startElementNS(name, qname, attrs)
        except Exception as error:
            self.broken = f"bad {name[1]} element: {_describe(error)}"

    def endElementNS(self, name: Any, qname: Any) -> None:  # noqa: N802
        if name[1] == "record" and self.broken:
            self.process_record(None)
            self._record = None
            return
        if self.broken:
            return
        try:
            super().endElementNS(name, qname)
        except Exception as error:
            self.broken = f"bad {name[1]} element: {_describe(error)}"

    def process_record(self, record: pymarc.Record | None) -> None:
        self.ready.append((record, self.broken, self.line))


def _read_xml(handle: IO[bytes]) -> Iterator[Parsed]:
    handler = _StreamingHandler()
    # expat never fetches external entities here, and bounds entity expansion (billion laughs).
    parser = xml.sax.make_parser()  # noqa: S317
    parser.setFeature(feature_namespaces, 1)
    parser.setFeature(feature_external_ges, 0)
    parser.setContentHandler(handler)
    number = 0
    consumed = 0
    while True:
        block = handle.read(BLOCK // 4)
        try:
            if block:
                parser.feed(block)  # type: ignore[attr-defined]
            else:
                parser.close()  # type: ignore[attr-defined]
        except xml.sax.SAXParseException as error:
            for record, broken, line in handler.ready:
                number += 1
                yield _xml_parsed(number, line, consumed, record, broken)
            handler.ready.clear()
            number += 1
            yield Parsed(
                number=number,
                offset=error.getLineNumber() or 0,
                end=consumed,
                error=f"the XML is not well-formed at line {error.getLineNumber()}: "
                f"{error.getMessage()}; the rest of the file was not read",
            )
            return
        consumed += len(block)
        for record, broken, line in handler.ready:
            number += 1
            yield _xml_parsed(number, line, consumed, record, broken)
        handler.ready.clear()
        if not block:
            break
    if number == 0:
        raise NotMarcError(_("The XML file holds no MARC records."))


def _xml_parsed(
    number: int, line: int, consumed: int, record: pymarc.Record | None, broken: str
) -> Parsed:
    if record is None:
        return Parsed(number=number, offset=line, end=consumed, error=broken or "unreadable")
    return Parsed(
        number=number, offset=line, end=consumed, record=record, unimarc=_is_unimarc(record)
    )


def _is_unimarc(record: pymarc.Record) -> bool:
    return bool(record.get_fields("200")) and not record.get_fields("245")


# --- MARC-in-JSON -------------------------------------------------------------------------------


def record_from_json(data: Any) -> pymarc.Record:
    """One MARC-in-JSON object → a pymarc record (NFC)."""
    if not isinstance(data, dict) or "fields" not in data:
        raise ValueError("not a MARC-in-JSON record (no 'fields')")
    record = pymarc.Record()
    record.leader = Leader(str(data.get("leader", "")).ljust(24)[:24])
    for entry in data["fields"]:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ValueError("a field must be an object with one tag")
        tag, value = next(iter(entry.items()))
        if isinstance(value, dict):
            subfields = [
                Subfield(code=str(code), value=unicodedata.normalize("NFC", str(text)))
                for sub in value.get("subfields", [])
                for code, text in sub.items()
            ]
            indicators = Indicators(str(value.get("ind1", " ")), str(value.get("ind2", " ")))
            record.add_field(Field(tag=str(tag), indicators=indicators, subfields=subfields))
        else:
            record.add_field(Field(tag=str(tag), data=unicodedata.normalize("NFC", str(value))))
    return record


def _read_json(handle: IO[bytes]) -> Iterator[Parsed]:
    first = handle.readline().strip().lstrip(b"\xef\xbb\xbf")
    handle.seek(0)
    whole = first[:1] == b"["
    if not whole:
        try:
            json.loads(first, strict=False)
        except (ValueError, UnicodeDecodeError):
            whole = True  # one pretty-printed object
    if whole:
        try:
            values = json.load(handle, strict=False)
        except (ValueError, UnicodeDecodeError) as error:
            raise NotMarcError(_("The JSON file cannot be read.")) from error
        if isinstance(values, dict):
            values = [values]
        if not isinstance(values, list):
            raise NotMarcError(_("The JSON file holds no MARC-in-JSON records."))
        for number, value in enumerate(values, start=1):
            yield _json_parsed(number, number, 0, value)
        return
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, strict=False)
        except (ValueError, UnicodeDecodeError) as error:
            yield Parsed(number=number, offset=number, end=0, error=f"invalid JSON: {error}")
            continue
        yield _json_parsed(number, number, 0, value)


def _json_parsed(number: int, line: int, consumed: int, value: Any) -> Parsed:
    try:
        record = record_from_json(value)
    except (ValueError, TypeError, AttributeError) as error:
        return Parsed(number=number, offset=line, end=consumed, error=str(error)[:200])
    return Parsed(
        number=number, offset=line, end=consumed, record=record, unimarc=_is_unimarc(record)
    )
