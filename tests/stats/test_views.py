"""Dashboard, exports (CSV, XLSX, PDF, national long format), permissions and allow-lists."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from skaitykla.accounts.roles import ANALYST, DESK_LIBRARIAN
from skaitykla.stats.models import PopulationServed
from tests.factories import StaffUserFactory
from tests.stats.conftest import World

pytestmark = pytest.mark.django_db

YEAR_2025 = {"date_from": "2025-01-01", "date_to": "2025-12-31"}


@pytest.fixture
def analyst(client: Client) -> Client:
    client.force_login(StaffUserFactory(username="analitike", roles=[ANALYST]))
    return client


def test_dashboard_needs_the_permission(client: Client, world: World) -> None:
    url = reverse("stats:dashboard")
    assert client.get(url).status_code == 302
    client.force_login(StaffUserFactory(roles=[DESK_LIBRARIAN]))
    assert client.get(url).status_code == 403
    assert client.get(reverse("stats:export", args=["csv"])).status_code == 403


def test_dashboard_shows_measures_indicators_charts_and_tables(
    analyst: Client, world: World
) -> None:
    response = analyst.get(reverse("stats:dashboard"), {**YEAR_2025, "compare": "last_year"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fiziniai apsilankymai" in html  # Lithuanian by default
    assert html.count("<svg") == 2
    assert 'role="img"' in html
    assert "<title id=" in html
    assert "<desc id=" in html
    assert " style=" not in html  # strict CSP: no inline style attributes
    assert 'id="table-series"' in html
    assert 'id="table-breakdown"' in html
    assert "LT-MAIN" in html  # drill-down link
    assert "library=LT-MAIN" in html


def test_default_dashboard_without_parameters(analyst: Client, world: World) -> None:
    assert analyst.get(reverse("stats:dashboard")).status_code == 200


def test_drill_down_to_rooms(analyst: Client, world: World) -> None:
    response = analyst.get(
        reverse("stats:dashboard"), {**YEAR_2025, "library": "LT-MAIN", "group": "place"}
    )
    assert response.status_code == 200
    assert "MEDIA" in response.content.decode()
    assert "RARE" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "id;--"},
        {"sort": "(select 1)"},
        {"group": "id;--"},
        {"group": "name desc, (case when 1=1 then 1 end)"},
        {"measure": "unknown_measure"},
        {"measure": "(select 1)"},
        {"date_from": "2025-12-31", "date_to": "2025-01-01"},
        {"date_from": "1925-01-01", "date_to": "2025-01-01"},
        {"date_from": "2025-13-45"},
        {"date_from": "1e9"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"date_from": "9999-12-01", "date_to": "9999-12-31"},
        {"library": "LT-NOPE"},
        {"library": "(select 1)"},
        {"room": "NOPE"},
        {"library": "LT-BR", "room": "MEDIA"},
        {"channel": "carrier_pigeon"},
        {"compare": "id;--"},
        {"reader_category": "x' OR '1'='1"},
    ],
)
def test_input_outside_the_allow_lists_is_a_400(
    analyst: Client, places: World, params: dict[str, str]
) -> None:
    data = {**YEAR_2025, **params}
    page = analyst.get(reverse("stats:dashboard"), data)
    assert page.status_code == 400
    assert "field-error" in page.content.decode()
    assert analyst.get(reverse("v1:stats-measures"), data).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "id;--"},
        {"group": "(select 1)"},
        {"measure": "unknown_measure"},
        {"date_from": "2025-12-31", "date_to": "2025-01-01"},
        {"date_from": "1925-01-01", "date_to": "2025-01-01"},
        {"library": "LT-NOPE"},
    ],
)
def test_exports_and_api_refuse_input_outside_the_allow_lists(
    analyst: Client, places: World, params: dict[str, str]
) -> None:
    data = {**YEAR_2025, **params}
    assert analyst.get(reverse("stats:export", args=["csv"]), data).status_code == 400
    assert analyst.get(reverse("stats:export", args=["xlsx"]), data).status_code == 400
    assert analyst.get(reverse("stats:report_pdf"), data).status_code == 400
    assert analyst.get(reverse("v1:stats-indicators"), data).status_code == 400


def test_export_table_and_format_allow_lists(analyst: Client, world: World) -> None:
    assert analyst.get(reverse("stats:export", args=["csv"]), {"table": "id;--"}).status_code == 400
    assert analyst.get(reverse("stats:export", args=["exe"])).status_code == 400
    assert analyst.get(reverse("stats:national", args=["exe"]), {"year": 2025}).status_code == 400
    assert analyst.get(reverse("stats:national", args=["csv"]), {"year": "x"}).status_code == 400
    assert (
        analyst.get(
            reverse("stats:national", args=["csv"]), {"year": 2025, "library": "NOPE"}
        ).status_code
        == 400
    )


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_has_filters_header_and_numbers(analyst: Client, world: World) -> None:
    response = analyst.get(
        reverse("stats:export", args=["csv"]),
        {**YEAR_2025, "library": "LT-MAIN", "table": "breakdown", "group": "place"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response.content)
    notes = {row[0]: row[1] for row in rows if row and row[0].startswith("#")}
    assert any("LT-MAIN" in value for value in notes.values())
    data = [row for row in rows if row and not row[0].startswith("#")]
    assert len(data[0]) == 2  # header
    assert data[1:] == [["MEDIA", "3"], ["RARE", "2"]]


def test_xlsx_export_numbers_as_numbers(analyst: Client, world: World) -> None:
    response = analyst.get(
        reverse("stats:export", args=["xlsx"]), {**YEAR_2025, "table": "summary"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    flat = [str(cell) for row in values for cell in row if cell is not None]
    assert any("2025-01-01" in cell for cell in flat)  # the period is in the sheet
    header_index = next(
        i for i, row in enumerate(values) if row[1] and row[2] == "2025-01-01 – 2025-12-31"
    )
    by_unit = {row[1]: row for row in values[header_index + 1 :] if row[0]}
    loans = next(row for row in values[header_index + 1 :] if row[2] == 10 and row[3] == 3)
    assert isinstance(loans[2], int)
    assert by_unit  # a table follows the header
    hours = next(row for row in values[header_index + 1 :] if row[2] == 6.5)
    assert isinstance(hours[2], float)


def test_pdf_report_has_lithuanian_text_and_tables(analyst: Client, world: World) -> None:
    response = analyst.get(reverse("stats:report_pdf"), YEAR_2025)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Paslaugų statistikos ataskaita" in text
    assert "Veiklos rodikliai" in text
    assert "Fondo apyvarta" in text
    assert "ą" in text or "ė" in text or "š" in text
    assert "2025-01-01 – 2025-12-31" in text


def test_national_long_format(analyst: Client, world: World) -> None:
    response = analyst.get(reverse("stats:national", args=["csv"]), {"year": 2025})
    assert response.status_code == 200
    rows = _csv_rows(response.content)
    assert rows[0] == [
        "biblioteka",
        "metai",
        "rodiklio_grupe",
        "rodiklio_kodas",
        "rodiklio_aprasymas",
        "reiksme",
    ]
    values = {(row[0], row[3]): row[5] for row in rows[1:]}
    assert values[("LT-MAIN", "LANK")] == "5"
    assert values[("LT-BR", "LANK")] == "2"
    assert values[("LT-MAIN", "VLANK")] == "116"
    assert values[("LT-MAIN", "VART")] == "500"
    assert values[("LT-MAIN", "VART%")] == "12.50"
    xlsx = analyst.get(reverse("stats:national", args=["xlsx"]), {"year": 2025})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert any(row[5] == 116 for row in sheet.iter_rows(values_only=True) if len(row) > 5)


def test_definitions_page(analyst: Client, world: World) -> None:
    response = analyst.get(reverse("stats:definitions"))
    assert response.status_code == 200
    assert "ISO 11620 B.2.1.1" in response.content.decode()


def test_settings_edit_population(analyst: Client, world: World) -> None:
    url = reverse("stats:settings")
    assert analyst.get(url).status_code == 200
    response = analyst.post(
        url,
        {
            "which": "population",
            "population-library": "LT-BR",
            "population-year": 2026,
            "population-population": 1234,
        },
    )
    assert response.status_code == 302
    assert PopulationServed.objects.get(library=world.branch, year=2026).population == 1234
    bad = analyst.post(
        url,
        {
            "which": "collection",
            "collection-library": "LT-BR",
            "collection-year": 2026,
            "collection-items_held": 5,
            "collection-items_not_loaned": 9,
        },
    )
    assert bad.status_code == 400


def test_api_measures_and_indicators(analyst: Client, world: World) -> None:
    measures = analyst.get(reverse("v1:stats-measures"), {**YEAR_2025, "group": "library"})
    assert measures.status_code == 200
    body = measures.json()
    values = {m["code"]: m["value"] for m in body["measures"]}
    assert values["visits"] == 7
    assert values["event_hours"] == 6.5
    comparison = {m["code"]: m["comparison"] for m in body["measures"]}
    assert comparison["visits"] == 4
    assert {g["key"] for g in body["groups"]} == {"LT-MAIN", "LT-BR"}
    result = analyst.get(reverse("v1:stats-indicators"), {**YEAR_2025, "library": "LT-MAIN"})
    assert result.status_code == 200
    by_code = {i["code"]: i for i in result.json()["indicators"]}
    assert by_code["registration_share"]["value"] == 12.5
    assert by_code["registration_share"]["inputs"] == {
        "registered_readers": 500,
        "population": 4000,
    }
    bad = analyst.get(
        reverse("v1:stats-indicators"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert bad.status_code == 400
    assert "date_to" in bad.json()["errors"]


def test_api_needs_the_permission(client: Client, world: World) -> None:
    assert client.get(reverse("v1:stats-measures")).status_code in {401, 403}
    client.force_login(StaffUserFactory(roles=[DESK_LIBRARIAN]))
    assert client.get(reverse("v1:stats-measures")).status_code == 403


def test_exports_of_an_empty_period(analyst: Client, places: World) -> None:
    empty = {"date_from": "2023-01-01", "date_to": "2023-03-31", "compare": "previous"}
    assert analyst.get(reverse("stats:dashboard"), empty).status_code == 200
    assert analyst.get(reverse("stats:report_pdf"), empty).status_code == 200
    for table in ("summary", "indicators", "breakdown", "series"):
        response = analyst.get(reverse("stats:export", args=["xlsx"]), {**empty, "table": table})
        assert response.status_code == 200
    national = analyst.get(reverse("stats:national", args=["csv"]), {"year": 2023})
    assert national.status_code == 200


def test_the_dashboard_computes_each_number_once(
    analyst: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skaitykla.stats import selectors

    calls: dict[str, int] = {"sums": 0, "distributions": 0}
    sums, distribution = selectors._sums, selectors.value_distribution

    def counted_sums(*args: object, **kwargs: object) -> object:
        calls["sums"] += 1
        return sums(*args, **kwargs)  # type: ignore[arg-type]

    def counted_distribution(*args: object, **kwargs: object) -> object:
        calls["distributions"] += 1
        return distribution(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(selectors, "_sums", counted_sums)
    monkeypatch.setattr(selectors, "value_distribution", counted_distribution)
    response = analyst.get(reverse("stats:dashboard"), {**YEAR_2025, "compare": "last_year"})
    assert response.status_code == 200
    # totals, breakdown and series for the period, totals and series for the comparison
    assert calls["sums"] == 5
    # the answer-time and retrieval-time distributions, once for each period
    assert calls["distributions"] == 4


def test_setting_figures_is_audited(analyst: Client, world: World) -> None:
    from skaitykla.core.models import AuditEntry

    analyst.post(
        reverse("stats:settings"),
        {
            "which": "population",
            "population-library": "LT-BR",
            "population-year": 2026,
            "population-population": 1234,
        },
    )
    entry = AuditEntry.objects.get(action="stats.population_set", actor_kind="staff")
    assert entry.actor_id
    assert entry.detail == {"year": 2026}
    assert entry.library_id == world.branch.pk
