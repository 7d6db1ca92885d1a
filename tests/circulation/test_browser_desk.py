"""In a real browser, keyboard only (as a barcode scanner types and presses Enter): the desk
librarian scans a reader's card and two items, one refused and then overridden, and a check-in
traps an item for another reader's hold. Focus returns to the scan box after every answer,
answers are announced in an ``aria-live`` region, and axe-core finds no violations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation import services
from skaitykla.circulation.choices import HoldStatus, StackOrderStatus
from skaitykla.circulation.models import Fee, Hold, Loan, StackOrder
from skaitykla.core.models import AuditEntry
from tests.browser_support import assert_accessible, open_tab
from tests.circulation.conftest import with_permission
from tests.factories import ReadingRoomFactory, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERMS = (
    "view_loan",
    "add_loan",
    "change_loan",
    "view_hold",
    "add_hold",
    "change_hold",
    "add_inhouseuse",
    "override_refusal",
)


def _focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name")


def _wait_for_focus(page, name: str) -> None:
    # Polled from Python: Playwright's wait_for_function evaluates strings, which the CSP forbids.
    for _ in range(100):
        if _focused_name(page) == name:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"focus is on {_focused_name(page)!r}, not {name!r}")


def _scan(page, value: str) -> None:
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def test_desk_workflow_keyboard_only(browser, live_server, circ):
    user = with_permission(
        StaffUserFactory(username="desk-browser", home_library=circ.library), *PERMS
    )
    good = circ.item()
    record, (missing,) = circ.record_with_items(1, status=ItemStatus.MISSING)
    waiting, _card = circ.new_reader()

    client = Client()
    client.force_login(user)
    base = live_server.url
    tab = open_tab(browser)
    page = tab.page
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base},
            {"name": "django_language", "value": "en", "url": base},
        ]
    )

    # 1. The desk: the card box has focus; the scanner types the card number and Enter.
    page.goto(base + "/staff/circulation/desk/")
    assert page.locator("h1").inner_text() == "Loan desk"
    assert _focused_name(page) == "card"
    assert_accessible(tab, base, language="en")
    _scan(page, circ.card.barcode)
    page.get_by_role(
        "heading", name=f"{circ.reader.last_name}, {circ.reader.first_name}"
    ).wait_for()
    _wait_for_focus(page, "item_barcode")
    assert page.url == f"{base}/staff/circulation/desk/{circ.reader.pk}/"

    # 2. First item: lent, the due date is announced, focus is back in the scan box.
    _scan(page, good.barcode)
    answer = page.locator("#desk-answer")
    answer.get_by_text(f"{good.record.title}: due").wait_for()
    assert answer.get_attribute("aria-live") == "polite"
    _wait_for_focus(page, "item_barcode")
    assert (
        page.locator("#desk-lists").get_by_role("cell", name=good.barcode, exact=True).is_visible()
    )
    assert_accessible(tab, base, language="en")

    # 3. Second item: refused (missing), overridable; Tab reaches Override, Enter lends it.
    _scan(page, missing.barcode)
    answer.get_by_text("This item is recorded as missing.").wait_for()
    _wait_for_focus(page, "item_barcode")
    assert not Loan.objects.filter(item=missing).exists()
    assert_accessible(tab, base, language="en")
    page.keyboard.press("Tab")  # past the scan box's own "Check out" button
    assert page.evaluate("document.activeElement.textContent.trim()") == "Check out"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Override"
    page.keyboard.press("Enter")
    answer.get_by_text(f"{record.title}: due").wait_for()
    _wait_for_focus(page, "item_barcode")
    assert Loan.objects.filter(item=missing, reader=circ.reader, returned_at=None).exists()
    assert AuditEntry.objects.filter(
        action="circulation.override", detail__code="item_missing"
    ).exists()
    assert page.locator("#desk-lists h2").first.inner_text() == "2 loans"

    # 4. Another reader waits for the second title; its check-in traps the item.
    hold = services.place_hold(
        reader=waiting, record=record, pickup_library=circ.library, channel="desk"
    )
    page.goto(base + "/staff/circulation/checkin/")
    assert _focused_name(page) == "item_barcode"
    assert_accessible(tab, base, language="en")
    _scan(page, missing.barcode)
    checkin_answer = page.locator("#scan-answer")
    checkin_answer.get_by_text(f"{record.title} returned.").wait_for()
    assert "put it on the hold shelf until" in checkin_answer.inner_text()
    _wait_for_focus(page, "item_barcode")
    assert page.locator("#scan-log li").count() == 1
    assert_accessible(tab, base, language="en")
    hold = Hold.objects.get(pk=hold.pk)
    assert (hold.status, hold.trapped_item_id) == (HoldStatus.READY, missing.pk)

    # 5. The hold shelf shows it.
    page.goto(base + "/staff/circulation/hold-shelf/")
    assert page.get_by_role("cell", name=missing.barcode, exact=True).is_visible()
    assert_accessible(tab, base, language="en")
    page.context.close()


def test_pick_list_and_reader_page_are_accessible(browser, live_server, circ):
    user = with_permission(
        StaffUserFactory(username="stacks-browser", home_library=circ.library),
        *PERMS,
        "handle_stack_orders",
        "manage_fees",
    )
    room = ReadingRoomFactory(library=circ.library, code="R1", name="Retų spaudinių skaitykla")
    item = circ.item(loan_type="closed_stack", location="Saugykla B-2", call_number="821 Ša-1")
    now = timezone.now()
    order = StackOrder.objects.create(
        reader=circ.reader,
        item=item,
        room=room,
        for_day=timezone.localdate(),
        status=StackOrderStatus.ORDERED,
        ordered_at=now,
        status_changed_at=now,
        channel="portal",
    )
    services.checkout_item(
        item_barcode=circ.item().barcode, reader=circ.reader, library=circ.library, channel="desk"
    )
    Fee.objects.create(
        reader=circ.reader,
        library=circ.library,
        kind="other",
        amount=Decimal("1.20"),
        outstanding=Decimal("1.20"),
        created_at=now,
    )
    client = Client()
    client.force_login(user)
    base = live_server.url
    tab = open_tab(browser)
    page = tab.page
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base},
            {"name": "django_language", "value": "en", "url": base},
        ]
    )
    page.goto(base + "/staff/circulation/pick-list/")
    assert_accessible(tab, base, language="en")
    page.get_by_role("button", name=f"Start fetching {item.barcode}").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/staff/circulation/pick-list/")
    assert f"{item.barcode}: Being fetched." in page.get_by_role("status").inner_text()
    order.refresh_from_db()
    assert order.status == StackOrderStatus.FETCHING
    assert_accessible(tab, base, language="en")

    page.goto(f"{base}/staff/circulation/readers/{circ.reader.pk}/")
    assert_accessible(tab, base, language="en")
    page.goto(base + "/staff/circulation/hold-shelf/")
    assert_accessible(tab, base, language="en")
    page.goto(base + "/staff/circulation/in-house/")
    assert _focused_name(page) == "item_barcode"
    assert_accessible(tab, base, language="en")
    page.context.close()
