"""In a real browser: a reader asks, a librarian answers and publishes, and the answer is found
in the public archive by another Lithuanian word form; axe-core finds nothing on public pages.

Drives Debian's ``/usr/bin/chromium`` through Playwright (never ``playwright install``).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from skaitykla.accounts.roles import REFERENCE_LIBRARIAN
from skaitykla.reference.models import KnowledgeBaseEntry, Question
from tests.browser_support import PASSWORD, WCAG
from tests.factories import StaffUserFactory
from tests.reference.factories import weekday_library

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _accessible(page: Page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    assert page.locator("html").get_attribute("lang") == "lt"


def test_ask_answer_publish_and_find_by_another_word_form(browser: Browser, live_server):
    library = weekday_library(code="LT-BR", name="Miesto viešoji biblioteka")
    StaffUserFactory(username="egle", home_library=library, roles=[REFERENCE_LIBRARIAN])
    reader = browser.new_context(locale="en-US").new_page()
    reader.goto(live_server.url + "/ask/")
    _accessible(reader)
    reader.get_by_label("Jūsų klausimas").fill("Kur rasti knygų apie Lietuvos dvarus?")
    reader.get_by_label("El. paštas").fill("skaitytoja@example.lt")
    reader.get_by_label("Klausimą ir atsakymą galima skelbti archyve").check()
    reader.wait_for_timeout(3200)  # people take longer than the minimum fill time
    reader.get_by_role("button", name="Siųsti").click()
    reader.wait_for_url("**/ask/q/**")
    _accessible(reader)
    question = Question.objects.get()

    staff = browser.new_context(locale="en-US").new_page()
    staff.goto(live_server.url + "/staff/login/")
    staff.get_by_label("Vartotojo vardas").fill("egle")
    staff.get_by_label("Slaptažodis").fill(PASSWORD)
    staff.get_by_role("button", name="Prisijungti").click()
    staff.wait_for_url(live_server.url + "/staff/")
    staff.goto(live_server.url + f"/staff/reference/{question.pk}/")
    staff.get_by_role("button", name="Paimti").click()
    staff.locator("textarea[name=answer_html]").fill(
        "<p>Apie dvarus rašo Lietuvos dvarų enciklopedija.</p>"
    )
    staff.locator("select[name=read_level]").select_option("3")
    staff.get_by_role("button", name="Siųsti atsakymą").click()
    staff.wait_for_url(f"**/staff/reference/{question.pk}/")
    staff.get_by_label("Pavadinimas").fill("Lietuvos dvarai")
    staff.get_by_role("button", name="Skelbti").click()
    staff.wait_for_url(f"**/staff/reference/{question.pk}/")
    assert KnowledgeBaseEntry.objects.count() == 1

    reader.goto(live_server.url + "/answers/")
    reader.locator("#id_q").fill("dvaras")  # the text says "dvarus", "dvarų"
    reader.get_by_role("button", name="Ieškoti", exact=True).click()
    reader.wait_for_url("**/answers/?q=dvaras")
    _accessible(reader)
    reader.get_by_role("link", name="Lietuvos dvarai").click()
    reader.wait_for_url("**/answers/*/")
    _accessible(reader)
    assert "skaitytoja@example.lt" not in reader.content()
    for path in ("/ask/accessible/", "/ask/consultation/", "/ask/embed/"):
        reader.goto(live_server.url + path)
        _accessible(reader)
