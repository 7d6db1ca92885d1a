"""The staff kiosk pages: kiosk accounts (create, edit, new password, deactivate) through the
sip2 services, passwords hashed and never shown again nor logged nor audited, the offline
(no-block) transactions for reconciliation, permissions, CSRF, escaping and query budgets."""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skaitykla.core.models import AuditEntry
from skaitykla.sip2.models import KioskAccount
from skaitykla.sip2.services import authenticate_kiosk, record_no_block
from tests.factories import LibraryFactory, ServicePointFactory, StaffUserFactory
from tests.sip2.support import KIOSK_PASSWORD, make_kiosk

pytestmark = pytest.mark.django_db

LIST = reverse("sip2:kiosks")
NEW = reverse("sip2:kiosk_new")
NO_BLOCK = reverse("sip2:no_block")
TYPED = "Typed-Kiosk-Pass-93"
PASSWORDS = {"new_password": TYPED, "confirm_password": TYPED}


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English texts: the Lithuanian catalogue is filled in separately.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def manager_user(username: str = "kiosk-head"):
    user = StaffUserFactory(username=username)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sip2", codename="manage_kiosks")
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def manager(client, db):
    user = manager_user()
    client.force_login(user)
    return user


def kiosk_data(library, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "selfcheck-2",
        "library": library.pk,
        "service_point": "",
        "location_code": "LT-TEST-2",
        "allow_checkout": "on",
        "allow_checkin": "on",
        "encoding": "cp850",
        "error_detection_required": "on",
        "language": "en",
        "is_active": "on",
        "new_password": TYPED,
        "confirm_password": TYPED,
    }
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def kiosk_state() -> list[tuple[object, ...]]:
    return list(
        KioskAccount.objects.order_by("id").values_list(
            "id", "username", "password", "library_id", "location_code", "encoding", "is_active"
        )
    )


def audit_text() -> str:
    return json.dumps(
        list(AuditEntry.objects.values_list("action", "detail", "object_id")), default=str
    )


# --- Accounts --------------------------------------------------------------------------------


def test_create_with_a_typed_password(library, manager, client, caplog):
    point = ServicePointFactory(library=library)
    caplog.set_level(logging.DEBUG)
    response = client.post(NEW, kiosk_data(library, service_point=point.pk, allow_renew="on"))
    assert response.status_code == 302
    assert response["Location"] == LIST
    kiosk = KioskAccount.objects.get(username="selfcheck-2")
    assert (kiosk.library_id, kiosk.service_point_id, kiosk.location_code) == (
        library.pk,
        point.pk,
        "LT-TEST-2",
    )
    assert (
        kiosk.allow_checkout,
        kiosk.allow_checkin,
        kiosk.allow_renew,
        kiosk.allow_patron_information,
        kiosk.allow_fee_paid,
        kiosk.allow_block_patron,
    ) == (True, True, True, False, False, False)
    assert (kiosk.encoding, kiosk.error_detection_required, kiosk.language, kiosk.is_active) == (
        "cp850",
        True,
        "en",
        True,
    )
    assert kiosk.check_password(TYPED)
    assert TYPED not in kiosk.password
    entry = AuditEntry.objects.get(action="sip2.kiosk_created")
    assert (entry.object_id, entry.actor_id) == (str(kiosk.pk), str(manager.pk))
    assert entry.detail["password_changed"] is True
    for page in (client.get(LIST), client.get(reverse("sip2:kiosk_edit", args=[kiosk.pk]))):
        assert page.status_code == 200
        assert TYPED not in page.content.decode()
    assert TYPED not in audit_text()
    assert TYPED not in caplog.text


def test_create_with_a_generated_password_shows_it_once(library, manager, client, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.post(NEW, kiosk_data(library, new_password="", confirm_password=""))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = response.context["password"]
    assert len(shown) >= 16
    assert f'value="{shown}"' in response.content.decode()
    kiosk = KioskAccount.objects.get(username="selfcheck-2")
    assert kiosk.check_password(shown)
    assert authenticate_kiosk(username="selfcheck-2", password=shown) == kiosk
    for url in (LIST, reverse("sip2:kiosk_edit", args=[kiosk.pk])):
        assert shown not in client.get(url).content.decode()
    assert shown not in audit_text()
    assert shown not in caplog.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "kiosk1"}, "username", "already exists"),
        ({"username": ""}, "username", "This field is required."),
        ({"new_password": "short", "confirm_password": "short"}, "new_password", "at least 10"),
        ({"confirm_password": "Another-Pass-93"}, "confirm_password", "The two passwords differ."),
        ({"encoding": "latin-1"}, "encoding", "Select a valid choice."),
        ({"language": "de"}, "language", "Select a valid choice."),
    ],
)
def test_refused_new_accounts_change_nothing(
    library, kiosk, manager, client, changes, field, message
):
    before, audit = kiosk_state(), AuditEntry.objects.count()
    response = client.post(NEW, kiosk_data(library, **changes))
    assert response.status_code == 400
    form = response.context["form"]
    errors = dict(form.errors)
    errors.update(form.password_form.errors)
    assert list(errors) == [field]
    assert message in errors[field][0]
    html = response.content.decode()
    assert TYPED not in html
    assert kiosk_state() == before
    assert AuditEntry.objects.count() == audit


def test_a_service_point_of_another_library_is_refused(library, manager, client):
    elsewhere = ServicePointFactory(library=LibraryFactory(code="LT-ELSE"))
    response = client.post(NEW, kiosk_data(library, service_point=elsewhere.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["service_point"] == [
        "This service point belongs to another library."
    ]
    assert not KioskAccount.objects.exists()


def test_edit_changes_settings_and_keeps_the_password_and_name(library, kiosk, manager, client):
    other = LibraryFactory(code="LT-OTHER")
    data = kiosk_data(
        other,
        username="renamed",
        location_code="LT-OTHER",
        allow_checkout=None,
        encoding="utf-8",
        error_detection_required=None,
        language="lt",
        new_password=None,
        confirm_password=None,
    )
    response = client.post(reverse("sip2:kiosk_edit", args=[kiosk.pk]), data)
    assert response.status_code == 302
    kiosk.refresh_from_db()
    assert (kiosk.username, kiosk.library_id, kiosk.location_code) == (
        "kiosk1",
        other.pk,
        "LT-OTHER",
    )
    assert (kiosk.allow_checkout, kiosk.allow_checkin, kiosk.encoding) == (False, True, "utf-8")
    assert (kiosk.error_detection_required, kiosk.language, kiosk.is_active) == (False, "lt", True)
    assert kiosk.check_password(KIOSK_PASSWORD)
    entry = AuditEntry.objects.get(action="sip2.kiosk_changed")
    assert entry.detail["password_changed"] is False


def test_refused_edit_changes_nothing(library, kiosk, manager, client):
    before = kiosk_state()
    response = client.post(
        reverse("sip2:kiosk_edit", args=[kiosk.pk]), kiosk_data(library, encoding="ebcdic")
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["encoding"]
    assert kiosk_state() == before


def test_set_a_typed_password(library, kiosk, manager, client, caplog):
    caplog.set_level(logging.DEBUG)
    url = reverse("sip2:kiosk_password", args=[kiosk.pk])
    response = client.post(url, {"new_password": TYPED, "confirm_password": TYPED})
    assert response.status_code == 302
    kiosk.refresh_from_db()
    assert kiosk.check_password(TYPED)
    assert not kiosk.check_password(KIOSK_PASSWORD)
    assert TYPED not in client.get(response["Location"]).content.decode()
    assert TYPED not in client.get(url).content.decode()
    assert TYPED not in audit_text()
    assert TYPED not in caplog.text


def test_set_a_generated_password(library, kiosk, manager, client):
    url = reverse("sip2:kiosk_password", args=[kiosk.pk])
    response = client.post(url, {"new_password": "", "confirm_password": ""})
    assert response.status_code == 200
    shown = response.context["password"]
    kiosk.refresh_from_db()
    assert kiosk.check_password(shown)
    assert shown not in client.get(LIST).content.decode()


def test_refused_password_changes_nothing(library, kiosk, manager, client):
    before = kiosk_state()
    url = reverse("sip2:kiosk_password", args=[kiosk.pk])
    response = client.post(url, {"new_password": TYPED, "confirm_password": TYPED + "x"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"confirm_password": ["The two passwords differ."]}
    assert TYPED not in response.content.decode()
    assert kiosk_state() == before


def test_deactivate(library, kiosk, manager, client):
    url = reverse("sip2:kiosk_deactivate", args=[kiosk.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    kiosk.refresh_from_db()
    assert kiosk.is_active is False
    assert authenticate_kiosk(username="kiosk1", password=KIOSK_PASSWORD) is None
    assert AuditEntry.objects.get(action="sip2.kiosk_changed").detail == {
        "fields": ["is_active"],
        "password_changed": False,
    }
    assert "deactivated" in client.get(LIST).content.decode()


def test_list_query_count_is_constant(library, kiosk, manager, client):
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for number in range(6):
        make_kiosk(
            LibraryFactory(code=f"LT-K{number}"),
            username=f"kiosk-extra-{number}",
            service_point=ServicePointFactory(),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["kiosks"]) == 7
    assert len(many) == len(few)


def test_text_fields_are_escaped(library, manager, client):
    response = client.post(NEW, kiosk_data(library, location_code="<script>alert(1)</script>"))
    assert response.status_code == 302
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Offline kiosk transactions (no block) ---------------------------------------------------


def test_no_block_list_and_mark_reviewed(library, kiosk, manager, client):
    applied = record_no_block(
        kiosk=kiosk, kind="checkout", item_barcode="IT0001", card_barcode="C1"
    )
    refused = record_no_block(
        kiosk=kiosk,
        kind="checkout",
        item_barcode="IT0002",
        card_barcode="C1",
        error_code="reader_blocked",
        error_message="<script>alert(1)</script> The reader is blocked.",
    )
    response = client.get(NO_BLOCK)
    assert response.status_code == 200
    assert [entry.pk for entry in response.context["entries"]] == [refused.pk]
    html = response.content.decode()
    assert "reader_blocked" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    everything = client.get(NO_BLOCK, {"show": "all"})
    assert [entry.pk for entry in everything.context["entries"]] == [refused.pk, applied.pk]

    url = reverse("sip2:no_block_reviewed", args=[refused.pk])
    assert client.post(url).status_code == 302
    refused.refresh_from_db()
    reviewed_at = refused.resolved_at
    assert reviewed_at is not None
    assert client.post(url).status_code == 302  # twice: nothing more happens
    refused.refresh_from_db()
    assert refused.resolved_at == reviewed_at
    entries = AuditEntry.objects.filter(action="sip2.no_block_reviewed")
    assert [(e.object_id, e.actor_id) for e in entries] == [(str(refused.pk), str(manager.pk))]
    assert client.get(NO_BLOCK).context["entries"] == []


def test_no_block_list_query_count_is_constant(library, kiosk, manager, client):
    record_no_block(kiosk=kiosk, kind="checkin", item_barcode="IT1", error_code="item_not_found")
    client.get(NO_BLOCK)
    with CaptureQueriesContext(connection) as few:
        client.get(NO_BLOCK)
    for number in range(6):
        other = make_kiosk(LibraryFactory(code=f"LT-N{number}"), username=f"nb-{number}")
        record_no_block(kiosk=other, kind="checkout", item_barcode="X", error_code="item_on_loan")
    with CaptureQueriesContext(connection) as many:
        response = client.get(NO_BLOCK)
    assert len(response.context["entries"]) == 7
    assert len(many) == len(few)


# --- Permissions, CSRF, menu -----------------------------------------------------------------


def test_staff_without_manage_kiosks_get_403_and_nothing_changes(library, kiosk, client):
    entry = record_no_block(kiosk=kiosk, kind="checkout", item_barcode="I", error_code="x")
    viewer = StaffUserFactory(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="sip2", codename="view_kioskaccount")
    )
    client.force_login(viewer)
    before, audit = kiosk_state(), AuditEntry.objects.count()
    gets = [
        LIST,
        NEW,
        NO_BLOCK,
        reverse("sip2:kiosk_edit", args=[kiosk.pk]),
        reverse("sip2:kiosk_password", args=[kiosk.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        (NEW, kiosk_data(library)),
        (reverse("sip2:kiosk_edit", args=[kiosk.pk]), kiosk_data(library, new_password=None)),
        (
            reverse("sip2:kiosk_password", args=[kiosk.pk]),
            {"new_password": TYPED, "confirm_password": TYPED},
        ),
        (reverse("sip2:kiosk_deactivate", args=[kiosk.pk]), {}),
        (reverse("sip2:no_block_reviewed", args=[entry.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert kiosk_state() == before
    assert AuditEntry.objects.count() == audit
    entry.refresh_from_db()
    assert entry.resolved_at is None
    assert 'href="/staff/kiosks/"' not in client.get(reverse("accounts:dashboard")).content.decode()


def test_csrf_is_enforced(library, kiosk, manager):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(manager)
    before = kiosk_state()
    assert csrf_client.post(NEW, kiosk_data(library)).status_code == 403
    assert csrf_client.post(reverse("sip2:kiosk_deactivate", args=[kiosk.pk])).status_code == 403
    url = reverse("sip2:kiosk_password", args=[kiosk.pk])
    assert (
        csrf_client.post(url, {"new_password": TYPED, "confirm_password": TYPED}).status_code == 403
    )
    assert kiosk_state() == before


def test_staff_menu_links_the_kiosk_pages_for_managers(manager, client):
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'href="/staff/kiosks/"' in html
