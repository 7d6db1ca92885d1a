"""The audit log browser: who may see it, filters, paging, constant queries, self-audit."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from skaitykla.core.models import AuditEntry
from skaitykla.core.services import record_audit
from tests.factories import LibraryFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

URL = "/staff/audit/"
# Session, user, the permissions (one statement), the audit insert, count, the page.
QUERIES_PER_PAGE = 6


@pytest.fixture
def admin_client(client: Client):
    client.force_login(StaffUserFactory(username="admin", roles=["administrator"]))
    return client


def _record_at(monkeypatch: pytest.MonkeyPatch, at: datetime, **fields: object) -> AuditEntry:
    """An audit row written at ``at`` (the table is append-only: the time is set on insert)."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: at)
        return record_audit(**fields)


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr>.*?</tr>", body.group(1), re.S) if body else []


def _actions(html: str) -> list[str]:
    return re.findall(r'<td class="audit-action"><span class="code">([^<]*)</span></td>', html)


def test_anonymous_is_sent_to_login(client: Client):
    assertRedirects(client.get(URL), f"/staff/login/?next={URL}", fetch_redirect_response=False)


@pytest.mark.parametrize("role", ["desk_librarian", "stack_attendant", "analyst", None])
def test_staff_without_the_permission_get_403(client: Client, role):
    client.force_login(StaffUserFactory(roles=[role] if role else []))
    response = client.get(URL)
    assert response.status_code == 403
    assertContains(response, "<h1>Prieiga uždrausta</h1>", html=True, status_code=403)
    assert not AuditEntry.objects.filter(action="audit_log.view").exists()


def test_administrator_sees_the_entries(admin_client: Client):
    library = LibraryFactory(code="LT-C1")
    record_audit(
        actor_kind="reader",
        actor_id=42,
        action="reader.card_issued",
        object_type="card",
        object_id="K-7",
        library=library,
        detail={"category": "adult"},
    )
    response = admin_client.get(URL)
    assert response.status_code == 200
    assertContains(response, "<h1>Veiksmų žurnalas</h1>", html=True)
    html = response.content.decode()
    assert _actions(html) == ["audit_log.view", "reader.card_issued"]
    assertContains(response, 'Skaitytojas <span class="code">#42</span>', html=True)
    assertContains(response, '<span class="code">card #K-7</span>', html=True)
    assertContains(response, "<td>LT-C1</td>", html=True)
    assertContains(response, '<span class="code">category=adult</span>', html=True)
    assertContains(response, "2 įrašai")


def test_viewing_the_audit_log_is_itself_audited(admin_client: Client):
    admin = admin_client.get(URL).wsgi_request.user
    admin_client.get(URL, {"action": "reader.", "object_type": "card"})
    views = list(AuditEntry.objects.filter(action="audit_log.view").order_by("id"))
    assert [(v.actor_kind, v.actor_id) for v in views] == [("staff", str(admin.pk))] * 2
    assert views[0].detail == {}
    assert views[1].detail == {"action": "reader.", "object_type": "card"}


def test_filters(admin_client: Client, monkeypatch: pytest.MonkeyPatch):
    _record_at(
        monkeypatch,
        datetime(2026, 3, 1, 9, tzinfo=UTC),
        actor_kind="staff",
        actor_id=1,
        action="loan.checkout",
        object_type="item",
        object_id="100",
    )
    _record_at(
        monkeypatch,
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        actor_kind="kiosk",
        actor_id="K1",
        action="loan.renew",
        object_type="item",
        object_id="101",
    )
    _record_at(
        monkeypatch,
        datetime(2026, 3, 3, 9, tzinfo=UTC),
        actor_kind="reader",
        actor_id=5,
        action="hold.place",
        object_type="record",
        object_id="100",
    )

    def actions(**filters: str) -> list[str]:
        response = admin_client.get(URL, filters)
        assert response.status_code == 200
        return [a for a in _actions(response.content.decode()) if a != "audit_log.view"]

    assert actions(action="loan.") == ["loan.renew", "loan.checkout"]
    assert actions(object_type="item", object_id="100") == ["loan.checkout"]
    assert actions(object_id="100") == ["hold.place", "loan.checkout"]
    assert actions(actor_kind="kiosk") == ["loan.renew"]
    assert actions(since="2026-03-02") == ["hold.place", "loan.renew"]
    assert actions(until="2026-03-02") == ["loan.renew", "loan.checkout"]
    assert actions(since="2026-03-02", until="2026-03-02") == ["loan.renew"]
    assert actions(action="nothing.") == []
    assertContains(admin_client.get(URL, {"action": "nothing."}), "Pagal šiuos filtrus įrašų nėra.")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2026-13-45"}, "Įveskite datą formatu MMMM-MM-DD."),
        ({"until": "vakar"}, "Įveskite datą formatu MMMM-MM-DD."),
        (
            {"since": "2026-03-05", "until": "2026-03-01"},
            "Pabaigos data ankstesnė už pradžios datą.",
        ),
        ({"actor_kind": "robot"}, "Nurodykite tinkamą reikšmę."),
    ],
)
def test_bad_filters_give_a_form_error(admin_client: Client, params, message):
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, "Pataisykite pažymėtus filtrus.")
    assertNotContains(response, "<tbody>")


def test_pages_of_fifty(admin_client: Client):
    for number in range(60):
        record_audit(actor_kind="system", action=f"test.entry{number:02d}")
    first = admin_client.get(URL)
    assert len(_rows(first.content.decode())) == 50
    assertContains(first, "61 įrašas")  # 60 + this view
    assertContains(first, "1 puslapis iš 2")
    assertContains(first, '<a href="?page=2" rel="next">Kitas puslapis</a>', html=True)

    second = admin_client.get(URL, {"page": "2", "action": "test."})
    html = second.content.decode()
    assert len(_rows(html)) == 10
    assert _actions(html)[-1] == "test.entry00"
    assertContains(
        second, '<a href="?page=1&amp;action=test." rel="prev">Ankstesnis puslapis</a>', html=True
    )

    assert admin_client.get(URL, {"page": "nonsense"}).status_code == 200
    assert admin_client.get(URL, {"page": "999"}).status_code == 200


def test_markup_in_entries_is_escaped(admin_client: Client):
    record_audit(actor_kind="system", action="<script>alert(1)</script>", detail={"x": "<b>"})
    response = admin_client.get(URL)
    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
    assertContains(response, "x=&lt;b&gt;")


@pytest.mark.parametrize("entries", [1, 60])
def test_query_count_is_constant(admin_client: Client, django_assert_num_queries, entries):
    library = LibraryFactory()
    for number in range(entries):
        record_audit(actor_kind="staff", actor_id=number, action="test.entry", library=library)
    admin_client.get(URL)  # warm up: the session and content types
    with django_assert_num_queries(QUERIES_PER_PAGE) as captured:
        response = admin_client.get(URL)
    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == min(entries + 2, 50)
    page_query = captured.captured_queries[-1]["sql"]
    assert 'LEFT OUTER JOIN "core_library"' in page_query  # the library comes with each row


def test_the_permission_decides_not_the_role_name(client: Client):
    # roles.py gives core.view_audit_log to heads of department as well as administrators.
    client.force_login(StaffUserFactory(roles=["head_of_department"]))
    assert client.get(URL).status_code == 200
