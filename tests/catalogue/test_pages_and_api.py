"""Public catalogue pages, the API, MARC export and the staff upload processed as a task."""

from __future__ import annotations

import io
import json

import pymarc
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from skaitykla.accounts import roles
from skaitykla.catalogue.choices import ImportStatus, ItemStatus
from skaitykla.catalogue.models import ImportJob, Item, Record
from skaitykla.catalogue.services import run_import_job
from skaitykla.core.models import ServiceFact
from tests.catalogue.factories import ItemFactory, RecordFactory, indexed, iso2709, marc21, unimarc
from tests.factories import LibraryFactory, ReadingRoomFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(db):
    library = LibraryFactory(code="LT-C1", name="Lietuvos nacionalinė Martyno Mažvydo biblioteka")
    room = ReadingRoomFactory(library=library, code="LITUANICA", name="Lituanikos skaitykla")
    with TestCase.captureOnCommitCallbacks(execute=True):
        from skaitykla.catalogue.services import import_marc

        import_marc(
            handle=io.BytesIO(
                iso2709(
                    marc21(
                        title="Žemaitės raštai",
                        author="Žemaitė",
                        control="R1",
                        udc="821.172",
                        items=(
                            {"a": "LT-C1", "b": "LITUANICA", "h": "821.172", "p": "LV100"},
                            {"a": "LT-C1", "h": "821.172", "p": "LV101"},
                        ),
                    )
                )
            )
        )
    stored = Record.objects.get()
    loaned = Item.objects.get(barcode="LV101")
    loaned.status = ItemStatus.ON_LOAN
    loaned.due_back = "2026-12-24"
    loaned.save()
    assert room.pk
    return stored


def test_search_page_shows_results_facets_and_live_availability(client, record):
    response = client.get(reverse("catalogue:search"), {"q": "zemaites rastai"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Žemaitės raštai" in html
    assert reverse("catalogue:record", args=[record.pk]) in html
    assert "Lituanikos skaitykla" in html  # the reading-room facet
    assert ServiceFact.objects.filter(kind="search").count() == 1
    assert ServiceFact.objects.filter(kind="search_zero_result").count() == 0


def test_search_page_queries_do_not_grow_with_the_results(client, record):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("catalogue:search"), {"q": "raštai"})
        assert response.status_code == 200
        return len(captured)

    queries()  # warms whatever the page caches
    few = queries()
    library = record.items.first().library
    more = [RecordFactory(title=f"Raštai {n}", authors=["Žemaitė"]) for n in range(12)]
    for number, extra in enumerate(more):
        ItemFactory(record=extra, library=library, barcode=f"LV9{number:03d}")
    indexed(*more)
    assert queries() == few


def test_no_results_page_suggests_and_links_ask_a_librarian(client, record):
    response = client.get(reverse("catalogue:search"), {"q": "zemaitez"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "zemaites" in html  # the spelling suggestion
    assert reverse("portal:contacts") + "#ask-a-librarian" in html
    fact = ServiceFact.objects.get(kind="search_zero_result")
    assert (fact.category, fact.channel) == ("zemaitez", "web")


@pytest.mark.parametrize("q", ['"open', "&|!():*", "ir ar", "ą" * 10_000, "\x00"])
def test_hostile_queries_never_fail_the_page(client, record, q):
    response = client.get(reverse("catalogue:search"), {"q": q, "year_from": "x"})
    assert response.status_code == 200
    response = client.get(reverse("catalogue:search"), {"q": q, "page": "99999999999"})
    assert response.status_code == 200


def test_record_page_shows_every_item_with_its_status(client, record):
    response = client.get(reverse("catalogue:record", args=[record.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "LV100" in html
    assert "LV101" in html
    assert "2026-12-24" in html
    assert client.get(reverse("catalogue:record", args=[999999])).status_code == 404


def test_export_as_marc21_and_marcxml(client, record):
    binary = client.get(reverse("catalogue:export_marc21", args=[record.pk]))
    parsed = next(iter(pymarc.MARCReader(binary.content, to_unicode=True)))
    assert parsed["245"]["a"].startswith("Žemaitės raštai")
    xml = client.get(reverse("catalogue:export_marcxml", args=[record.pk]))
    assert xml["Content-Type"] == "application/marcxml+xml"
    assert pymarc.parse_xml_to_array(io.BytesIO(xml.content))[0]["001"].data == "R1"


def test_api_search_record_and_items(client, record):
    response = client.get("/api/v1/catalogue/search", {"q": "Žemaitė"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert hit["id"] == record.pk
    assert hit["availability"] == {
        "status": "available",
        "total": 2,
        "available": 1,
        "on_loan": 1,
        "earliest_due": "2026-12-24",
    }
    assert {f["value"] for f in body["facets"]["library"]} == {"LT-C1"}
    detail = client.get(f"/api/v1/catalogue/records/{record.pk}/").json()
    assert sorted(item["barcode"] for item in detail["items"]) == ["LV100", "LV101"]
    assert client.get("/api/v1/catalogue/items/lv100/").json()["reading_room"] == "LITUANICA"
    exported = client.get(f"/api/v1/catalogue/records/{record.pk}/marcxml")
    assert b"<record" in exported.content
    stop = client.get("/api/v1/catalogue/search", {"q": "ir"}).json()
    assert (stop["count"], stop["message"]) == (0, "Please use more specific words.")


def test_api_item_writes_are_for_staff_with_the_permission(client, record):
    payload = {"record": record.pk, "barcode": " lv-200 ", "library": "LT-C1"}
    assert client.post("/api/v1/catalogue/items/", payload).status_code in (401, 403)
    reference = StaffUserFactory(roles=[roles.REFERENCE_LIBRARIAN])
    client.force_login(reference)
    assert client.post("/api/v1/catalogue/items/", payload).status_code == 403
    head = StaffUserFactory(roles=[roles.HEAD_OF_DEPARTMENT])
    client.force_login(head)
    created = client.post("/api/v1/catalogue/items/", payload)
    assert created.status_code == 201, created.content
    assert created.json()["barcode"] == "LV-200"
    duplicate = client.post("/api/v1/catalogue/items/", {**payload, "barcode": "ＬＶ-200"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_barcode"
    changed = client.patch(
        "/api/v1/catalogue/items/LV-200/",
        data=json.dumps({"status": "in_transit", "reading_room": "LITUANICA"}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "in_transit"
    assert changed.json()["reading_room"] == "LITUANICA"


def test_staff_upload_is_imported_by_the_task_with_progress(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    library = LibraryFactory(code="LT-C1")
    head = StaffUserFactory(roles=[roles.HEAD_OF_DEPARTMENT])
    client.force_login(head)
    data = (
        iso2709(
            unimarc(
                title="Dėdės ir dėdienės",
                surname="Vaižgantas",
                control="U1",
                holdings=({"a": "C1", "c": "821.172", "i": "LV300"},),
            ),
        )
        + b"00042broken"
    )
    upload = SimpleUploadedFile("libis.mrc", data, content_type="application/octet-stream")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = client.post(
            reverse("catalogue:import"), {"file": upload, "format": "auto", "library": "LT-C1"}
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # the enqueue waits for the commit
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = run_import_job(job_id=job.pk)
    assert (job.status, job.read, job.created, job.failed, job.items) == (
        ImportStatus.DONE,
        2,
        1,
        1,
        1,
    )
    assert job.percent == 100
    assert "FAILED record 2" in job.report
    assert run_import_job(job_id=job.pk).finished_at == job.finished_at  # run once only
    assert Record.objects.count() == 1
    assert Item.objects.get(barcode="LV300").library == library
    page = client.get(reverse("catalogue:import_detail", args=[job.pk]))
    assert "FAILED record 2" in page.content.decode()
    indexed(*Record.objects.all())
    assert client.get("/api/v1/catalogue/search", {"q": "dedes"}).json()["count"] == 1


def test_staff_upload_needs_the_import_permission(client):
    desk = StaffUserFactory(roles=[roles.DESK_LIBRARIAN])
    client.force_login(desk)
    assert client.get(reverse("catalogue:import")).status_code == 403


def test_a_record_without_items_says_so(client, db):
    bare = RecordFactory(title="Be egzempliorių")
    indexed(bare)
    html = client.get(reverse("catalogue:record", args=[bare.pk])).content.decode()
    assert "Be egzempliorių" in html
    assert ItemFactory._meta.model.objects.count() == 0
