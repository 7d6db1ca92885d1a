"""Circulation API: checkout, check-in, renew, holds, orders; 409 bodies; staff by role; a
reader (reader session) acts only on their own loans, holds and orders (404 otherwise)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation import services
from skaitykla.circulation.choices import HoldStatus, StackOrderStatus
from skaitykla.circulation.models import Hold, Loan, StackOrder
from skaitykla.core.models import AuditEntry
from tests.circulation.conftest import state_of, with_permission
from tests.factories import ReadingRoomFactory, StaffUserFactory
from tests.patrons.factories import TEST_PIN

pytestmark = pytest.mark.django_db

API = "/api/v1/circulation"
STAFF_PERMS = (
    "view_loan",
    "add_loan",
    "change_loan",
    "view_hold",
    "add_hold",
    "change_hold",
    "view_stackorder",
    "add_stackorder",
    "handle_stack_orders",
)


@pytest.fixture
def staff(circ):
    return with_permission(
        StaffUserFactory(username="api-desk", home_library=circ.library), *STAFF_PERMS
    )


@pytest.fixture
def api(client, staff):
    client.force_login(staff)
    return client


def post(client, path, data=None):
    return client.post(f"{API}/{path}", data or {}, content_type="application/json")


def reader_client(card) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("patrons:reader_login"))
    token = response.cookies["csrftoken"].value
    response = client.post(
        reverse("patrons:reader_login"),
        {"card_number": card.barcode, "pin": TEST_PIN, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    client.csrf_token = client.cookies["csrftoken"].value  # type: ignore[attr-defined]
    return client


def reader_post(client, path, data=None):
    return client.post(
        f"{API}/{path}",
        data or {},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.csrf_token,
    )


def lend(circ, item, reader=None):
    return services.checkout_item(
        item_barcode=item.barcode,
        reader=reader or circ.reader,
        library=circ.library,
        channel="desk",
    )


# --- Checkout / check-in ------------------------------------------------------------------------


def test_checkout_by_card(api, circ, staff):
    item = circ.item()
    response = post(
        api, "checkout", {"item_barcode": item.barcode, "card_barcode": circ.card.barcode.lower()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    loan = Loan.objects.get(item=item)
    assert body["id"] == loan.pk
    assert body["reader"] == circ.reader.pk
    assert body["item_barcode"] == item.barcode
    assert body["library"] == circ.library.code
    assert body["kind"] == "home"
    assert loan.channel == "api"
    assert loan.checked_out_by == staff


def test_checkout_refusal_is_409_and_changes_nothing(api, circ):
    other, _card = circ.new_reader()
    item = circ.item()
    lend(circ, item, other)
    before = state_of(item)
    response = post(api, "checkout", {"item_barcode": item.barcode, "reader": circ.reader.pk})
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"code", "detail", "overridable"}
    assert (body["code"], body["overridable"]) == ("item_on_loan", False)
    assert body["detail"]
    assert state_of(item) == before


def test_override_needs_the_permission(api, client, circ, staff):
    item = circ.item(status=ItemStatus.MISSING)
    payload = {"item_barcode": item.barcode, "reader": circ.reader.pk}
    response = post(api, "checkout", payload)
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["overridable"]) == ("item_missing", True)
    before = state_of(item)
    response = post(api, "checkout", {**payload, "override": ["item_missing"]})
    assert (response.status_code, response.json()["code"]) == (409, "override_not_permitted")
    assert state_of(item) == before
    with_permission(staff, "override_refusal")
    client.force_login(staff)
    response = post(client, "checkout", {**payload, "override": ["item_missing"]})
    assert response.status_code == 201
    assert AuditEntry.objects.get(action="circulation.override").detail["code"] == "item_missing"


def test_checkout_validation_and_unknowns(api, circ):
    assert post(api, "checkout", {"item_barcode": "X"}).status_code == 400
    response = post(api, "checkout", {"item_barcode": "NOPE", "reader": circ.reader.pk})
    assert (response.status_code, response.json()["code"]) == (404, "item_not_found")
    response = post(api, "checkout", {"item_barcode": "NOPE", "reader": 999999})
    assert response.status_code == 404


def test_checkin_traps_for_a_hold(api, circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    waiting, _card = circ.new_reader()
    hold = services.place_hold(
        reader=waiting, record=record, pickup_library=circ.library, channel="desk"
    )
    response = post(api, "checkin", {"item_barcode": item.barcode})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["loan"]["returned_at"] is not None
    assert (body["hold"], body["hold_status"]) == (hold.pk, HoldStatus.READY)
    assert body["in_transit_to"] is None
    assert body["in_house_use"] is False
    assert body["fine"] == "0.00"


def test_anonymous_and_unprivileged_are_refused(client, circ):
    item = circ.item()
    assert post(client, "checkout", {"item_barcode": item.barcode, "reader": 1}).status_code in (
        401,
        403,
    )
    client.force_login(StaffUserFactory(username="plain", home_library=circ.library))
    assert post(client, "checkin", {"item_barcode": item.barcode}).status_code == 403
    assert Loan.objects.count() == 0


# --- Renewal ----------------------------------------------------------------------------------


def test_staff_renew_and_refusal(api, circ):
    loan = lend(circ, circ.item())
    response = post(api, "renew", {"loan": loan.pk})
    assert response.status_code == 200
    assert response.json()["renewals_count"] == 1
    circ.policy.renewals_allowed = 1
    circ.policy.save()
    response = post(api, "renew", {"loan": loan.pk})
    assert (response.status_code, response.json()["code"]) == (409, "renewal_limit")
    loan.refresh_from_db()
    assert loan.renewals_count == 1


def test_reader_renews_only_their_own(circ):
    mine = lend(circ, circ.item())
    other, _other_card = circ.new_reader()
    theirs = lend(circ, circ.item(), other)
    me = reader_client(circ.card)
    response = reader_post(me, "renew", {"loan": mine.pk})
    assert response.status_code == 200, response.content
    assert response.json()["renewals_count"] == 1
    response = reader_post(me, "renew", {"loan": theirs.pk})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.renewals_count == 0
    # A reader may not override.
    assert reader_post(me, "renew", {"loan": mine.pk, "override": ["x"]}).status_code == 403


def test_reader_writes_need_the_csrf_token(circ):
    loan = lend(circ, circ.item())
    me = reader_client(circ.card)
    response = me.post(f"{API}/renew", {"loan": loan.pk}, content_type="application/json")
    assert response.status_code == 403
    loan.refresh_from_db()
    assert loan.renewals_count == 0


# --- Holds -------------------------------------------------------------------------------------


def test_holds_place_list_cancel_by_staff(api, circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item)
    waiting, _card = circ.new_reader()
    response = post(
        api,
        "holds",
        {"reader": waiting.pk, "record": record.pk, "pickup_library": circ.library.code},
    )
    assert response.status_code == 201, response.content
    hold_id = response.json()["id"]
    assert response.json()["position"] == 1
    listed = api.get(f"{API}/holds", {"reader": waiting.pk}).json()
    assert [row["id"] for row in listed] == [hold_id]
    response = post(api, f"holds/{hold_id}/cancel")
    assert (response.status_code, response.json()["status"]) == (200, HoldStatus.CANCELLED)


def test_reader_holds_are_their_own(circ):
    record, (item,) = circ.record_with_items(1)
    lend(circ, item, circ.new_reader()[0])
    other, _card = circ.new_reader()
    theirs = services.place_hold(
        reader=other, record=record, pickup_library=circ.library, channel="desk"
    )
    me = reader_client(circ.card)
    # Placing for someone else: 404; for themself: fine.
    response = reader_post(
        me, "holds", {"reader": other.pk, "record": record.pk, "pickup_library": circ.library.code}
    )
    assert response.status_code == 404
    response = reader_post(me, "holds", {"record": record.pk, "pickup_library": circ.library.code})
    assert response.status_code == 201, response.content
    mine = response.json()["id"]
    assert [row["id"] for row in me.get(f"{API}/holds").json()] == [mine]
    assert me.get(f"{API}/holds", {"reader": other.pk}).status_code == 404
    assert reader_post(me, f"holds/{theirs.pk}/cancel").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == HoldStatus.WAITING
    assert reader_post(me, f"holds/{mine}/cancel").status_code == 200
    assert Hold.objects.get(pk=mine).status == HoldStatus.CANCELLED


# --- Orders ------------------------------------------------------------------------------------


def _order(circ, reader, room, item):
    now = timezone.now()
    return StackOrder.objects.create(
        reader=reader,
        item=item,
        room=room,
        for_day=timezone.localdate(),
        status=StackOrderStatus.ORDERED,
        ordered_at=now,
        status_changed_at=now,
        channel="desk",
    )


def test_order_transitions_by_staff(api, circ):
    room = ReadingRoomFactory(library=circ.library, code="R1")
    order = _order(circ, circ.reader, room, circ.item(loan_type="closed_stack"))
    response = post(api, f"orders/{order.pk}/fetch")
    assert (response.status_code, response.json()["status"]) == (200, "fetching")
    response = post(api, f"orders/{order.pk}/return")
    assert (response.status_code, response.json()["code"]) == (409, "order_state")
    order.refresh_from_db()
    assert order.status == StackOrderStatus.FETCHING
    assert post(api, f"orders/{order.pk}/fly").status_code == 404
    listed = api.get(f"{API}/orders", {"reader": circ.reader.pk}).json()
    assert [row["id"] for row in listed] == [order.pk]


def test_reader_cancels_only_their_own_order(circ):
    room = ReadingRoomFactory(library=circ.library, code="R1")
    mine = _order(circ, circ.reader, room, circ.item(loan_type="closed_stack"))
    other, _card = circ.new_reader()
    theirs = _order(circ, other, room, circ.item(loan_type="closed_stack"))
    me = reader_client(circ.card)
    assert reader_post(me, f"orders/{mine.pk}/fetch").status_code in (401, 403)
    assert reader_post(me, f"orders/{theirs.pk}/cancel").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == StackOrderStatus.ORDERED
    assert [row["id"] for row in me.get(f"{API}/orders").json()] == [mine.pk]
    response = reader_post(me, f"orders/{mine.pk}/cancel")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
