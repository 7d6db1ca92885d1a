"""The dashboard in a real browser: an analyst opens it, changes the period and downloads a CSV;
axe-core finds no WCAG 2.1 A/AA violation and the strict CSP reports nothing."""

from __future__ import annotations

import csv
import io

import pytest

from skaitykla.accounts.roles import ANALYST
from skaitykla.stats.services import refresh_rollups
from tests.browser_support import (
    PASSWORD,
    Tab,
    assert_accessible,
)
from tests.factories import StaffUserFactory
from tests.stats.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_changes_the_period_and_downloads_a_csv(
    tab: Tab,
    live_server,
    world: World,
) -> None:
    refresh_rollups()
    StaffUserFactory(username="analitike", first_name="Ona", roles=[ANALYST])
    page = tab.page
    page.goto(live_server.url + "/staff/login/")
    page.get_by_label("Vartotojo vardas").fill("analitike")
    page.get_by_label("Slaptažodis").fill(PASSWORD)
    page.get_by_role("button", name="Prisijungti").click()
    page.wait_for_url(live_server.url + "/staff/")

    response = page.goto(
        live_server.url + "/staff/statistics/?date_from=2024-01-01&date_to=2024-12-31"
    )
    assert response is not None
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Paslaugų statistika"
    assert_accessible(tab, live_server.url)

    page.get_by_label("Nuo").fill("2025-01-01")
    page.get_by_label("Iki").fill("2025-12-31")
    page.get_by_role("button", name="Rodyti").click()
    page.wait_for_url("**date_from=2025-01-01**")
    summary = page.locator("#table-summary")
    visits = summary.locator("tr", has=page.locator("th", has_text="Fiziniai apsilankymai"))
    assert visits.locator("td").nth(1).inner_text() == "7"
    assert page.locator("svg.stats-chart").count() == 2
    assert_accessible(tab, live_server.url)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Statistiniai rodikliai (CSV)").click()
    download = download_info.value
    content = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert any(row[:1] == ["# Laikotarpis"] and row[1].startswith("2025-01-01") for row in rows)
    visits_row = next(row for row in rows if row[:1] == ["Fiziniai apsilankymai"])
    assert visits_row[2:] == ["7", "4", "75"], rows  # 7 visits, 4 a year before: +75 %
