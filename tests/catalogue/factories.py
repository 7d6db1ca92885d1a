"""Catalogue factories and MARC fixtures built with pymarc (no third-party files)."""

from __future__ import annotations

import io
import json

import factory
import pymarc
from pymarc import Field, Indicators, Leader, Subfield

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.catalogue.models import Item, Record
from skaitykla.catalogue.services import reindex_records
from tests.factories import LibraryFactory


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    title = factory.Sequence(lambda n: f"Knyga {n}")
    authors = factory.LazyFunction(list)
    marc = "{}"


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    record = factory.SubFactory(RecordFactory)
    barcode = factory.Sequence(lambda n: f"LV{n:08d}")
    library = factory.SubFactory(LibraryFactory)
    loan_type = LoanType.HOME_LOAN
    status = ItemStatus.AVAILABLE


def indexed(*records: Record) -> None:
    reindex_records(record_ids=[record.pk for record in records])


def _df(tag: str, subfields: list[tuple[str, str]], ind: tuple[str, str] = (" ", " ")) -> Field:
    return Field(
        tag=tag,
        indicators=Indicators(*ind),
        subfields=[Subfield(code=c, value=v) for c, v in subfields],
    )


def marc21(
    *,
    title: str,
    subtitle: str = "",
    author: str = "",
    control: str = "",
    source: str = "",
    isbn: str = "",
    system: str = "",
    year: str = "2020",
    language: str = "lit",
    udc: str = "",
    subjects: tuple[str, ...] = (),
    items: tuple[dict[str, str], ...] = (),
    utf8: bool = True,
) -> pymarc.Record:
    record = pymarc.Record(to_unicode=utf8, force_utf8=utf8)
    record.leader = Leader("00000nam a2200000 a 4500" if utf8 else "00000nam  2200000 a 4500")
    if control:
        record.add_field(Field(tag="001", data=control))
    if source:
        record.add_field(Field(tag="003", data=source))
    record.add_field(Field(tag="008", data=f"200101s{year}    lt            000 0 {language} d"))
    if isbn:
        record.add_field(_df("020", [("a", isbn)]))
    if system:
        record.add_field(_df("035", [("a", system)]))
    if udc:
        record.add_field(_df("080", [("a", udc)]))
    if author:
        record.add_field(_df("100", [("a", author)], ("1", " ")))
    title_subfields = [("a", title + (" :" if subtitle else " /"))]
    if subtitle:
        title_subfields.append(("b", subtitle + " /"))
    title_subfields.append(("c", author or "s.n."))
    record.add_field(_df("245", title_subfields, ("1", "0")))
    record.add_field(_df("264", [("a", "Vilnius :"), ("b", "Baltos lankos,"), ("c", year)]))
    for subject in subjects:
        record.add_field(_df("650", [("a", subject)], (" ", "4")))
    for item in items:
        record.add_field(_df("852", list(item.items())))
    return record


def unimarc(
    *,
    title: str,
    surname: str = "",
    forename: str = "",
    control: str = "",
    isbn: str = "",
    year: str = "2019",
    udc: str = "",
    holdings: tuple[dict[str, str], ...] = (),
) -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    record.leader = Leader("00000nam0 2200000   450 ")
    if control:
        record.add_field(Field(tag="001", data=control))
    if isbn:
        record.add_field(_df("010", [("a", isbn)]))
    record.add_field(_df("100", [("a", f"20190101d{year}    m  y0litm5003    ba")]))
    record.add_field(_df("101", [("a", "lit")], ("0", " ")))
    record.add_field(_df("200", [("a", title), ("f", f"{forename} {surname}".strip())], ("1", " ")))
    record.add_field(
        _df("210", [("a", "Vilnius"), ("c", "Lietuvos rašytojų sąjungos leidykla"), ("d", year)])
    )
    if udc:
        record.add_field(_df("675", [("a", udc)]))
    if surname:
        record.add_field(_df("700", [("a", surname), ("b", forename), ("4", "070")], (" ", "1")))
    record.add_field(_df("801", [("a", "LT"), ("b", "C1"), ("c", "20190101")], (" ", "0")))
    for holding in holdings:
        record.add_field(_df("990", list(holding.items())))
    return record


def iso2709(*records: pymarc.Record) -> bytes:
    return b"".join(record.as_marc() for record in records)


def marcxml(*records: pymarc.Record) -> bytes:
    buffer = io.BytesIO()
    writer = pymarc.XMLWriter(buffer)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    return buffer.getvalue()


def marcjson_lines(*records: pymarc.Record) -> bytes:
    return b"\n".join(json.dumps(record.as_dict()).encode() for record in records) + b"\n"


def marcjson_array(*records: pymarc.Record) -> bytes:
    return json.dumps([record.as_dict() for record in records]).encode()
