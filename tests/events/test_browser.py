"""In a real browser (Debian's chromium): a guest registers for a full session, lands on the
waiting list, and takes the seat offered when someone cancels; axe-core finds no WCAG 2.1 A/AA
violations on the public events pages (listing, event, registration, self check-in, feedback)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from playwright.sync_api import Browser, sync_playwright

from skaitykla.events import services
from skaitykla.events.models import Registration
from skaitykla.events.tokens import make_token
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Tab,
    assert_accessible,
    open_tab,
)
from tests.events.factories import RoomFactory, TopicFactory, future_day, local
from tests.factories import LibraryFactory, OpeningHoursFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps`")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_tab(chromium: Browser) -> Iterator[Tab]:
    tab = open_tab(chromium)
    yield tab
    tab.page.context.close()


@pytest.fixture
def full_event():
    library = LibraryFactory(code="LT-C1", name="Lietuvos nacionalinė Martyno Mažvydo biblioteka")
    for weekday in range(7):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(8), closes=time(21))
    topic = TopicFactory(slug="katalogas", name="Katalogo paieška")
    event = services.create_event(
        actor=None,
        library=library,
        data=services.EventData(
            title="Kaip ieškoti kataloge <b>",
            description="Praktiniai mokymai.",
            audience="adults",
            capacity=1,
            topic=topic,
            sign_language_on_request=True,
            accessibility_notes="Patekimas be laiptų.",
        ),
    )
    start = local(future_day(), 10)
    session = services.add_session(
        actor=None,
        event=event,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        room=RoomFactory(library=library, name="Mokymų klasė", seats=20),
    )
    first = services.register(
        event=event, session=session, name="Pirmoji Dalyvė", email="pirmoji@example.lt"
    )
    return event, session, first


def test_full_session_waiting_list_then_promoted_when_someone_cancels(
    page_tab: Tab, live_server, full_event
):
    event, session, first = full_event
    page = page_tab.page
    page.goto(live_server.url + "/events/")
    assert page.locator("h1").inner_text() == "Mokymai ir renginiai"
    assert_accessible(page_tab, live_server.url)

    page.get_by_role("link", name="Kaip ieškoti kataloge <b>").click()
    page.wait_for_url(f"{live_server.url}/events/{event.pk}/")
    assert page.locator("h1").inner_text() == "Kaip ieškoti kataloge <b>"
    assert_accessible(page_tab, live_server.url)

    page.get_by_label("Vardas ir pavardė").fill("Žydrūnė Šaltenytė")
    page.get_by_label("El. paštas").fill("zydrune@example.lt")
    page.get_by_role("button", name="Registruotis").click()
    page.wait_for_url(f"{live_server.url}/events/registration/**")
    assert page.locator("#registration-status").inner_text() == "Laukiančiųjų sąraše"
    assert_accessible(page_tab, live_server.url)
    mine = Registration.objects.get(email="zydrune@example.lt")
    assert mine.status == "waiting"

    # someone cancels (through their own cancel link, in another browser)
    other = open_tab(page.context.browser)  # type: ignore[arg-type]
    other.page.goto(live_server.url + f"/events/registration/{make_token(first.pk)}/")
    other.page.get_by_role("button", name="Atšaukti mano registraciją").click()
    other.page.wait_for_load_state()
    assert other.page.locator("#registration-status").inner_text() == "Atšaukta"
    other.page.context.close()

    page.reload()
    assert page.locator("#registration-status").inner_text() == "Pasiūlyta vieta"
    assert_accessible(page_tab, live_server.url)
    page.get_by_role("button", name="Patvirtinti vietą").click()
    page.wait_for_load_state()
    assert page.locator("#registration-status").inner_text() == "Patvirtinta"
    assert "Vieta Jūsų" in page.get_by_role("status").inner_text()
    assert_accessible(page_tab, live_server.url)
    mine.refresh_from_db()
    assert mine.status == "confirmed"

    # the other public pages (one browser test: each transactional test flushes the database)
    page.goto(live_server.url + f"/events/check-in/{session.pk}/")
    assert_accessible(page_tab, live_server.url)
    page.get_by_role("button", name="Pažymėti atvykimą").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page_tab, live_server.url)
    page.goto(live_server.url + f"/events/registration/{make_token(first.pk)}/feedback/")
    assert_accessible(page_tab, live_server.url)
    page.goto(live_server.url + "/events/?date_from=bad")
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page_tab, live_server.url)
