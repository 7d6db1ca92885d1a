"""In a real browser: a reader logs in, orders a closed-stack item from its record page to a
reading room for an open day, the stack attendant fetches it and puts it on the reading-room
shelf, the reader sees it ready, renews a loan and cancels a hold; axe-core finds no violations
on any page."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.circulation.choices import CircChannel, HoldStatus, StackOrderStatus
from skaitykla.circulation.models import Hold, Loan, StackOrder
from skaitykla.circulation.services.holds import place_hold
from skaitykla.circulation.services.loans import checkout_item
from skaitykla.circulation.services.orders import mark_on_shelf, start_fetching
from skaitykla.patrons.choices import LoanHistoryChoice
from tests.browser_support import assert_accessible, open_tab
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.factories import LibraryFactory, OpeningHoursFactory, ReadingRoomFactory
from tests.patrons.factories import TEST_PIN, ReaderCategoryFactory, reader_with_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    library = LibraryFactory(
        code="LT-C1",
        name="Lietuvos nacionalinė Martyno Mažvydo biblioteka",
        name_en="Martynas Mažvydas National Library of Lithuania",
    )
    for weekday in range(7):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(8), closes=time(21))
    room = ReadingRoomFactory(
        library=library,
        code="HUMANITIES",
        name="Humanitarinių mokslų skaitykla",
        name_en="Humanities Reading Room",
    )
    category = ReaderCategoryFactory(is_default=True)
    reader, card = reader_with_card(
        home_library=library,
        category=category,
        first_name="Eglė",
        last_name="Šimkutė",
        loan_history=LoanHistoryChoice.KEEP,
    )
    other, _other_card = reader_with_card(home_library=library, category=category)
    stack = ItemFactory(
        record=RecordFactory(title="Lietuvos Didžiosios Kunigaikštystės istorija"),
        library=library,
        loan_type=LoanType.CLOSED_STACK,
        call_number="94(474.5) Li-7",
    )
    home = ItemFactory(record=RecordFactory(title="Anykščių šilelis"), library=library)
    loan = checkout_item(
        item_barcode=home.barcode, reader=reader, library=library, channel=CircChannel.DESK
    )
    wanted = ItemFactory(record=RecordFactory(title="Dievų miškas"), library=library)
    checkout_item(
        item_barcode=wanted.barcode, reader=other, library=library, channel=CircChannel.DESK
    )
    hold = place_hold(
        reader=reader, record=wanted.record, pickup_library=library, channel=CircChannel.PORTAL
    )
    return {
        "library": library,
        "room": room,
        "reader": reader,
        "card": card,
        "stack": stack,
        "loan": loan,
        "hold": hold,
    }


def test_reader_orders_to_a_reading_room_renews_and_cancels(browser, live_server, world):
    base = live_server.url
    tab = open_tab(browser)
    page = tab.page

    # 1. Log in (the site answers in Lithuanian although the browser prefers English).
    page.goto(base + "/reader/login/")
    page.get_by_label("Pažymėjimo numeris:", exact=True).fill(world["card"].barcode)
    page.get_by_label("PIN kodas:", exact=True).fill(TEST_PIN)
    page.get_by_role("button", name="Prisijungti").click()
    page.wait_for_url(base + "/reader/")
    assert page.locator("h1").inner_text() == "Mano paskyra"
    assert "Anykščių šilelis" in page.content()
    assert_accessible(tab, base)

    # 2. From the record page, order the stacks copy to a reading room for an open day.
    stack = world["stack"]
    page.goto(base + reverse("catalogue:record", args=[stack.record_id]))
    assert_accessible(tab, base)
    order_url = reverse("circulation_reader:order_new", args=[stack.pk])
    page.locator(f'a[href="{order_url}"]').click()
    page.wait_for_url(base + order_url)
    assert_accessible(tab, base)
    page.locator("#id_room").select_option(str(world["room"].pk))
    today = timezone.localdate()
    days = [
        value
        for value in page.locator("#id_for_day option").evaluate_all(
            "options => options.map(o => o.value)"
        )
        if value and date.fromisoformat(value) > today
    ]
    page.locator("#id_for_day").select_option(days[0])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + reverse("circulation_reader:orders"))
    assert "Lietuvos Didžiosios Kunigaikštystės istorija" in page.get_by_role("status").inner_text()
    assert_accessible(tab, base)
    order = StackOrder.objects.get(reader=world["reader"])
    assert (order.status, order.for_day.isoformat(), order.room_id) == (
        StackOrderStatus.ORDERED,
        days[0],
        world["room"].pk,
    )

    # 3. The stack attendant fetches it and puts it on the reading-room shelf.
    start_fetching(order=order)
    mark_on_shelf(order=order)
    stack.refresh_from_db()
    assert stack.status == ItemStatus.ON_SHELF

    # 4. The reader sees it ready.
    page.reload()
    with translation.override("lt"):
        ready = str(StackOrderStatus.ON_SHELF.label)
    row = page.locator(f"#order-{order.pk}")
    assert ready in row.inner_text()
    assert_accessible(tab, base)

    # 5. Renew a loan.
    loan = world["loan"]
    page.goto(base + reverse("circulation_reader:loans"))
    assert_accessible(tab, base)
    page.locator(f"#loan-{loan.pk} button[type=submit]").click()
    page.wait_for_url(base + reverse("circulation_reader:loans"))
    renewed = Loan.objects.get(pk=loan.pk)
    assert renewed.renewals_count == 1
    due = timezone.localtime(renewed.due_at).date().isoformat()
    assert due in page.get_by_role("status").inner_text()
    assert due in page.locator(f"#loan-{loan.pk}").inner_text()
    assert_accessible(tab, base)

    # 6. Cancel the hold.
    hold = world["hold"]
    page.goto(base + reverse("circulation_reader:holds"))
    assert_accessible(tab, base)
    page.locator(f"#hold-{hold.pk} button[type=submit]").click()
    page.wait_for_url(base + reverse("circulation_reader:holds"))
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.CANCELLED
    assert "Dievų miškas" in page.get_by_role("status").inner_text()
    assert_accessible(tab, base)
    tab.page.context.close()
