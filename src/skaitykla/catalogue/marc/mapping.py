"""MARC21 and UNIMARC → the fields we store, display and index; holdings fields → items.

UNIMARC (LIBIS): 200 title, 700–712 names, 210/214 publication, 010 ISBN, 011 ISSN, 101 language,
205 edition, 225/410 series, 60X subjects, 675 UDC, 676/686 other classification, 801 cataloguing
agency, 990 holdings. MARC21: 245, 100/110/111/700/710/711, 260/264, 020, 022, 008/041, 250,
490/830, 6XX, 080, 082/050/084, 003/001/035, 852 and 949 holdings.

Holdings subfields (990 and 949, our documented convention, docs/adr/0021-marc-import.md):
``$a`` library (ISIL, or ``C1`` for ``LT-C1``; ``C1/BFS`` also gives the location), ``$b``
location or reading-room code, ``$c`` call number, ``$i`` barcode, ``$l`` loan condition
(``TO_HOME`` / ``IN_PLACE``), ``$m`` maximum loan days, ``$n`` price, ``$z`` public note.
852: ``$a`` library, ``$b`` location, ``$h``+``$i`` call number, ``$p`` barcode, ``$x`` staff note,
``$z`` public note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pymarc

from skaitykla.catalogue.choices import MaterialType, RecordFormat

_TRAILING = re.compile(r"[\s/:;,=.]+$")
_LEADING = re.compile(r"^[\s/:;,=]+")
#: Non-sorting markers (NSB/NSE) and other C1 controls that must not reach display or index.
_CONTROLS = re.compile(r"[\x80-\x9f\x00-\x08\x0b-\x1f]")
_YEAR = re.compile(r"(1[4-9]\d\d|20\d\d)")
_ISBN_CHARS = re.compile(r"[^0-9Xx]")
_ISSN = re.compile(r"(\d{4})-?(\d{3}[\dXx])")


@dataclass
class ItemData:
    barcode: str
    call_number: str = ""
    library_code: str = ""
    location: str = ""
    loan_condition: str = ""
    max_loan_days: int | None = None
    price: Decimal | None = None
    note: str = ""
    public_note: str = ""


@dataclass
class BibData:
    title: str
    record_format: str
    subtitle: str = ""
    responsibility: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    place: str = ""
    year: int | None = None
    language: str = ""
    isbns: list[str] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)
    edition: str = ""
    series: str = ""
    subjects: list[str] = field(default_factory=list)
    udc: str = ""
    classification: list[str] = field(default_factory=list)
    material_type: str = MaterialType.BOOK
    control_number: str = ""
    control_source: str = ""
    system_numbers: list[str] = field(default_factory=list)
    items: list[ItemData] = field(default_factory=list)

    def match_keys(self) -> list[tuple[str, str]]:
        """The duplicate-matching keys, strongest first."""
        keys: list[tuple[str, str]] = []
        if self.control_number:
            keys.append(("control", f"{self.control_source}|{self.control_number}"[:200]))
        keys.extend(("system", value[:200]) for value in self.system_numbers)
        keys.extend(("isbn", value) for value in self.isbns)
        return list(dict.fromkeys(keys))


class MappingError(ValueError):
    """The record was read but lacks what every record needs (a title)."""


def _nfc(value: str | None) -> str:
    if not value:
        return ""
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def nfc_record(record: pymarc.Record, *, ascii_only: bool = False) -> None:
    """Normalise every value of the record to Unicode NFC in place; mark the leader UTF-8.
    ``ascii_only``: the record is known to be plain ASCII (nothing to normalise)."""
    for fld in () if ascii_only else record.fields:
        if fld.is_control_field():
            fld.data = _nfc(fld.data)
        elif any(not (sub.value or "").isascii() for sub in fld.subfields):
            fld.subfields = [
                pymarc.Subfield(code=sub.code, value=_nfc(sub.value)) for sub in fld.subfields
            ]
    leader = str(record.leader)
    if len(leader) >= 10:
        record.leader = pymarc.Leader(leader[:9] + "a" + leader[10:])


def clean(value: str | None) -> str:
    if not value:
        return ""
    return _LEADING.sub("", _TRAILING.sub("", " ".join(_CONTROLS.sub("", value).split())))


def normalise_isbn(value: str) -> str:
    """ISBN-10 or ISBN-13 (with hyphens, qualifiers) → ISBN-13 digits; '' when not an ISBN."""
    head = value.strip().split(" ")[0]
    digits = _ISBN_CHARS.sub("", head).upper()
    if len(digits) == 10 and digits[:9].isdigit():
        core = "978" + digits[:9]
        check = (10 - sum((3 if i % 2 else 1) * int(d) for i, d in enumerate(core)) % 10) % 10
        return core + str(check)
    if len(digits) == 13 and digits.isdigit():
        return digits
    return ""


def normalise_issn(value: str) -> str:
    match = _ISSN.search(value or "")
    return f"{match.group(1)}-{match.group(2).upper()}" if match else ""


def _first(record: pymarc.Record, tag: str, code: str) -> str:
    for fld in record.get_fields(tag):
        for value in fld.get_subfields(code):
            if value and value.strip():
                return value
    return ""


def _all(record: pymarc.Record, tags: tuple[str, ...], code: str) -> list[str]:
    return [value for fld in record.get_fields(*tags) for value in fld.get_subfields(code) if value]


def _year(*candidates: str) -> int | None:
    for text in candidates:
        match = _YEAR.search(text or "")
        if match:
            return int(match.group(1))
    return None


def _dedupe(values: list[str]) -> list[str]:
    return [value for value in dict.fromkeys(v for v in values if v)]


def _material(leader: str) -> str:
    kind = leader[6:7]
    level = leader[7:8]
    if kind in ("a", "h"):
        if level in ("s", "i"):
            return MaterialType.SERIAL
        if level in ("a", "b"):
            return MaterialType.ARTICLE
        return MaterialType.BOOK
    return {
        "b": MaterialType.MANUSCRIPT,
        "t": MaterialType.MANUSCRIPT,
        "c": MaterialType.MUSIC,
        "d": MaterialType.MUSIC,
        "e": MaterialType.MAP,
        "f": MaterialType.MAP,
        "g": MaterialType.VIDEO,
        "i": MaterialType.SOUND,
        "j": MaterialType.SOUND,
        "m": MaterialType.ELECTRONIC,
        "l": MaterialType.ELECTRONIC,
    }.get(kind, MaterialType.OTHER)


def _subject(fld: pymarc.Field) -> str:
    parts = [clean(value) for code, value in _pairs(fld) if code in "axyzvbc" and value]
    return " -- ".join(part for part in parts if part)


def _pairs(fld: pymarc.Field) -> list[tuple[str, str]]:
    return [(sub.code, sub.value) for sub in fld.subfields]


def _int(value: str) -> int | None:
    digits = re.sub(r"\D", "", value or "")
    return int(digits) if digits and len(digits) <= 4 else None


def _price(value: str) -> Decimal | None:
    match = re.search(r"\d+(?:[.,]\d{1,2})?", value or "")
    if not match:
        return None
    try:
        return Decimal(match.group(0).replace(",", "."))
    except InvalidOperation:
        return None


def local_items(record: pymarc.Record, tag: str) -> list[ItemData]:
    """990 (UNIMARC, LIBIS) or 949-style holdings."""
    items = []
    for fld in record.get_fields(tag):
        barcode = fld.get("i") or fld.get("p") or ""
        if not barcode.strip():
            continue
        library = (fld.get("a") or "").strip()
        location = (fld.get("b") or "").strip()
        if "/" in library:
            library, _, location_from_a = library.partition("/")
            location = location or location_from_a.strip()
        items.append(
            ItemData(
                barcode=barcode,
                call_number=clean(fld.get("c") or fld.get("d") or ""),
                library_code=library.strip(),
                location=location,
                loan_condition=(fld.get("l") or "").strip().upper(),
                max_loan_days=_int(fld.get("m") or ""),
                price=_price(fld.get("n") or ""),
                public_note=(fld.get("z") or "").strip()[:500],
            )
        )
    return items


def items_852(record: pymarc.Record) -> list[ItemData]:
    items = []
    for fld in record.get_fields("852"):
        barcode = fld.get("p") or ""
        if not barcode.strip():
            continue
        call = " ".join(value for value in (fld.get("h"), fld.get("i")) if value)
        items.append(
            ItemData(
                barcode=barcode,
                call_number=clean(call),
                library_code=(fld.get("a") or "").strip(),
                location=(fld.get("b") or "").strip(),
                note=(fld.get("x") or "").strip()[:500],
                public_note=(fld.get("z") or "").strip()[:500],
            )
        )
    return items


def map_marc21(record: pymarc.Record, *, items_from: str = "") -> BibData:
    leader = str(record.leader)
    title_field = record.get("245")
    title = ""
    subtitle = responsibility = ""
    if title_field is not None:
        title = " ".join(clean(v) for v in (title_field.get_subfields("a", "n", "p")) if clean(v))
        subtitle = clean(title_field.get("b"))
        responsibility = clean(title_field.get("c"))
    if not title:
        raise MappingError("the record has no title (245 $a)")
    fixed = record.get("008")
    fixed_data = fixed.data if fixed is not None and fixed.data else ""
    year = _year(fixed_data[7:11]) if fixed_data[7:11].isdigit() else None
    publication = record.get("264") or record.get("260")
    pub_date = publication.get("c") if publication is not None else ""
    language = fixed_data[35:38].strip() if len(fixed_data) >= 38 else ""
    if not language.isalpha():
        language = _first(record, "041", "a")[:3]
    authors = _dedupe(
        [clean(v) for v in _all(record, ("100", "110", "111", "700", "710", "711"), "a")]
    )
    control = record.get("001")
    source = record.get("003")
    if items_from:
        items = items_852(record) if items_from == "852" else local_items(record, items_from)
    else:
        items = items_852(record) + local_items(record, "949")
    return BibData(
        title=title[:2000],
        record_format=RecordFormat.MARC21,
        subtitle=subtitle,
        responsibility=responsibility,
        authors=authors,
        publisher=clean(publication.get("b") if publication is not None else "")[:300],
        place=clean(publication.get("a") if publication is not None else "")[:200],
        year=year or _year(pub_date or ""),
        language=language.lower()[:3],
        isbns=_dedupe([normalise_isbn(v) for v in _all(record, ("020",), "a")]),
        issns=_dedupe([normalise_issn(v) for v in _all(record, ("022",), "a")]),
        edition=clean(_first(record, "250", "a"))[:200],
        series=clean(_first(record, "490", "a") or _first(record, "830", "a")),
        subjects=_dedupe(
            [
                _subject(f)
                for f in record.get_fields("600", "610", "611", "630", "650", "651", "655")
            ]
        ),
        udc=" ".join(clean(v) for v in _all(record, ("080",), "a"))[:200],
        classification=_dedupe([clean(v) for v in _all(record, ("082", "050", "084"), "a")]),
        material_type=_material(leader),
        control_number=(control.data or "").strip()[:100] if control is not None else "",
        control_source=(source.data or "").strip()[:100] if source is not None else "",
        system_numbers=_dedupe([v.strip() for v in _all(record, ("035",), "a")]),
        items=items,
    )


def _unimarc_name(fld: pymarc.Field) -> str:
    surname = clean(fld.get("a"))
    forename = clean(fld.get("b"))
    return f"{surname}, {forename}" if surname and forename else surname


def map_unimarc(record: pymarc.Record, *, items_from: str = "") -> BibData:
    leader = str(record.leader)
    title_field = record.get("200")
    title = subtitle = responsibility = ""
    if title_field is not None:
        title = " ".join(clean(v) for v in title_field.get_subfields("a", "h", "i") if clean(v))
        subtitle = clean(title_field.get("e"))
        responsibility = "; ".join(clean(v) for v in title_field.get_subfields("f", "g"))
    if not title:
        raise MappingError("the record has no title (200 $a)")
    coded = _first(record, "100", "a")
    publication = record.get("210") or record.get("214")
    authors = _dedupe(
        [_unimarc_name(f) for f in record.get_fields("700", "701", "702")]
        + [clean(v) for v in _all(record, ("710", "711", "712"), "a")]
    )
    control = record.get("001")
    source = record.get("003")
    agency = ""
    for fld in record.get_fields("801"):
        agency = clean(fld.get("b")) or agency
        if fld.indicator2 == "0":
            break
    subject_tags = ("600", "601", "602", "604", "605", "606", "607", "608")
    return BibData(
        title=title[:2000],
        record_format=RecordFormat.UNIMARC,
        subtitle=subtitle,
        responsibility=responsibility,
        authors=authors,
        publisher=clean(publication.get("c") if publication is not None else "")[:300],
        place=clean(publication.get("a") if publication is not None else "")[:200],
        year=_year(coded[9:13] if coded[9:13].isdigit() else "")
        or _year(publication.get("d") or "" if publication is not None else ""),
        language=_first(record, "101", "a")[:3].lower(),
        isbns=_dedupe([normalise_isbn(v) for v in _all(record, ("010",), "a")]),
        issns=_dedupe([normalise_issn(v) for v in _all(record, ("011",), "a")]),
        edition=clean(_first(record, "205", "a"))[:200],
        series=clean(_first(record, "225", "a") or _first(record, "410", "a")),
        subjects=_dedupe([_subject(f) for f in record.get_fields(*subject_tags)]),
        udc=" ".join(clean(v) for v in _all(record, ("675",), "a"))[:200],
        classification=_dedupe([clean(v) for v in _all(record, ("676", "686"), "a")]),
        material_type=_material(leader),
        control_number=(control.data or "").strip()[:100] if control is not None else "",
        control_source=((source.data or "").strip() if source is not None else agency)[:100],
        system_numbers=_dedupe([v.strip() for v in _all(record, ("035",), "a")]),
        items=local_items(record, items_from or "990"),
    )


def map_record(
    record: pymarc.Record, *, unimarc: bool, items_from: str = "", ascii_only: bool = False
) -> BibData:
    nfc_record(record, ascii_only=ascii_only)
    if unimarc:
        return map_unimarc(record, items_from=items_from)
    return map_marc21(record, items_from=items_from)
