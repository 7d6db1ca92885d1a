"""The pages in a real browser: axe-core (WCAG 2.1 A/AA), language, skip link, no third-party
requests, no CSP violations, and no horizontal scrolling at phone width.

Drives Debian's ``/usr/bin/chromium`` through Playwright (never ``playwright install``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.factories import (
    LibraryFactory,
    OpeningHoursFactory,
    ReadingRoomFactory,
    ServicePointFactory,
    StaffUserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "Correct-Horse-42"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` to install Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; the test's own database writes
    # (factories) are synchronous and safe here.
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


@dataclass
class Tab:
    """A page, and what it asked the network for and complained about on the console."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def _open_tab(browser: Browser, *, width: int = 1280, height: int = 900) -> Tab:
    # The browser prefers English: the site must still answer in Lithuanian.
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    tab = Tab(context.new_page())

    def on_request(request: Request) -> None:
        tab.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.console_errors.append(message.text)

    tab.page.on("request", on_request)
    tab.page.on("console", on_console)
    return tab


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    tab = _open_tab(browser)
    yield tab
    tab.page.context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Tab]:
    tab = _open_tab(browser, width=360, height=740)
    yield tab
    tab.page.context.close()


@pytest.fixture
def library():
    library = LibraryFactory(
        code="LT-C1",
        name="Lietuvos nacionalinė Martyno Mažvydo biblioteka",
        name_en="Martynas Mažvydas National Library of Lithuania",
        address="Gedimino pr. 51, LT-01504 Vilnius",
        phone="+370 5 249 7028",
        email="info@lnb.example",
    )
    for weekday in range(7):
        opens, closes = (time(8), time(21)) if weekday < 5 else (time(10), time(18))
        OpeningHoursFactory(library=library, weekday=weekday, opens=opens, closes=closes)
    rooms = [
        ("MEDIA", "Medijų skaitykla", "3", 40, None, False),
        ("LITUANICA", "Lituanistikos skaitykla", "4", 60, None, False),
        ("RARE", "Retų knygų ir rankraščių skaitykla", "5", 8, 2, True),
    ]
    for code, name, floor, seats, per_session, permission in rooms:
        ReadingRoomFactory(
            library=library,
            code=code,
            name=name,
            floor=floor,
            seats=seats,
            seats_per_session=per_session,
            entry_requires_permission=permission,
        )
    ServicePointFactory(
        library=library,
        code="REG",
        name="Registracijos ir informacijos postas",
        kind="registration",
        floor="2",
    )
    return library


def _assert_accessible(tab: Tab, live_server_url: str, *, language: str = "lt") -> None:
    page = tab.page
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    own_host = urlsplit(live_server_url).netloc
    foreign = [url for url in tab.requests if urlsplit(url).netloc != own_host]
    assert foreign == [], f"requests to other hosts: {foreign}"
    assert tab.console_errors == [], f"console errors (CSP?): {tab.console_errors}"


def _assert_skip_link_works(page: Page) -> None:
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement; const box = el.getBoundingClientRect();"
        " const style = getComputedStyle(el);"
        " return {cls: el.className, href: el.getAttribute('href'), top: box.top,"
        " outline: style.outlineStyle, width: style.outlineWidth}; }"
    )
    assert focused["cls"] == "skip-link"
    assert focused["href"] == "#main"
    assert focused["top"] >= 0, "the focused skip link is off screen"
    assert focused["outline"] != "none", "no visible focus"
    assert focused["width"] != "0px", "no visible focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def _visit(tab: Tab, url: str) -> None:
    response = tab.page.goto(url)
    assert response is not None, url
    assert response.status == 200, url


def test_home_page(tab: Tab, live_server, library):
    _visit(tab, live_server.url + "/")
    assert tab.page.locator("h1").inner_text() == "Lietuvos nacionalinė Martyno Mažvydo biblioteka"
    assert tab.page.locator("#opening-hours").inner_text() == "Darbo laikas"
    _assert_accessible(tab, live_server.url)
    _assert_skip_link_works(tab.page)


def test_contacts_page(tab: Tab, live_server, library):
    _visit(tab, live_server.url + "/contacts/")
    assert tab.page.locator("h1").inner_text() == "Kontaktai"
    _assert_accessible(tab, live_server.url)
    _assert_skip_link_works(tab.page)


def test_sitemap_page(tab: Tab, live_server, library):
    _visit(tab, live_server.url + "/sitemap/")
    assert tab.page.locator("h1").inner_text() == "Svetainės medis"
    _assert_accessible(tab, live_server.url)
    _assert_skip_link_works(tab.page)


def test_accessibility_statement_page(tab: Tab, live_server, library):
    _visit(tab, live_server.url + "/accessibility/")
    _assert_accessible(tab, live_server.url)


def test_language_switch_to_english_and_back(tab: Tab, live_server, library):
    _visit(tab, live_server.url + "/contacts/")
    tab.page.get_by_role("button", name="English").click()
    tab.page.wait_for_url(live_server.url + "/contacts/")
    assert tab.page.locator("h1").inner_text() == "Contacts"
    _assert_accessible(tab, live_server.url, language="en")
    tab.page.goto(live_server.url + "/")  # remembered by the cookie
    assert tab.page.evaluate("document.documentElement.lang") == "en"
    tab.page.get_by_role("button", name="Lietuviškai").click()
    tab.page.wait_for_url(live_server.url + "/")
    assert tab.page.locator("#opening-hours").inner_text() == "Darbo laikas"


def test_staff_login_page_and_dashboard(tab: Tab, live_server, library):
    StaffUserFactory(
        username="aiste",
        first_name="Aistė",
        last_name="Administratorė",
        home_library=library,
        roles=["administrator"],
    )
    _visit(tab, live_server.url + "/staff/login/")
    assert tab.page.locator("h1").inner_text() == "Darbuotojų prisijungimas"
    _assert_accessible(tab, live_server.url)
    _assert_skip_link_works(tab.page)

    tab.page.get_by_label("Vartotojo vardas").fill("aiste")
    tab.page.get_by_label("Slaptažodis").fill(PASSWORD)
    tab.page.get_by_role("button", name="Prisijungti").click()
    tab.page.wait_for_url(live_server.url + "/staff/")
    assert tab.page.locator("h1").inner_text() == "Valdymo skydelis"
    _assert_accessible(tab, live_server.url)
    _assert_skip_link_works(tab.page)

    tab.page.get_by_role("link", name="Veiksmų žurnalas").first.click()
    tab.page.wait_for_url(live_server.url + "/staff/audit/")
    _assert_accessible(tab, live_server.url)
    tab.page.get_by_label("Nuo datos").fill("2026-03-05")
    tab.page.get_by_label("Iki datos").fill("2026-03-01")
    tab.page.get_by_role("button", name="Filtruoti").click()
    assert tab.page.get_by_role("alert").is_visible()
    _assert_accessible(tab, live_server.url)

    tab.page.get_by_role("button", name="Atsijungti").click()
    tab.page.wait_for_url(live_server.url + "/")


def test_a_failed_login_is_announced_accessibly(tab: Tab, live_server):
    StaffUserFactory(username="jonas")
    _visit(tab, live_server.url + "/staff/login/")
    tab.page.get_by_label("Vartotojo vardas").fill("jonas")
    tab.page.get_by_label("Slaptažodis").fill("wrong")
    tab.page.get_by_role("button", name="Prisijungti").click()
    assert "Įveskite teisingą" in tab.page.get_by_role("alert").inner_text()
    _assert_accessible(tab, live_server.url)


@pytest.mark.parametrize(
    "path", ["/", "/contacts/", "/accessibility/", "/sitemap/", "/staff/login/"]
)
def test_no_horizontal_scroll_at_phone_width(phone: Tab, live_server, library, path):
    _visit(phone, live_server.url + path)
    widths = phone.page.evaluate(
        "({scroll: document.documentElement.scrollWidth, view: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["view"], f"{path} scrolls sideways at 360px: {widths}"
    _assert_accessible(phone, live_server.url)
