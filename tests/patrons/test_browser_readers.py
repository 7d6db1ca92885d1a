"""In a real browser: a reader registers online, a librarian verifies them at the desk, the
reader logs in, downloads their data and changes the PIN; axe-core finds no violations.

Reuses the browser fixtures of ``tests/browser/test_accessibility.py`` (Debian's chromium).
"""

from __future__ import annotations

import json

import pytest

from skaitykla.accounts.roles import DESK_LIBRARIAN, ensure_roles
from skaitykla.patrons.models import Card, Reader, ReaderCategory
from tests.browser_support import (
    PASSWORD,
    assert_accessible,
    open_tab,
)
from tests.factories import LibraryFactory, ReadingRoomFactory, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "482916"
NEW_PIN = "739155"
CARD = "LNB0123456"


@pytest.fixture
def setup():
    ensure_roles()
    library = LibraryFactory(code="LT-C1", name="Lietuvos nacionalinė Martyno Mažvydo biblioteka")
    ReadingRoomFactory(library=library, code="RARE", entry_requires_permission=True)
    ReaderCategory.objects.get_or_create(
        code="adult", defaults={"name": "Suaugęs skaitytojas", "is_default": True}
    )
    StaffUserFactory(
        username="jonas", first_name="Jonas", home_library=library, roles=[DESK_LIBRARIAN]
    )
    return library


def test_register_verify_login_download_and_change_pin(browser, live_server, setup, tmp_path):
    base = live_server.url
    # 1. Online pre-registration (public, Lithuanian).
    visitor = open_tab(browser)
    page = visitor.page
    page.goto(base + "/register/")
    assert page.locator("h1").inner_text() == "Registruotis skaitytoju"
    assert_accessible(visitor, base)
    page.get_by_label("Vardas:", exact=True).fill("Žemyna")
    page.get_by_label("Pavardė:", exact=True).fill("Šimkutė")
    page.get_by_label("Gimimo data:", exact=True).fill("1994-04-18")
    page.get_by_label("El. paštas:", exact=True).fill("zemyna@example.invalid")
    page.get_by_label("Telefonas:", exact=True).fill("+370 600 12345")
    # First a mistake: the error is announced and the page stays accessible.
    page.get_by_label("Sugalvokite PIN kodą:", exact=True).fill(PIN)
    page.get_by_label("Pakartokite PIN kodą:", exact=True).fill("000000")
    page.get_by_label("Perskaičiau privatumo politiką ir su ja sutinku").check()
    page.get_by_role("button", name="Siųsti registraciją").click()
    assert page.get_by_role("alert").is_visible()
    assert "PIN kodai nesutampa." in page.content()
    assert_accessible(visitor, base)
    page.get_by_label("Sugalvokite PIN kodą:", exact=True).fill(PIN)
    page.get_by_label("Pakartokite PIN kodą:", exact=True).fill(PIN)
    page.get_by_role("button", name="Siųsti registraciją").click()
    page.wait_for_url(base + "/register/done/")
    assert page.locator("h1").inner_text() == "Registracija gauta"
    assert_accessible(visitor, base)
    reader = Reader.objects.get(last_name="Šimkutė")
    assert reader.status == "pending"
    visitor.page.context.close()

    # 2. The librarian verifies the identity at the desk and issues a card.
    desk = open_tab(browser)
    page = desk.page
    page.goto(base + "/staff/login/")
    page.get_by_label("Vartotojo vardas").fill("jonas")
    page.get_by_label("Slaptažodis").fill(PASSWORD)
    page.get_by_role("button", name="Prisijungti").click()
    page.wait_for_url(base + "/staff/")
    page.goto(base + "/staff/readers/?q=simkute")
    assert_accessible(desk, base)
    page.get_by_role("link", name="Šimkutė, Žemyna").click()
    page.wait_for_url(f"{base}/staff/readers/{reader.pk}/")
    assert_accessible(desk, base)
    page.get_by_label("Pateiktas asmens dokumentas:", exact=True).select_option("id_card")
    page.get_by_label("Pažymėjimo numeris:", exact=True).fill(CARD)
    page.get_by_role("button", name="Patvirtinti").click()
    page.wait_for_url(f"{base}/staff/readers/{reader.pk}/")
    assert f"Pažymėjimas {CARD} galioja." in page.get_by_role("status").inner_text()
    assert_accessible(desk, base)
    assert Card.objects.get(reader=reader).barcode == CARD
    desk.page.context.close()

    # 3. The reader logs in, downloads their data and changes the PIN.
    me = open_tab(browser)
    page = me.page
    page.goto(base + "/reader/login/")
    assert_accessible(me, base)
    page.get_by_label("Pažymėjimo numeris:", exact=True).fill(CARD.lower())
    page.get_by_label("PIN kodas:", exact=True).fill(PIN)
    page.get_by_role("button", name="Prisijungti").click()
    page.wait_for_url(base + "/reader/")
    assert page.locator("h1").inner_text() == "Mano paskyra"
    assert_accessible(me, base)

    page.get_by_role("link", name="Mano duomenys").click()
    page.wait_for_url(base + "/reader/data/")
    assert_accessible(me, base)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Atsisiųsti mano duomenis (JSON)").click()
    target = tmp_path / "data.json"
    download_info.value.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["reader"]["last_name"] == "Šimkutė"
    assert data["tables"]["patrons.card.reader"][0]["barcode"] == CARD

    page.goto(base + "/reader/pin/")
    assert_accessible(me, base)
    page.get_by_label("Dabartinis PIN kodas:", exact=True).fill(PIN)
    page.get_by_label("Naujas PIN kodas:", exact=True).fill(NEW_PIN)
    page.get_by_label("Pakartokite naują PIN kodą:", exact=True).fill(NEW_PIN)
    page.get_by_role("button", name="Keisti PIN kodą").click()
    page.wait_for_url(base + "/reader/")
    assert "Jūsų PIN kodas pakeistas." in page.get_by_role("status").inner_text()
    assert_accessible(me, base)

    page.get_by_role("button", name="Atsijungti").click()
    page.wait_for_url(base + "/reader/login/")
    page.get_by_label("Pažymėjimo numeris:", exact=True).fill(CARD)
    page.get_by_label("PIN kodas:", exact=True).fill(NEW_PIN)
    page.get_by_role("button", name="Prisijungti").click()
    page.wait_for_url(base + "/reader/")
    me.page.context.close()
