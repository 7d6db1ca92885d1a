"""MARC import: every format, field extraction, duplicates, holdings and bad input."""

from __future__ import annotations

import io
from io import StringIO

import pymarc
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.utils import translation

from skaitykla.catalogue.choices import ItemStatus, LoanType, MaterialType, RecordFormat
from skaitykla.catalogue.errors import NotMarcError
from skaitykla.catalogue.marc import readers
from skaitykla.catalogue.models import Item, Record, SearchEntry
from skaitykla.catalogue.services import import_marc
from skaitykla.core.models import AuditEntry
from tests.catalogue.factories import (
    iso2709,
    marc21,
    marcjson_array,
    marcjson_lines,
    marcxml,
    unimarc,
)
from tests.factories import LibraryFactory, ReadingRoomFactory

pytestmark = pytest.mark.django_db

after_commit = TestCase.captureOnCommitCallbacks


def _import(data: bytes, **kwargs: object):
    with after_commit(execute=True):
        return import_marc(handle=io.BytesIO(data), **kwargs)


def test_marc21_utf8_fields_are_extracted_and_indexed():
    record = marc21(
        title="Metai",
        subtitle="poema",
        author="Donelaitis, Kristijonas,",
        control="LNB-1",
        source="LT-C1",
        isbn="9986-39-123-4 (įr.)",
        year="1818",
        udc="821.172-1",
        subjects=("Lietuvių poezija",),
    )
    summary = _import(iso2709(record))
    assert summary.as_dict()["created"] == 1
    assert summary.failed == 0
    stored = Record.objects.get()
    assert stored.title == "Metai"
    assert stored.subtitle == "poema"
    assert stored.authors == ["Donelaitis, Kristijonas"]
    assert (stored.year, stored.language, stored.udc) == (1818, "lit", "821.172-1")
    assert stored.isbns == ["9789986391234"]
    assert (stored.place, stored.publisher) == ("Vilnius", "Baltos lankos")
    assert stored.subjects == ["Lietuvių poezija"]
    assert (stored.control_number, stored.control_source) == ("LNB-1", "LT-C1")
    assert stored.material_type == MaterialType.BOOK
    assert stored.record_format == RecordFormat.MARC21
    assert stored.marc_dict["fields"][0] == {"001": "LNB-1"}
    assert SearchEntry.objects.get(record=stored).title == "met poem"
    assert AuditEntry.objects.filter(action="catalogue.import").count() == 1


def test_marc8_and_decomposed_unicode_become_nfc():
    marc8 = marc21(title="\xe9Zemait\xe7e rinktin\xe7e", control="M8", utf8=False)
    decomposed = marc21(title="Z\u030cemaite\u0307 rastai", control="NFD")
    summary = _import(iso2709(marc8, decomposed))
    assert summary.failed == 0, summary.failures
    titles = set(Record.objects.values_list("title", flat=True))
    assert titles == {"Žemaitė rinktinė", "Žemaitė rastai"}


def test_marcxml_and_marc_in_json_are_read():
    one = marc21(title="Pirmoji knyga", control="X1", source="LT-C1")
    two = marc21(title="Antroji knyga", control="X2", source="LT-C1")
    assert _import(marcxml(one, two)).created == 2
    assert _import(marcjson_lines(marc21(title="Trečioji", control="J1"))).created == 1
    assert _import(marcjson_array(marc21(title="Ketvirtoji", control="J2"))).created == 1
    assert Record.objects.count() == 4
    assert set(Record.objects.values_list("title", flat=True)) >= {"Pirmoji knyga", "Ketvirtoji"}


def test_unimarc_mapping_and_990_holdings_make_items():
    library = LibraryFactory(code="LT-C1")
    room = ReadingRoomFactory(library=library, code="LITUANICA")
    record = unimarc(
        title="Paparčio žiedas",
        surname="Kudirka",
        forename="Vincas",
        control="LNB01-000123",
        isbn="978-609-01-2345-6",
        year="2019",
        udc="821.172",
        holdings=(
            {"a": "C1", "b": "LITUANICA", "c": "821.172 Ku-1", "i": "LV0001", "l": "IN_PLACE"},
            {"a": "C1/BFS", "c": "821.172 Ku-2", "i": "lv0002", "l": "TO_HOME", "m": "30"},
        ),
    )
    summary = _import(iso2709(record), fmt="unimarc")
    assert summary.failed == 0
    assert summary.items_created == 2
    stored = Record.objects.get()
    assert stored.record_format == RecordFormat.UNIMARC
    assert stored.title == "Paparčio žiedas"
    assert stored.authors == ["Kudirka, Vincas"]
    assert (stored.year, stored.language, stored.udc) == (2019, "lit", "821.172")
    assert stored.publisher == "Lietuvos rašytojų sąjungos leidykla"
    assert stored.isbns == ["9786090123456"]
    assert stored.control_source == "C1"
    in_room = Item.objects.get(barcode="LV0001")
    assert (in_room.reading_room, in_room.loan_type, in_room.status) == (
        room,
        LoanType.READING_ROOM,
        ItemStatus.ON_SHELF,
    )
    home = Item.objects.get(barcode="LV0002")
    assert (home.library, home.location, home.call_number, home.max_loan_days) == (
        library,
        "BFS",
        "821.172 Ku-2",
        30,
    )
    assert home.loan_type == LoanType.HOME_LOAN


def test_marc21_852_items_use_the_library_option():
    library = LibraryFactory(code="LT-KAVB")
    record = marc21(
        title="Anykščių šilelis",
        control="A1",
        items=({"b": "MAIN", "h": "821.172", "i": "Ba-1", "p": " kv-77 "},),
    )
    summary = _import(iso2709(record), library=library)
    assert summary.items_created == 1
    item = Item.objects.get()
    assert (item.barcode, item.library, item.call_number) == ("KV-77", library, "821.172 Ba-1")


def test_duplicates_update_the_existing_record_by_001_035_or_isbn():
    first = marc21(title="Senas pavadinimas", control="C-1", source="LT-C1")
    _import(iso2709(first))
    by_control = marc21(title="Naujas pavadinimas", control="C-1", source="LT-C1")
    summary = _import(iso2709(by_control))
    assert (summary.created, summary.updated) == (0, 1)
    assert list(Record.objects.values_list("title", flat=True)) == ["Naujas pavadinimas"]

    _import(iso2709(marc21(title="Su 035", system="(OCoLC)123")))
    _import(iso2709(marc21(title="Su 035 pataisyta", control="other", system="(OCoLC)123")))
    _import(iso2709(marc21(title="Su ISBN", isbn="0-306-40615-2")))
    summary = _import(iso2709(marc21(title="Su ISBN-13", isbn="978-0-306-40615-7")))
    assert summary.updated == 1
    assert sorted(Record.objects.values_list("title", flat=True)) == [
        "Naujas pavadinimas",
        "Su 035 pataisyta",
        "Su ISBN-13",
    ]
    # A record that is already stored exactly as it is now is skipped.
    again = _import(iso2709(marc21(title="Su ISBN-13", isbn="978-0-306-40615-7")))
    assert (again.skipped, again.updated, again.created) == (1, 0, 0)
    # The same record twice in one file is one record.
    twice = _import(
        iso2709(marc21(title="Dukart", control="D-2"), marc21(title="Dukart", control="D-2"))
    )
    assert (twice.created, twice.updated) == (1, 1)
    assert Record.objects.filter(title="Dukart").count() == 1


def _truncated() -> bytes:
    return iso2709(marc21(title="Nebaigtas įrašas"))[:-30]


def _bad_base_address() -> bytes:
    data = bytearray(iso2709(marc21(title="Bloga bazė")))
    data[12:17] = b"00030"
    return bytes(data)


def _bad_length() -> bytes:
    data = bytearray(iso2709(marc21(title="Blogas ilgis")))
    data[0:5] = b"0x9z1"
    return bytes(data)


def _invalid_utf8() -> bytes:
    data = iso2709(marc21(title="Gera antraštė UTF8"))
    return data.replace("š".encode(), b"\xff\xfe")  # same length, not UTF-8


def _bad_indicators_and_codes() -> bytes:
    data = iso2709(marc21(title="Keisti indikatoriai", subjects=("Tema",)))
    # 650 loses its indicators and gets a non-ASCII subfield code; the length stays the same.
    return data.replace(b" 4\x1faTema", b"\x1faTema\x1f\xc3x")


def test_one_broken_record_never_stops_the_import_and_is_reported(tmp_path):
    good = [iso2709(marc21(title=f"Gera knyga {n}", control=f"G{n}")) for n in range(5)]
    data = (
        good[0]
        + _bad_base_address()
        + good[1]
        + _bad_length()
        + good[2]
        + _invalid_utf8()
        + good[3]
        + _bad_indicators_and_codes()
        + good[4]
        + _truncated()
    )
    summary = _import(data)
    assert Record.objects.filter(title__startswith="Gera knyga").count() == 5
    reasons = {failure.number: failure.reason for failure in summary.failures}
    assert 2 in reasons
    assert "base address" in reasons[2]
    assert 4 in reasons
    assert "length" in reasons[4]
    assert 6 in reasons
    assert "UTF-8" in reasons[6]
    assert max(reasons) == 10
    assert "truncated" in reasons[10]
    # The record with bad indicators is kept (pymarc repairs it) and its problems are reported.
    assert Record.objects.filter(title="Keisti indikatoriai").exists() or 8 in reasons
    assert any(warning.startswith("record 8:") for warning in summary.warnings) or 8 in reasons
    assert summary.read == 10
    report = summary.report_text()
    assert "FAILED record 2 (at " in report
    assert summary.created + summary.failed == 10


def test_the_command_prints_a_summary_and_writes_the_report(tmp_path):
    path = tmp_path / "in.mrc"
    path.write_bytes(iso2709(marc21(title="Pirma", control="P1")) + _truncated())
    report = tmp_path / "report.txt"
    out = StringIO()
    call_command("import_marc", str(path), "--report", str(report), stdout=out)
    assert "read 2, created 1, updated 0, skipped 0, failed 1" in out.getvalue()
    text = report.read_text()
    assert "FAILED record 2 (at " in text
    assert "truncated" in text


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "in.mrc"
    path.write_bytes(iso2709(marc21(title="Bandomasis", control="T1")))
    out = StringIO()
    call_command("import_marc", str(path), "--dry-run", stdout=out)
    assert "Dry run: read 1, created 1" in out.getvalue()
    assert Record.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"Hello, this is a plain text file and not MARC at all.\n" * 3, "not MARC"),
        (b"%PDF-1.4 binary", "not MARC"),
    ],
)
def test_a_file_that_is_not_marc_gives_one_clear_error(tmp_path, content, message):
    path = tmp_path / "file.mrc"
    path.write_bytes(content)
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("import_marc", str(path), stdout=StringIO())
    with pytest.raises(NotMarcError) as refused:
        _import(content)
    assert refused.value.code == ("empty_file" if message == "empty" else "not_marc")
    with translation.override("lt"), pytest.raises(CommandError, match="Failas"):
        call_command("import_marc", str(path), stdout=StringIO())


def test_broken_xml_keeps_the_records_before_the_damage():
    xml = marcxml(marc21(title="Prieš klaidą", control="XA"), marc21(title="Po", control="XB"))
    damaged = xml.replace(b"<record>", b"<record>", 1)
    cut = damaged[: damaged.rfind(b"<record")] + b"<record><leader>broken"
    summary = _import(cut)
    assert Record.objects.filter(title="Prieš klaidą").exists()
    assert summary.failed == 1
    assert "not well-formed" in summary.failures[0].reason


def test_invalid_json_lines_are_reported_one_by_one():
    data = marcjson_lines(marc21(title="Gera", control="JJ")) + b"{not json\n" + b'{"x": 1}\n'
    summary = _import(data)
    assert (summary.created, summary.failed) == (1, 2)


def test_a_broken_marc8_escape_is_reported_and_the_record_kept():
    good = marc21(title="\x1b(Bgera\x1b(B antraste", control="E1", utf8=False)
    broken = marc21(title="Bad \x1b(Zescape", control="E2", utf8=False)
    summary = _import(iso2709(good, broken))
    assert summary.created == 2
    assert [w for w in summary.warnings if "MARC-8 escape" in w] == [
        "record 2: broken MARC-8 escape sequence at byte "
        + summary.warnings[-1].split("at byte ")[1]
    ]
    assert "WARNING record 2: broken MARC-8 escape" in summary.report_text()


def _stored() -> list[tuple[object, ...]]:
    return list(
        Record.objects.order_by("control_number").values_list(
            "control_number", "title", "authors", "year", "isbns", "marc"
        )
    )


def _entries() -> list[tuple[str, ...]]:
    return list(
        SearchEntry.objects.order_by("record__control_number").values_list(
            "record__control_number", "title", "authors", "subjects", "other"
        )
    )


def test_worker_processes_import_exactly_what_one_process_does():
    records = [
        marc21(
            title=f"Knyga Nr. {n}",
            author="Žemaitė,",
            control=f"W{n}",
            source="LT-C1",
            isbn="9986-39-123-4" if n == 3 else "",
            subjects=("Lietuvių literatūra",),
        )
        for n in range(30)
    ]
    data = iso2709(*records) + _bad_length() + _truncated()
    alone = _import(data, workers=0, batch_size=7)
    stored, entries = _stored(), _entries()
    failures = [(f.number, f.reason) for f in alone.failures]
    Record.objects.all().delete()

    parallel = _import(data, workers=2, batch_size=7)

    assert (
        parallel.as_dict()
        == alone.as_dict()
        == {
            "read": 32,
            "created": 30,
            "updated": 0,
            "skipped": 0,
            "failed": 2,
            "items_created": 0,
            "items_updated": 0,
        }
    )
    assert [(f.number, f.reason) for f in parallel.failures] == failures
    assert [number for number, _reason in failures] == [31, 32]
    assert _stored() == stored
    assert _entries() == entries
    # A second run through the workers matches every record: nothing new is created.
    again = _import(data, workers=2, batch_size=7)
    assert (again.created, again.skipped, again.failed) == (0, 30, 2)


def test_the_fast_utf8_decoder_reads_records_exactly_as_pymarc_does():
    records = [
        marc21(
            title="Žemaitės raštai",
            subtitle="apsakymai",
            author="Žemaitė,",
            control="F1",
            isbn="9986-39-123-4",
            subjects=("Lietuvių literatūra", "Apsakymai"),
            items=({"a": "LT-C1", "b": "A", "c": "821", "i": "LB0001"},),
        ),
        unimarc(
            title="Metai",
            surname="Donelaitis",
            forename="Kristijonas",
            control="U1",
            holdings=({"a": "C1/BFS", "i": "LB0002", "l": "IN_PLACE"},),
        ),
        marc21(title="Plain ASCII title", control="F2", language="eng"),
    ]
    data = iso2709(*records)
    read = [parsed.record for parsed in readers.read(io.BytesIO(data))]
    assert len(read) == 3
    expected = [
        pymarc.Record(chunk + b"\x1d", to_unicode=True, force_utf8=True, hide_utf8_warnings=True)
        for chunk in data.split(b"\x1d")[:-1]
    ]
    assert [record.as_dict() for record in read if record] == [
        record.as_dict() for record in expected
    ]
    assert [[f.control_field for f in record.fields] for record in read if record] == [
        [f.control_field for f in record.fields] for record in expected
    ]
