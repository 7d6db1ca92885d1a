"""The Ask a Librarian settings screen in a real browser: reached from the queue, axe-core clean
with and without errors, a refused deadline shown at its field."""

from __future__ import annotations

import pytest

from skaitykla.accounts.roles import HEAD_OF_DEPARTMENT
from skaitykla.reference.models import AnswerTemplate, ReferenceProfile
from tests.browser_support import PASSWORD, Tab, assert_accessible, visit
from tests.factories import StaffUserFactory
from tests.reference.factories import weekday_library

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_settings_page_is_accessible_and_shows_errors_at_the_field(tab: Tab, live_server):
    library = weekday_library(code="LT-BRS", name="Miesto viešoji biblioteka")
    StaffUserFactory(username="ruta", home_library=library, roles=[HEAD_OF_DEPARTMENT])
    AnswerTemplate.objects.create(library=library, title="Dvarai", body_html="<p>Žr.</p>")
    page = tab.page
    visit(tab, live_server.url + "/staff/login/")
    page.get_by_label("Vartotojo vardas").fill("ruta")
    page.get_by_label("Slaptažodis").fill(PASSWORD)
    page.get_by_role("button", name="Prisijungti").click()
    page.wait_for_url(live_server.url + "/staff/")
    visit(tab, live_server.url + "/staff/reference/")
    page.get_by_role("link", name="Paslaugos „Klausk bibliotekininko“ nustatymai").click()
    page.wait_for_url("**/staff/reference/settings/")
    assert_accessible(tab, live_server.url)

    page.get_by_label("Atsakymo terminas (darbo dienomis)").fill("0")
    page.get_by_role("button", name="Išsaugoti taisykles").click()
    page.wait_for_load_state()
    field = page.get_by_label("Atsakymo terminas (darbo dienomis)")
    assert field.get_attribute("aria-invalid") == "true"
    assert "Atsakymo terminas turi būti nuo 1 iki 30 darbo dienų." in page.content()
    # The refused form answers 400 on purpose; the browser logs that status and nothing else.
    assert tab.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    tab.console_errors.clear()
    assert_accessible(tab, live_server.url)
    assert not ReferenceProfile.objects.filter(library=library).exists()

    page.get_by_label("Atsakymo terminas (darbo dienomis)").fill("4")
    page.get_by_role("button", name="Išsaugoti taisykles").click()
    page.wait_for_url("**/staff/reference/settings/")
    assert ReferenceProfile.objects.get(library=library).deadline_days == 4

    page.get_by_role("link", name="Naujas atsakymo šablonas").click()
    page.wait_for_url("**/settings/templates/new/")
    assert_accessible(tab, live_server.url)
