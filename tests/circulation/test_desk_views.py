"""Staff circulation screens: the scan-driven desk (htmx and plain POST), check-in, in-house use,
hold shelf, pick list and a reader's circulation page (with its query budget)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation import services
from skaitykla.circulation.choices import HoldStatus, StackOrderStatus
from skaitykla.circulation.models import Fee, Hold, InHouseUse, Loan, StackOrder
from skaitykla.core.models import AuditEntry
from tests.circulation.conftest import state_of, with_permission
from tests.factories import ReadingRoomFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

DESK_PERMS = (
    "view_loan",
    "add_loan",
    "change_loan",
    "view_hold",
    "add_hold",
    "change_hold",
    "add_inhouseuse",
)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English texts: the Lithuanian catalogue is filled in separately.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def desk_user(circ):
    return with_permission(
        StaffUserFactory(username="counter", home_library=circ.library), *DESK_PERMS
    )


@pytest.fixture
def boss(circ):
    return with_permission(
        StaffUserFactory(username="boss", home_library=circ.library),
        *DESK_PERMS,
        "override_refusal",
        "manage_fees",
        "handle_stack_orders",
    )


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


def scan_card(client, card, **extra):
    return client.post(reverse("circulation:desk"), {"card": card.barcode}, **extra)


def checkout_url(circ):
    return reverse("circulation:desk_checkout", args=[circ.reader.pk])


def text(response) -> str:
    return response.content.decode()


# --- Desk: the card ----------------------------------------------------------------------------


def test_card_scan_without_js_redirects_and_audits(desk, circ, desk_user):
    response = desk.get(reverse("circulation:desk"))
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="card"[^>]*autofocus', text(response))
    response = scan_card(desk, circ.card)
    assert response.status_code == 302
    assert response["Location"] == reverse("circulation:desk_reader", args=[circ.reader.pk])
    assert circ.card.barcode not in response["Location"]  # never a card number in a URL
    entry = AuditEntry.objects.get(action="patrons.reader.viewed")
    assert (entry.actor_id, entry.object_id) == (str(desk_user.pk), str(circ.reader.pk))
    page = text(desk.get(response["Location"]))
    assert circ.reader.last_name in page
    assert re.search(r'<input[^>]*name="item_barcode"[^>]*autofocus', page)
    assert 'aria-live="polite"' in page


def test_unknown_card_is_answered_on_the_form(desk, circ):
    response = desk.post(reverse("circulation:desk"), {"card": "NO-SUCH"}, **HTMX)
    assert response.status_code == 200
    assert "No reader with this card." in text(response)
    assert 'role="alert"' in text(response)
    assert not AuditEntry.objects.filter(action="patrons.reader.viewed").exists()


def test_card_scan_with_htmx_answers_in_place(desk, circ):
    response = scan_card(desk, circ.card, **HTMX)
    assert response.status_code == 200
    assert "<html" not in text(response)
    assert response["HX-Push-Url"] == reverse("circulation:desk_reader", args=[circ.reader.pk])
    assert re.search(r'<input[^>]*name="item_barcode"[^>]*autofocus', text(response))
    # The card input gives focus up once a reader is on the desk.
    assert not re.search(r'<input[^>]*name="card"[^>]*autofocus', text(response))


def test_desk_needs_the_permission(client, circ):
    client.force_login(StaffUserFactory(username="nobody", home_library=circ.library))
    assert client.get(reverse("circulation:desk")).status_code == 403
    assert client.post(checkout_url(circ), {"item_barcode": "X"}).status_code == 403
    assert Loan.objects.count() == 0


# --- Desk: items -------------------------------------------------------------------------------


def test_checkout_with_htmx_answers_with_the_due_date(desk, circ, desk_user):
    item = circ.item()
    scan_card(desk, circ.card)
    response = desk.post(checkout_url(circ), {"item_barcode": item.barcode}, **HTMX)
    assert response.status_code == 200
    loan = Loan.objects.get(item=item, reader=circ.reader)
    due = timezone.localtime(loan.due_at)
    body = text(response)
    assert f"{item.record.title}: due" in body
    assert f"{due:%Y-%m-%d %H:%M}" in body  # the loans list
    # The fresh scan box (focus goes back there), the answer and the lists, swapped in place.
    assert re.search(r'<form id="desk-item-form"[^>]*>', body)
    assert re.search(r'<input[^>]*name="item_barcode"[^>]*autofocus', body)
    assert '<div id="desk-answer" hx-swap-oob="innerHTML">' in body
    assert '<div id="desk-lists" hx-swap-oob="innerHTML">' in body
    assert "Override" not in body
    audit = AuditEntry.objects.get(action="circulation.checkout")
    assert (audit.actor_id, audit.object_id) == (str(desk_user.pk), str(loan.pk))
    assert item.barcode in body


def test_checkout_without_js_keeps_the_answer_for_the_next_page(desk, circ):
    item = circ.item()
    scan_card(desk, circ.card)
    response = desk.post(checkout_url(circ), {"item_barcode": item.barcode})
    assert response.status_code == 302
    page = text(desk.get(response["Location"]))
    assert f"{item.record.title}: due" in page
    # Shown once.
    assert f"{item.record.title}: due" not in text(desk.get(response["Location"]))


def test_refusal_with_override_permission_offers_the_button(client, circ, boss):
    client.force_login(boss)
    item = circ.item(status=ItemStatus.MISSING)
    scan_card(client, circ.card)
    before = state_of(item)
    response = client.post(checkout_url(circ), {"item_barcode": item.barcode}, **HTMX)
    body = text(response)
    assert "This item is recorded as missing." in body
    assert 'data-code="item_missing"' in body
    assert re.search(r'<input type="hidden" name="override" value="item_missing">', body)
    assert "Override" in body
    assert state_of(item) == before

    response = client.post(
        checkout_url(circ),
        {"item_barcode": item.barcode, "override": "item_missing"},
        **HTMX,
    )
    assert ": due" in text(response)
    loan = Loan.objects.get(item=item)
    override = AuditEntry.objects.get(action="circulation.override")
    assert override.detail == {"code": "item_missing", "for": "checkout"}
    assert (override.actor_id, override.object_id) == (str(boss.pk), str(loan.pk))


def test_refusal_without_override_permission_has_no_button(desk, circ):
    item = circ.item(status=ItemStatus.MISSING)
    scan_card(desk, circ.card)
    before = state_of(item)
    response = desk.post(checkout_url(circ), {"item_barcode": item.barcode}, **HTMX)
    assert "This item is recorded as missing." in text(response)
    assert "Override" not in text(response)
    # Forcing the override anyway is refused and changes nothing.
    response = desk.post(
        checkout_url(circ), {"item_barcode": item.barcode, "override": "item_missing"}, **HTMX
    )
    assert "You may not override circulation refusals." in text(response)
    assert state_of(item) == before
    assert not AuditEntry.objects.filter(action="circulation.override").exists()


def test_hard_refusal_has_no_override(client, circ, boss):
    client.force_login(boss)
    other, _card = circ.new_reader()
    item = circ.item()
    services.checkout_item(
        item_barcode=item.barcode, reader=other, library=circ.library, channel="desk"
    )
    scan_card(client, circ.card)
    before = state_of(item)
    response = client.post(checkout_url(circ), {"item_barcode": item.barcode}, **HTMX)
    assert "on loan to another reader" in text(response)
    assert "Override" not in text(response)
    assert state_of(item) == before


def test_lost_card_is_refused(desk, circ):
    item = circ.item()
    scan_card(desk, circ.card)
    circ.card.state = "lost"
    circ.card.save(update_fields=["state"])
    before = state_of(item)
    response = desk.post(checkout_url(circ), {"item_barcode": item.barcode}, **HTMX)
    assert "This card was reported lost or replaced." in text(response)
    assert state_of(item) == before


def test_renew_from_the_desk(desk, circ):
    item = circ.item()
    loan = services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    scan_card(desk, circ.card)
    page = text(desk.get(reverse("circulation:desk_reader", args=[circ.reader.pk])))
    renew_url = reverse("circulation:desk_renew", args=[circ.reader.pk, loan.pk])
    assert renew_url in page
    response = desk.post(renew_url, **HTMX)
    assert "renewed: due" in text(response)
    loan.refresh_from_db()
    assert loan.renewals_count == 1


def test_renew_refusal_and_override_from_the_desk(client, circ, boss):
    client.force_login(boss)
    circ.policy.renewals_allowed = 0
    circ.policy.save()
    item = circ.item()
    loan = services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    renew_url = reverse("circulation:desk_renew", args=[circ.reader.pk, loan.pk])
    before = state_of(item)
    body = text(client.post(renew_url, **HTMX))
    assert f"{item.record.title}: This loan cannot be renewed again." in body
    assert f'action="{renew_url}"' in body  # the Override button re-posts the renewal
    assert '<input type="hidden" name="override" value="renewal_limit">' in body
    assert state_of(item) == before
    body = text(client.post(renew_url, {"override": "renewal_limit"}, **HTMX))
    assert "renewed: due" in body
    loan.refresh_from_db()
    assert loan.renewals_count == 1
    entry = AuditEntry.objects.get(action="circulation.override")
    assert entry.detail["code"] == "renewal_limit"


def test_override_without_js(client, circ, boss):
    client.force_login(boss)
    item = circ.item(status=ItemStatus.MISSING)
    scan_card(client, circ.card)
    response = client.post(checkout_url(circ), {"item_barcode": item.barcode})
    page = text(client.get(response["Location"]))
    assert "This item is recorded as missing." in page
    assert re.search(rf'<form method="post" action="{checkout_url(circ)}"', page)
    response = client.post(
        checkout_url(circ), {"item_barcode": item.barcode, "override": "item_missing"}
    )
    assert response.status_code == 302
    assert ": due" in text(client.get(response["Location"]))
    assert Loan.objects.filter(item=item, reader=circ.reader).exists()


def test_desk_shows_blocks_and_balance(desk, circ):
    Fee.objects.create(
        reader=circ.reader,
        library=circ.library,
        kind="other",
        amount=Decimal("6.00"),
        outstanding=Decimal("6.00"),
        created_at=timezone.now(),
    )
    page = text(desk.get(reverse("circulation:desk_reader", args=[circ.reader.pk])))
    assert "6.00 €" in page
    assert "The reader&#x27;s unpaid fees are over the limit." in page


def test_renew_of_another_readers_loan_is_404(desk, circ):
    other, _card = circ.new_reader()
    item = circ.item()
    loan = services.checkout_item(
        item_barcode=item.barcode, reader=other, library=circ.library, channel="desk"
    )
    url = reverse("circulation:desk_renew", args=[circ.reader.pk, loan.pk])
    assert desk.post(url).status_code == 404
    loan.refresh_from_db()
    assert loan.renewals_count == 0


# --- Check-in and in-house use -----------------------------------------------------------------


def test_checkin_returns_the_item(desk, circ):
    item = circ.item()
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    response = desk.post(reverse("circulation:checkin"), {"item_barcode": item.barcode}, **HTMX)
    body = text(response)
    assert f"{item.record.title} returned." in body
    assert '<ol id="scan-log" hx-swap-oob="afterbegin">' in body
    assert re.search(r'<input[^>]*name="item_barcode"[^>]*autofocus', body)
    assert Loan.objects.get(item=item).returned_at is not None
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE


def test_checkin_traps_the_item_for_a_hold(desk, circ):
    record, (item,) = circ.record_with_items(1)
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    waiting, _card = circ.new_reader()
    hold = services.place_hold(
        reader=waiting, record=record, pickup_library=circ.library, channel="desk"
    )
    response = desk.post(reverse("circulation:checkin"), {"item_barcode": item.barcode})
    assert response.status_code == 302
    page = text(desk.get(response["Location"]))
    assert f"{record.title} returned." in page
    assert "put it on the hold shelf until" in page
    hold.refresh_from_db()
    assert (hold.status, hold.trapped_item_id) == (HoldStatus.READY, item.pk)
    shelf = text(desk.get(reverse("circulation:hold_shelf")))
    assert item.barcode in shelf
    assert waiting.last_name in shelf


def test_checkin_sends_the_item_to_another_librarys_hold(desk, circ):
    record, (item,) = circ.record_with_items(1)
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    waiting, _card = circ.new_reader()
    hold = services.place_hold(
        reader=waiting, record=record, pickup_library=circ.other_library, channel="desk"
    )
    body = text(desk.post(reverse("circulation:checkin"), {"item_barcode": item.barcode}, **HTMX))
    assert f"Reserved for another reader: send it to {circ.other_library.name}" in body
    hold.refresh_from_db()
    assert hold.status == HoldStatus.IN_TRANSIT


def test_checkin_sends_another_librarys_item_home(desk, circ):
    item = circ.item(library=circ.other_library)
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.other_library, channel="desk"
    )
    body = text(desk.post(reverse("circulation:checkin"), {"item_barcode": item.barcode}, **HTMX))
    assert f"Belongs to another library: send it home to {circ.other_library.name}." in body
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_TRANSIT


def test_checkin_of_an_item_not_on_loan_records_in_house_use(desk, circ):
    item = circ.item()
    response = desk.post(reverse("circulation:checkin"), {"item_barcode": item.barcode}, **HTMX)
    assert "was not on loan: in-house use recorded." in text(response)
    assert InHouseUse.objects.filter(item=item).count() == 1


def test_checkin_of_an_unknown_barcode(desk, circ):
    response = desk.post(reverse("circulation:checkin"), {"item_barcode": "NOPE"}, **HTMX)
    assert "No item with this barcode." in text(response)
    assert Loan.objects.count() == 0


def test_in_house_quick_scan(desk, circ):
    item = circ.item()
    response = desk.post(reverse("circulation:in_house"), {"item_barcode": item.barcode}, **HTMX)
    assert f"In-house use of {item.record.title} recorded." in text(response)
    use = InHouseUse.objects.get(item=item)
    assert use.library == circ.library
    assert use.channel == "desk"


# --- Pick list ----------------------------------------------------------------------------------


def test_pick_list_moves_orders_and_prints(client, circ, boss):
    room = ReadingRoomFactory(library=circ.library, code="R1")
    item = circ.item(loan_type="closed_stack", location="B-2")
    order = StackOrder.objects.create(
        reader=circ.reader,
        item=item,
        room=room,
        for_day=timezone.localdate(),
        status=StackOrderStatus.ORDERED,
        ordered_at=timezone.now(),
        status_changed_at=timezone.now(),
        channel="desk",
    )
    client.force_login(boss)
    page = text(client.get(reverse("circulation:pick_list")))
    assert item.barcode in page
    assert "B-2" in page
    response = client.post(reverse("circulation:order_transition", args=[order.pk, "fetch"]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == StackOrderStatus.FETCHING
    pdf = client.get(reverse("circulation:pick_list_pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    slips = client.post(reverse("circulation:slips_pdf"))
    assert slips.content.startswith(b"%PDF")
    order.refresh_from_db()
    assert order.slip_printed_at is not None
    assert (
        client.post(reverse("circulation:order_transition", args=[order.pk, "explode"])).status_code
        == 404
    )


def test_pick_list_needs_the_stack_permission(desk):
    assert desk.get(reverse("circulation:pick_list")).status_code == 403


# --- A reader's circulation page ------------------------------------------------------------------


def _queries_for_reader_page(client, reader) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("circulation:staff_reader", args=[reader.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_reader_page_costs_the_same_queries_for_1_or_20_loans(client, circ, boss):
    client.force_login(boss)
    few, _card = circ.new_reader()
    many, _card = circ.new_reader()
    circ.category.loan_limit = 50
    circ.category.save(update_fields=["loan_limit"])
    for reader, count in ((few, 1), (many, 20)):
        for _ in range(count):
            services.checkout_item(
                item_barcode=circ.item().barcode,
                reader=reader,
                library=circ.library,
                channel="desk",
            )
        for _ in range(3):
            record, _items = circ.record_with_items(1, status=ItemStatus.ON_LOAN)
            Hold.objects.create(
                reader=reader,
                record=record,
                pickup_library=circ.library,
                position=1,
                placed_at=timezone.now(),
                channel="desk",
            )
    one = _queries_for_reader_page(client, few)
    twenty = _queries_for_reader_page(client, many)
    assert one == twenty
    assert twenty <= 15


def test_reader_page_shows_everything_and_audits(client, circ, boss):
    client.force_login(boss)
    item = circ.item()
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    response = client.get(reverse("circulation:staff_reader", args=[circ.reader.pk]))
    assert item.barcode in text(response)
    entry = AuditEntry.objects.filter(action="patrons.reader.viewed").latest("id")
    assert (entry.actor_id, entry.object_id) == (str(boss.pk), str(circ.reader.pk))


def test_pay_and_waive_fees(client, circ, boss):
    fees = [
        Fee.objects.create(
            reader=circ.reader,
            library=circ.library,
            kind="other",
            amount=Decimal(amount),
            outstanding=Decimal(amount),
            created_at=timezone.now(),
        )
        for amount in ("1.50", "2.00")
    ]
    client.force_login(boss)
    url = reverse("circulation:staff_reader_pay", args=[circ.reader.pk])
    assert client.post(url, {"amount": "1.50"}).status_code == 302
    fees[0].refresh_from_db()
    assert fees[0].outstanding == Decimal("0.00")
    waive = reverse("circulation:staff_reader_waive", args=[circ.reader.pk, fees[1].pk])
    assert client.post(waive, {"reason": ""}).status_code == 302  # refused: no reason
    fees[1].refresh_from_db()
    assert fees[1].outstanding == Decimal("2.00")
    client.post(waive, {"reason": "Bibliotekos klaida"})
    fees[1].refresh_from_db()
    assert fees[1].outstanding == Decimal("0.00")
    page = text(client.get(reverse("circulation:staff_reader", args=[circ.reader.pk])))
    assert "Nothing to pay." in page


def test_fees_need_the_permission(desk, circ):
    fee = Fee.objects.create(
        reader=circ.reader,
        library=circ.library,
        kind="other",
        amount=Decimal("1.00"),
        outstanding=Decimal("1.00"),
        created_at=timezone.now(),
    )
    url = reverse("circulation:staff_reader_pay", args=[circ.reader.pk])
    assert desk.post(url, {"amount": "1.00"}).status_code == 403
    fee.refresh_from_db()
    assert fee.outstanding == Decimal("1.00")


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_pick_list_and_hold_shelf_queries_do_not_grow(client, circ, boss):
    client.force_login(boss)
    room = ReadingRoomFactory(library=circ.library, code="R1")
    now = timezone.now()
    counts = []
    for batch in (1, 6):
        for _ in range(batch):
            StackOrder.objects.create(
                reader=circ.new_reader()[0],
                item=circ.item(loan_type="closed_stack"),
                room=room,
                for_day=timezone.localdate(),
                status=StackOrderStatus.ORDERED,
                ordered_at=now,
                status_changed_at=now,
                channel="desk",
            )
            record, (item,) = circ.record_with_items(1, status=ItemStatus.ON_HOLD_SHELF)
            Hold.objects.create(
                reader=circ.new_reader()[0],
                record=record,
                pickup_library=circ.library,
                status=HoldStatus.READY,
                trapped_item=item,
                trapped_at=now,
                ready_at=now,
                shelf_expires_on=timezone.localdate(),
                placed_at=now,
                channel="desk",
            )
        counts.append(
            (
                _count_queries(client, reverse("circulation:pick_list")),
                _count_queries(client, reverse("circulation:hold_shelf")),
            )
        )
    assert counts[0] == counts[1]


def test_book_drop_date_stays_for_the_next_scan(desk, circ):
    item = circ.item()
    services.checkout_item(
        item_barcode=item.barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    day = timezone.localdate()
    body = text(
        desk.post(
            reverse("circulation:checkin"),
            {"item_barcode": item.barcode, "backdate_to": day.isoformat()},
            **HTMX,
        )
    )
    assert f"{item.record.title} returned." in body
    assert f'value="{day.isoformat()}"' in body


def test_links_from_the_staff_menu_and_the_reader_record(client, circ, boss):
    boss.user_permissions.add(
        Permission.objects.get(content_type__app_label="patrons", codename="view_reader")
    )
    client.force_login(boss)
    page = text(client.get(reverse("patrons:staff_reader", args=[circ.reader.pk])))
    assert reverse("circulation:staff_reader", args=[circ.reader.pk]) in page
    assert f'href="{reverse("circulation:desk")}"' in page  # the staff menu
