"""The demo catalogue in a real browser: search in Lithuanian, open a record; axe-core clean,
no third-party requests, no CSP violations. Reuses the browser fixtures of tests/browser."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser_support import (
    Tab,
    assert_accessible,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_the_demo_catalogue_in_lithuanian_and_open_a_record(tab: Tab, live_server):
    call_command("seed_demo", stdout=StringIO())
    page = tab.page
    visit(tab, live_server.url + "/catalogue/")
    assert_accessible(tab, live_server.url)
    page.get_by_role("searchbox").fill("knygu kultura")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=knygu+kultura" in page.url
    first = page.locator(".result-title a").first
    assert first.inner_text() == "Knygų kultūra Lietuvoje"
    assert page.locator(".facets").is_visible()
    assert page.locator("#results-heading").inner_text() == "1 rezultatas"
    assert_accessible(tab, live_server.url)

    with page.expect_navigation():
        first.click()
    assert page.locator("h1").inner_text() == "Knygų kultūra Lietuvoje"
    rows = page.locator("table.data-table tbody tr")
    assert rows.count() >= 3
    assert "Humanitarinių mokslų skaitykla" in page.locator("table.data-table").inner_text()
    assert_accessible(tab, live_server.url)

    # Without JavaScript the search still works: a plain GET form.
    visit(tab, live_server.url + "/catalogue/?q=%C5%BEemait%C4%97")
    assert page.locator(".result-title a").first.inner_text() == "Žemaitės raštai"
    visit(tab, live_server.url + "/catalogue/?q=zzzzqqq")
    assert page.locator("#no-results").inner_text() == "Nieko nerasta"
    assert page.get_by_role("link", name="Klauskite bibliotekininko").last.is_visible()
    assert_accessible(tab, live_server.url)
