"""The public pages: content, language, sitemap, no third-party assets, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import time, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from skaitykla.core.timezones import zone
from tests.factories import (
    CalendarExceptionFactory,
    LibraryFactory,
    OpeningHoursFactory,
    ReadingRoomFactory,
    ServicePointFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = ["/", "/contacts/", "/accessibility/", "/sitemap/"]


@pytest.fixture
def library():
    """The national library with regular hours, no holiday effects (so any week is predictable)."""
    library = LibraryFactory(
        code="LT-C1",
        name="Nacionalinė biblioteka",
        name_en="National Library",
        address="Gedimino pr. 51, LT-01504 Vilnius",
        phone="+370 5 249 7028",
        email="info@lnb.example",
        closed_on_public_holidays=False,
        eve_shortening_minutes=0,
    )
    for weekday in range(7):
        opens, closes = (time(8), time(20)) if weekday < 5 else (time(10), time(18))
        OpeningHoursFactory(library=library, weekday=weekday, opens=opens, closes=closes)
    ReadingRoomFactory(
        library=library,
        code="MEDIA",
        name="Medijų skaitykla",
        name_en="Media Reading Room",
        floor="3",
        seats=40,
    )
    ReadingRoomFactory(
        library=library,
        code="RARE",
        name="Retų knygų skaitykla",
        name_en="Rare Books Reading Room",
        floor="5",
        seats=8,
        seats_per_session=2,
        entry_requires_permission=True,
    )
    ServicePointFactory(
        library=library,
        code="REG",
        name="Registracijos ir informacijos postas",
        name_en="Registration and Information Desk",
        kind="registration",
        floor="2",
    )
    return library


def _local_today():
    return timezone.localdate(timezone=zone("Europe/Vilnius"))


def _utility_items(html: str) -> list[str]:
    block = re.search(r'<nav class="utility-nav".*?</nav>', html, re.S)
    assert block, "the utility navigation is missing"
    items = re.findall(r"<li>(.*?)</li>", block.group(0), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_home_shows_the_library_this_week_and_the_reading_rooms(client: Client, library):
    today = _local_today()
    monday = today - timedelta(days=today.weekday())
    wednesday = monday + timedelta(days=2)
    CalendarExceptionFactory(
        library=library, date=wednesday, kind="closed", reason="Inventorizacija"
    )

    response = client.get("/")

    assert response.status_code == 200
    assertContains(response, '<html lang="lt">')
    assertContains(response, "<h1>Nacionalinė biblioteka</h1>", html=True)
    assertContains(response, '<h2 id="opening-hours">Darbo laikas</h2>', html=True)
    days = response.context["days"]
    assert [day.date for day in days] == [monday + timedelta(days=n) for n in range(7)]
    # Mon, Tue, Thu, Fri regular; Wednesday closed; the weekend at weekend hours.
    assertContains(response, '<span class="interval">08:00–20:00</span>', count=4)
    assertContains(response, '<span class="interval">10:00–18:00</span>', count=2)
    assertContains(response, '<span class="closed">Uždaryta</span>', count=1, html=True)
    assertContains(response, '<span class="day-note">Inventorizacija</span>', html=True)
    assertContains(response, f'<time datetime="{wednesday:%Y-%m-%d}">')
    assertContains(response, 'class="is-today" aria-current="date"', count=1)
    assertContains(response, f'<time datetime="{today:%Y-%m-%d}">')
    # Reading rooms with floor and seats.
    assertContains(response, '<h3 class="room-name">Medijų skaitykla</h3>', html=True)
    assertContains(response, "<div><dt>Aukštas</dt><dd>3</dd></div>", html=True)
    assertContains(response, "<div><dt>Vietų</dt><dd>40</dd></div>", html=True)
    assertContains(response, "<div><dt>Skaitytojų per seansą</dt><dd>2</dd></div>", html=True)
    assertContains(response, "Įėjimui reikia leidimo.")
    # Links to the other public pages.
    for path in ("/contacts/", "/accessibility/", "/sitemap/"):
        assertContains(response, f'href="{path}"')
    # The catalogue search box, labelled in Lithuanian, sends to the catalogue search.
    assertContains(response, '<form method="get" action="/catalogue/"', count=1)
    assertContains(response, '<label for="catalogue-q">Paieška kataloge</label>', html=True)


def test_home_marks_a_holiday_and_an_eve_as_the_calendar_says(client: Client, library):
    today = _local_today()
    monday = today - timedelta(days=today.weekday())
    friday = monday + timedelta(days=4)
    CalendarExceptionFactory(
        library=library,
        date=friday,
        kind="hours",
        opens=time(9),
        closes=time(13),
        reason="Trumpesnė diena",
    )
    response = client.get("/")
    assertContains(response, '<span class="interval">09:00–13:00</span>', count=1)
    assertContains(response, '<span class="day-note">Trumpesnė diena</span>', html=True)


def test_home_without_a_library_still_renders(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    assertContains(response, "<h1>Skaitykla</h1>", html=True)
    assertContains(response, "Darbo laikas dar nepaskelbtas.")
    assertContains(response, "Skaityklų sąrašas dar tuščias.")


def test_the_portal_speaks_for_the_configured_library(client: Client, library, settings):
    LibraryFactory(code="LT-A0", name="Kita biblioteka")
    settings.PORTAL_LIBRARY_CODE = "LT-C1"
    assertContains(client.get("/"), "<h1>Nacionalinė biblioteka</h1>", html=True)
    settings.PORTAL_LIBRARY_CODE = "LT-NONE"  # unknown code: the first top-level one by code
    assertContains(client.get("/"), "<h1>Kita biblioteka</h1>", html=True)


def test_the_header_carries_phone_ask_a_librarian_sign_language_and_sitemap(
    client: Client, library
):
    for path in PUBLIC_PATHS:
        html = client.get(path).content.decode()
        assert _utility_items(html) == [
            "Telefonas +370 5 249 7028",
            "Klauskite bibliotekininko",
            "Gestų kalba",
            "Svetainės medis",
        ], path
        assert 'href="tel:+37052497028"' in html
        assert 'href="/contacts/#ask-a-librarian"' in html
        assert 'href="/contacts/#sign-language"' in html
        assert 'href="/sitemap/"' in html


def test_every_page_has_landmarks_skip_link_and_language_switch(client: Client, library):
    for path in PUBLIC_PATHS:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert '<a class="skip-link" href="#main">Pereiti prie pagrindinio turinio</a>' in html
        assert '<main id="main" class="site-main" tabindex="-1">' in html
        for tag in ("<header", "<nav", "<footer"):
            assert tag in html, (path, tag)
        assert html.count("<h1") == 1, path
        assert '<form class="language-switch" action="/i18n/setlang/" method="post"' in html
        assert f'<input type="hidden" name="next" value="{path}">' in html
        assert (
            '<button type="submit" name="language" value="lt" lang="lt" aria-current="true">'
            "Lietuviškai</button>" in html
        )
        assert '<button type="submit" name="language" value="en" lang="en">English</button>' in html


def test_contacts_page_takes_its_data_from_the_library(client: Client, library):
    response = client.get("/contacts/")
    assert response.status_code == 200
    assertContains(response, "<h1>Kontaktai</h1>", html=True)
    assertContains(response, "Gedimino pr. 51, LT-01504 Vilnius")
    assertContains(response, '<a href="tel:+37052497028">+370 5 249 7028</a>', html=True)
    assertContains(response, '<a href="mailto:info@lnb.example">info@lnb.example</a>', html=True)
    assertContains(response, 'id="ask-a-librarian"')
    assertContains(response, 'id="sign-language"')
    assertContains(response, "Susisiekite su mumis lietuvių gestų kalba")
    assertContains(response, "ne vėliau kaip prieš 5 darbo dienas")
    assertContains(
        response,
        '<tr><th scope="row">Registracijos ir informacijos postas</th>'
        "<td>Registracijos postas</td><td>2</td></tr>",
        html=True,
    )
    assertContains(
        response, '<tr><th scope="row">Medijų skaitykla</th><td>3</td><td>40</td></tr>', html=True
    )


def test_accessibility_statement(client: Client, library):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    assertContains(response, "<h1>Prieinamumo deklaracija</h1>", html=True)
    assertContains(response, "WCAG")
    assertContains(response, "Brailio raštu")
    assertContains(response, "lengvai suprantama kalba")
    assertContains(response, '<a href="/contacts/#sign-language">')


def test_html_sitemap_links_every_public_page(client: Client, library):
    response = client.get("/sitemap/")
    assert response.status_code == 200
    assertContains(response, "<h1>Svetainės medis</h1>", html=True)
    for path in PUBLIC_PATHS:
        assertContains(response, f'href="{path}"')
    assertContains(response, 'href="/staff/login/"')


def test_sitemap_xml_lists_the_public_pages_with_absolute_urls(client: Client, library):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locations = [loc.text for loc in root.findall("sm:url/sm:loc", namespace)]
    assert locations == [f"http://testserver{path}" for path in PUBLIC_PATHS]


def test_sitemap_xml_uses_the_request_host_and_scheme(client: Client, library, settings):
    settings.ALLOWED_HOSTS = ["biblioteka.example"]
    response = client.get("/sitemap.xml", HTTP_HOST="biblioteka.example", secure=True)
    assert b"<loc>https://biblioteka.example/contacts/</loc>" in response.content


def test_unknown_page_is_our_404(client: Client, library):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assertContains(response, "<h1>Puslapis nerastas</h1>", html=True, status_code=404)
    assertContains(response, 'class="skip-link"', status_code=404)
    assertContains(response, "Nacionalinė biblioteka", status_code=404)


def test_default_language_is_lithuanian_whatever_the_browser_asks(client: Client, library):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assertContains(response, '<html lang="lt">')
    assertContains(response, "Darbo laikas")
    assertNotContains(response, "Opening hours")
    assert response["Content-Language"] == "lt"
    assert "Cookie" in response["Vary"]  # caches keep the languages apart
    assert "Accept-Language" not in response["Vary"]


def test_switching_to_english_is_remembered(client: Client, library):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/contacts/"})
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="lt")
    assertContains(response, '<html lang="en">')
    assertContains(response, '<h2 id="opening-hours">Opening hours</h2>', html=True)
    assertContains(response, "<h1>National Library</h1>", html=True)
    assertContains(response, '<h3 class="room-name">Media Reading Room</h3>', html=True)
    assertContains(response, "Ask a librarian")
    assertNotContains(response, "Darbo laikas")
    assertContains(
        response,
        '<button type="submit" name="language" value="en" lang="en" aria-current="true">'
        "English</button>",
    )

    client.post("/i18n/setlang/", {"language": "lt", "next": "/"})
    assertContains(client.get("/"), "Darbo laikas")


def test_an_unknown_language_cookie_falls_back_to_lithuanian(client: Client, library):
    client.cookies["django_language"] = "xx"
    assertContains(client.get("/"), '<html lang="lt">')


def test_a_library_name_with_markup_is_escaped(client: Client):
    LibraryFactory(code="LT-X", name="<script>alert(1)</script>", phone="<b>1</b>")
    for path in PUBLIC_PATHS:
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<b>1</b>" not in html


def _pages_for_host_check(client: Client) -> list[tuple[str, str]]:
    pages = [(path, client.get(path).content.decode()) for path in PUBLIC_PATHS]
    pages.append(("/no-such-page/", client.get("/no-such-page/").content.decode()))
    pages.append(("/staff/login/", client.get("/staff/login/").content.decode()))
    client.force_login(StaffUserFactory(roles=["administrator"]))
    for path in ("/staff/", "/staff/audit/"):
        pages.append((path, client.get(path).content.decode()))
    return pages


def test_no_page_refers_to_another_host(client: Client, library):
    library.website = "https://www.lnb.lt/"
    library.save()
    for path, html in _pages_for_host_check(client):
        for attribute, url in re.findall(r'\b(src|href|action)="([^"]*)"', html):
            assert not re.match(r"(?i)(https?:)?//", url), (path, attribute, url)
        assert "@import" not in html


def test_assets_are_ours_and_nothing_is_inline(client: Client, library):
    for path, html in _pages_for_host_check(client):
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts == ['<script src="/static/vendor/htmx/htmx.min.js" defer>'], path
        assert '<link rel="stylesheet" href="/static/skaitykla/skaitykla.css">' in html
        assert '<link rel="icon" href="/static/skaitykla/favicon.svg" type="image/svg+xml">' in html
        assert "<style" not in html, path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_csp_is_strict(client: Client, library):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_static_files_are_vendored():
    htmx = finders.find("vendor/htmx/htmx.min.js")
    assert htmx, "htmx is not vendored"
    with open(htmx, encoding="utf-8") as handle:
        assert 'version:"2.' in handle.read()
    assert finders.find("vendor/htmx/LICENSE")
    css = finders.find("skaitykla/skaitykla.css")
    with open(css, encoding="utf-8") as handle:
        stylesheet = handle.read()
    assert "--c-focus" in stylesheet
    assert ":focus-visible" in stylesheet
    assert "http" not in stylesheet.replace("http://www.w3.org", "")
    assert finders.find("skaitykla/favicon.svg")
