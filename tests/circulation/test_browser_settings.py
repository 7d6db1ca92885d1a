"""In a real browser: the loan-rule page (and a rule's form), the offline-upload page (after an
upload, with its exceptions report) and the kiosk pages pass axe-core, load htmx, make no
requests to other hosts and raise no console (CSP) errors."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from skaitykla.circulation.models import StackOrderCutoff
from skaitykla.sip2.services import record_no_block
from tests.browser_support import assert_accessible, open_tab, visit
from tests.circulation.conftest import with_permission
from tests.factories import ReadingRoomFactory, StaffUserFactory
from tests.sip2.support import make_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERMS = (
    "view_loanpolicy",
    "add_loanpolicy",
    "change_loanpolicy",
    "delete_loanpolicy",
    "add_stackordercutoff",
    "change_stackordercutoff",
    "view_offlinebatch",
    "add_offlinebatch",
)


def test_settings_pages_are_accessible(browser, live_server, circ, tmp_path):
    user = with_permission(
        StaffUserFactory(username="settings-browser", home_library=circ.library), *PERMS
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sip2", codename="manage_kiosks")
    )
    room = ReadingRoomFactory(library=circ.library, name="Skaitykla A")
    StackOrderCutoff.objects.create(
        library=circ.library, reading_room=room, weekday=4, last_order_at=time(15)
    )
    kiosk = make_kiosk(circ.library, username="selfcheck-1")
    record_no_block(kiosk=kiosk, kind="checkout", item_barcode="X1", error_code="item_on_loan")

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

    visit(tab, base + "/staff/circulation/policies/")
    assert page.locator("h1").inner_text() == "Loan rules"
    assert page.locator("table.data-table tbody tr").count() >= 5
    assert_accessible(tab, base, language="en")
    visit(tab, base + f"/staff/circulation/policies/{circ.policy.pk}/")
    assert page.locator("h1").inner_text() == "Edit the loan rule “rule default”"
    assert_accessible(tab, base, language="en")

    visit(tab, base + "/staff/circulation/offline/")
    assert page.locator("h1").inner_text() == "Offline uploads"
    assert_accessible(tab, base, language="en")
    upload = tmp_path / "desk.csv"
    upload.write_text(f"2026-03-02 10:00,checkout,{circ.card.barcode},NOSUCH\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Upload and process").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Offline upload “desk.csv”"
    assert "item_not_found" in page.locator("table").inner_text()
    assert_accessible(tab, base, language="en")

    visit(tab, base + "/staff/kiosks/")
    assert page.locator("h1").inner_text() == "Self-check kiosks"
    assert "selfcheck-1" in page.locator("table").inner_text()
    assert_accessible(tab, base, language="en")
    visit(tab, base + "/staff/kiosks/new/")
    assert_accessible(tab, base, language="en")
    visit(tab, base + "/staff/kiosks/offline/")
    assert "item_on_loan" in page.locator("table").inner_text()
    assert_accessible(tab, base, language="en")
    tab.page.context.close()
