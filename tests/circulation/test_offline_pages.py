"""The offline-upload page: a CSV file replayed at once, the batch page with its exceptions
report (line, code, what it means), the same file twice, files that cannot be an offline file,
permissions, CSRF, escaping and the list's query budget."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation.models import Loan, OfflineBatch, OfflineTransaction
from skaitykla.circulation.offline_forms import MAX_UPLOAD_BYTES
from skaitykla.core.models import AuditEntry
from tests.circulation.conftest import with_permission
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("circulation:offline")
PERMS = ("view_offlinebatch", "add_offlinebatch")


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English texts: the Lithuanian catalogue is filled in separately.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def desk_user(circ, client):
    user = with_permission(
        StaffUserFactory(username="offline-desk", home_library=circ.library), *PERMS
    )
    client.force_login(user)
    return user


@pytest.fixture
def items(circ):
    return [
        circ.item(barcode="OFF0001"),
        circ.item(barcode="OFF0002"),
        circ.item(barcode="OFF0003", status=ItemStatus.MISSING),
    ]


def offline_file(circ) -> bytes:
    card = circ.card.barcode
    return (
        "timestamp,action,card,item\n"
        f"2026-03-02T10:15:00+02:00,checkout,{card},OFF0001\n"
        f"2026-03-02T10:20:00+02:00,checkout,{card},OFF0003\n"
        f"2026-03-02T10:25:00+02:00,checkout,{card},NOSUCHITEM\n"
        f"2026-03-02 10:30,lend,{card},OFF0002\n"
        f"2026-03-02T10:15:00+02:00,checkout,{card},OFF0001\n"
        f"2026-03-02 10:35,checkout,{card},\n"
    ).encode()


def upload(client, content: bytes, name: str = "desk-2026-03-02.csv"):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content, "text/csv")})


def state() -> dict[str, object]:
    return {
        "batches": list(OfflineBatch.objects.order_by("id").values_list("id", "rows_done")),
        "rows": OfflineTransaction.objects.count(),
        "loans": list(Loan.objects.order_by("id").values_list("id", "returned_at")),
        "audit": AuditEntry.objects.count(),
    }


def test_upload_replays_the_file_and_shows_the_exceptions_report(circ, desk_user, client, items):
    response = upload(client, offline_file(circ))
    batch = OfflineBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("circulation:offline_batch", args=[batch.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The file is processed: 1 done, 5 exceptions."
    ]
    assert (batch.rows_total, batch.rows_done, batch.rows_failed) == (6, 1, 5)
    assert (batch.library_id, batch.uploaded_by_id, batch.file_name) == (
        circ.library.pk,
        desk_user.pk,
        "desk-2026-03-02.csv",
    )
    loan = Loan.objects.get()
    assert (loan.item_id, loan.reader_id, loan.channel) == (items[0].pk, circ.reader.pk, "offline")

    page = client.get(response["Location"])
    assert page.status_code == 200
    report = [(line.line, line.code, line.message) for line in page.context["report"]]
    assert report == [
        (3, "item_missing", "This item is recorded as missing."),
        (4, "item_not_found", "No item with this barcode."),
        (5, "bad_action", "The action must be checkout or checkin."),
        (6, "duplicate_row", "Already done: the same transaction appears earlier."),
        (7, "item_missing", "The item barcode is missing."),
    ]
    html = page.content.decode()
    for line, code, message in report:
        assert f"<td>{line}</td>" in html
        assert f"<code>{code}</code>" in html
        assert message in html

    listing = client.get(PAGE)
    assert listing.status_code == 200
    assert [b.pk for b in listing.context["batches"]] == [batch.pk]
    assert "desk-2026-03-02.csv" in listing.content.decode()


def test_the_same_file_twice_changes_nothing_and_says_so(circ, desk_user, client, items):
    content = offline_file(circ)
    client.get(upload(client, content)["Location"])  # shows (and so consumes) its message
    before = state()
    response = upload(client, content, name="renamed.csv")
    batch = OfflineBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("circulation:offline_batch", args=[batch.pk])
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("This file was already uploaded on ")
    assert message.endswith(f"(upload {batch.pk}): nothing was changed.")
    assert state() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a CSV text file"),
        ("zeros.csv", b"a,b\x00,c,d\n", "not a CSV text file"),
        ("report.pdf", b"%PDF-1.4 ...", "Upload a CSV file"),
        ("empty.csv", b"", "The submitted file is empty."),
        ("blank.csv", b"  \n\n ", "The file is empty."),
        ("huge.csv", b"x" * (MAX_UPLOAD_BYTES + 1), "The file is too big"),
    ],
)
def test_files_that_are_not_offline_files_get_a_form_error(
    circ, desk_user, client, items, name, content, message
):
    before = state()
    response = upload(client, content, name=name)
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert message in errors[0]
    assert message in response.content.decode()
    assert state() == before


def test_no_file_at_all(circ, desk_user, client):
    response = client.post(PAGE, {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["This field is required."]
    assert OfflineBatch.objects.count() == 0


def test_permissions(circ, client, items):
    before = state()
    nobody = with_permission(StaffUserFactory(username="no-offline"), "add_loan")
    client.force_login(nobody)
    assert client.get(PAGE).status_code == 403
    assert upload(client, offline_file(circ)).status_code == 403
    viewer = with_permission(
        StaffUserFactory(username="offline-viewer", home_library=circ.library),
        "view_offlinebatch",
    )
    client.force_login(viewer)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'type="file"' not in page.content.decode()
    assert upload(client, offline_file(circ)).status_code == 403
    assert state() == before


def test_a_batch_of_another_library_is_not_shown(circ, desk_user, client, items):
    batch = OfflineBatch.objects.create(digest="0" * 64, library=circ.other_library)
    assert client.get(reverse("circulation:offline_batch", args=[batch.pk])).status_code == 404
    assert batch not in client.get(PAGE).context["batches"]


def test_csrf_is_enforced(circ, desk_user, items, settings):
    before = state()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(desk_user)
    assert upload(csrf_client, offline_file(circ)).status_code == 403
    assert state() == before


def test_file_names_and_barcodes_are_escaped(circ, desk_user, client, items):
    content = b"2026-03-02 10:30,checkout,,<img src=x onerror=alert(1)>\n"
    response = upload(client, content, name="<script>alert(1)<script>.csv")
    assert response.status_code == 302
    for url in (PAGE, response["Location"]):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;script&gt;.csv" in client.get(PAGE).content.decode()


def test_list_query_count_does_not_grow_with_batches(circ, desk_user, client):
    OfflineBatch.objects.create(digest="a" * 64, library=circ.library, uploaded_by=desk_user)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for number in range(8):
        other = StaffUserFactory(username=f"uploader{number}")
        OfflineBatch.objects.create(
            digest=f"{number:064d}", library=circ.library, uploaded_by=other
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE)
    assert len(response.context["batches"]) == 9
    assert len(many) == len(few)
