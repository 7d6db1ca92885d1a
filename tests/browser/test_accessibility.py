"""The pages in a real browser: axe-core (WCAG 2.1 A/AA), language, skip link, no third-party
requests, no CSP violations, and no horizontal scrolling at phone width.

Drives Debian's ``/usr/bin/chromium`` through Playwright (never ``playwright install``).
"""

from __future__ import annotations

from datetime import time

import pytest

from tests.browser_support import (
    PASSWORD,
    Tab,
    assert_accessible,
    assert_skip_link_works,
    visit,
)
from tests.factories import (
    LibraryFactory,
    OpeningHoursFactory,
    ReadingRoomFactory,
    ServicePointFactory,
    StaffUserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_home_page(tab: Tab, live_server, library):
    visit(tab, live_server.url + "/")
    assert tab.page.locator("h1").inner_text() == "Lietuvos nacionalinė Martyno Mažvydo biblioteka"
    assert tab.page.locator("#opening-hours").inner_text() == "Darbo laikas"
    assert_accessible(tab, live_server.url)
    assert_skip_link_works(tab.page)


def test_contacts_page(tab: Tab, live_server, library):
    visit(tab, live_server.url + "/contacts/")
    assert tab.page.locator("h1").inner_text() == "Kontaktai"
    assert_accessible(tab, live_server.url)
    assert_skip_link_works(tab.page)


def test_sitemap_page(tab: Tab, live_server, library):
    visit(tab, live_server.url + "/sitemap/")
    assert tab.page.locator("h1").inner_text() == "Svetainės medis"
    assert_accessible(tab, live_server.url)
    assert_skip_link_works(tab.page)


def test_accessibility_statement_page(tab: Tab, live_server, library):
    visit(tab, live_server.url + "/accessibility/")
    assert_accessible(tab, live_server.url)


def test_language_switch_to_english_and_back(tab: Tab, live_server, library):
    visit(tab, live_server.url + "/contacts/")
    tab.page.get_by_role("button", name="English").click()
    tab.page.wait_for_url(live_server.url + "/contacts/")
    assert tab.page.locator("h1").inner_text() == "Contacts"
    assert_accessible(tab, live_server.url, language="en")
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
    visit(tab, live_server.url + "/staff/login/")
    assert tab.page.locator("h1").inner_text() == "Darbuotojų prisijungimas"
    assert_accessible(tab, live_server.url)
    assert_skip_link_works(tab.page)

    tab.page.get_by_label("Vartotojo vardas").fill("aiste")
    tab.page.get_by_label("Slaptažodis").fill(PASSWORD)
    tab.page.get_by_role("button", name="Prisijungti").click()
    tab.page.wait_for_url(live_server.url + "/staff/")
    assert tab.page.locator("h1").inner_text() == "Valdymo skydelis"
    assert_accessible(tab, live_server.url)
    assert_skip_link_works(tab.page)

    tab.page.get_by_role("link", name="Veiksmų žurnalas").first.click()
    tab.page.wait_for_url(live_server.url + "/staff/audit/")
    assert_accessible(tab, live_server.url)
    tab.page.get_by_label("Nuo datos").fill("2026-03-05")
    tab.page.get_by_label("Iki datos").fill("2026-03-01")
    tab.page.get_by_role("button", name="Filtruoti").click()
    assert tab.page.get_by_role("alert").is_visible()
    assert_accessible(tab, live_server.url)

    tab.page.get_by_role("button", name="Atsijungti").click()
    tab.page.wait_for_url(live_server.url + "/")


def test_a_failed_login_is_announced_accessibly(tab: Tab, live_server):
    StaffUserFactory(username="jonas")
    visit(tab, live_server.url + "/staff/login/")
    tab.page.get_by_label("Vartotojo vardas").fill("jonas")
    tab.page.get_by_label("Slaptažodis").fill("wrong")
    tab.page.get_by_role("button", name="Prisijungti").click()
    assert "Įveskite teisingą" in tab.page.get_by_role("alert").inner_text()
    assert_accessible(tab, live_server.url)


@pytest.mark.parametrize(
    "path", ["/", "/contacts/", "/accessibility/", "/sitemap/", "/staff/login/"]
)
def test_no_horizontal_scroll_at_phone_width(phone: Tab, live_server, library, path):
    visit(phone, live_server.url + path)
    widths = phone.page.evaluate(
        "({scroll: document.documentElement.scrollWidth, view: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["view"], f"{path} scrolls sideways at 360px: {widths}"
    assert_accessible(phone, live_server.url)
