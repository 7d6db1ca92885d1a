"""Staff login, lock-out, logout, the dashboard, and who may use the staff pages."""

from __future__ import annotations

from datetime import time

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from skaitykla.core.timezones import zone
from tests.factories import (
    CalendarExceptionFactory,
    LibraryFactory,
    OpeningHoursFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-42"
WRONG_LOGIN = (
    "Įveskite teisingą vartotojo vardas ir slaptažodį. "
    "Abiejuose laukuose didžiosios mažosios raidės skiriasi."
)


def _login(client: Client, username: str, password: str, **extra: str):
    return client.post("/staff/login/", {"username": username, "password": password, **extra})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def home_library():
    library = LibraryFactory(
        code="LT-C1",
        name="Nacionalinė biblioteka",
        closed_on_public_holidays=False,
        eve_shortening_minutes=0,
    )
    for weekday in range(7):
        OpeningHoursFactory(library=library, weekday=weekday, opens=time(8), closes=time(20))
    return library


def test_login_page(client: Client):
    response = client.get("/staff/login/")
    assert response.status_code == 200
    assertContains(response, "<h1>Darbuotojų prisijungimas</h1>", html=True)
    assertContains(response, '<html lang="lt">')
    assertContains(response, 'autocomplete="username"')
    assertContains(response, 'autocomplete="current-password"')
    assertContains(response, '<button type="submit" class="button">Prisijungti</button>', html=True)
    assertNotContains(response, "Atsijungti")


def test_staff_user_logs_in_and_sees_the_dashboard(client: Client, home_library):
    user = StaffUserFactory(
        username="aiste",
        first_name="Aistė",
        last_name="Administratorė",
        home_library=home_library,
        roles=["administrator"],
    )
    response = _login(client, "aiste", PASSWORD)
    assertRedirects(response, "/staff/", fetch_redirect_response=False)
    assert client.session["_auth_user_id"] == str(user.pk)

    response = client.get("/staff/")
    assert response.status_code == 200
    assertContains(response, "<h1>Valdymo skydelis</h1>", html=True)
    assertContains(response, "Sveiki! Esate prisijungę kaip Aistė Administratorė.")
    assertContains(response, "<li>Administratorius</li>", html=True)
    assertContains(response, '<a href="/staff/audit/">Veiksmų žurnalas</a>', count=2, html=True)
    assertContains(response, '<a href="/api/docs/">API dokumentacija</a>', count=2, html=True)
    assertContains(response, '<p class="today-library">Nacionalinė biblioteka</p>', html=True)
    assertContains(response, "Šiandien dirbame:")
    assertContains(response, "08:00–20:00")


def test_login_honours_a_safe_next(client: Client):
    StaffUserFactory(username="jonas")
    response = _login(client, "jonas", PASSWORD, next="/staff/audit/")
    assertRedirects(response, "/staff/audit/", fetch_redirect_response=False)


def test_dashboard_says_when_the_library_is_closed_today(client: Client, home_library):
    today = timezone.localdate(timezone=zone("Europe/Vilnius"))
    CalendarExceptionFactory(
        library=home_library, date=today, kind="closed", reason="Inventorizacija"
    )
    client.force_login(StaffUserFactory(home_library=home_library, roles=["desk_librarian"]))
    response = client.get("/staff/")
    assertContains(
        response,
        '<p class="status status-closed">Šiandien uždaryta: Inventorizacija</p>',
        html=True,
    )
    assertContains(response, "<li>Aptarnavimo bibliotekininkas</li>", html=True)
    assertNotContains(response, "/staff/audit/")


def test_dashboard_without_home_library_or_roles(client: Client):
    client.force_login(StaffUserFactory())
    response = client.get("/staff/")
    assert response.status_code == 200
    assertContains(response, "Jūsų paskyrai nenurodyta pagrindinė biblioteka")
    assertContains(response, "Jums dar nesuteiktas joks vaidmuo.")


def test_wrong_password_is_refused(client: Client):
    StaffUserFactory(username="jonas")
    response = _login(client, "jonas", "wrong")
    assert response.status_code == 200
    assertContains(response, WRONG_LOGIN)
    assertContains(response, 'role="alert"')
    assert not _signed_in(client)


def test_repeated_wrong_passwords_lock_the_account(client: Client):
    StaffUserFactory(username="jonas")
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit):
        assert _login(client, "jonas", f"wrong-{attempt}").status_code == 200
    locked = _login(client, "jonas", "wrong-last")
    assert locked.status_code == 429
    assertContains(locked, "<h1>Prisijungimas sustabdytas</h1>", html=True, status_code=429)
    assertContains(locked, f"Slaptažodis {limit} kartus įvestas neteisingai", status_code=429)
    assertContains(locked, '<html lang="lt">', status_code=429)

    refused = _login(client, "jonas", PASSWORD)
    assert refused.status_code == 429
    assert not _signed_in(client)
    assertRedirects(
        client.get("/staff/"), "/staff/login/?next=/staff/", fetch_redirect_response=False
    )


def test_logout_is_a_post_and_ends_the_session(client: Client):
    client.force_login(StaffUserFactory())
    assert client.get("/staff/logout/").status_code == 405
    assert _signed_in(client)
    response = client.post("/staff/logout/")
    assertRedirects(response, "/", fetch_redirect_response=False)
    assert not _signed_in(client)
    assertRedirects(
        client.get("/staff/"), "/staff/login/?next=/staff/", fetch_redirect_response=False
    )


def test_dashboard_shows_a_logout_form(client: Client):
    client.force_login(StaffUserFactory())
    response = client.get("/staff/")
    assertContains(response, '<form action="/staff/logout/" method="post">')
    assertContains(response, "Atsijungti")


def test_anonymous_visitor_is_sent_to_login(client: Client):
    assertRedirects(
        client.get("/staff/"), "/staff/login/?next=/staff/", fetch_redirect_response=False
    )


def test_a_non_staff_account_cannot_log_in(client: Client):
    StaffUserFactory(username="skaitytojas", is_staff=False)
    response = _login(client, "skaitytojas", PASSWORD)
    assert response.status_code == 200
    assertContains(response, WRONG_LOGIN)
    assert not _signed_in(client)


def test_a_non_staff_account_gets_403_on_staff_pages(client: Client):
    client.force_login(StaffUserFactory(is_staff=False))
    for path in ("/staff/", "/staff/audit/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assertContains(response, "<h1>Prieiga uždrausta</h1>", html=True, status_code=403)


def test_an_inactive_staff_account_cannot_log_in(client: Client):
    StaffUserFactory(username="buves", is_active=False)
    _login(client, "buves", PASSWORD)
    assert not _signed_in(client)


def test_staff_pages_switch_to_english(client: Client):
    client.force_login(StaffUserFactory(first_name="Jonas", last_name="Jonaitis"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    response = client.get("/staff/")
    assertContains(response, '<html lang="en">')
    assertContains(response, "<h1>Dashboard</h1>", html=True)
    assertContains(response, "Welcome! You are signed in as Jonas Jonaitis.")


def test_login_escapes_the_username(client: Client):
    response = _login(client, "<script>alert(1)</script>", "x")
    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
