"""Public pages, feeds, .ics, certificates, feedback and the staff screens."""

from __future__ import annotations

import io
from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from skaitykla.accounts.roles import EVENTS_COORDINATOR, ensure_roles
from skaitykla.events import selectors, services
from skaitykla.events.models import Event, Feedback, Registration
from skaitykla.events.tokens import make_token
from skaitykla.notifications.models import OutgoingEmail
from tests.events.factories import (
    RoomFactory,
    TopicFactory,
    event_with_session,
    future_day,
    local,
    open_library,
)
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def library():
    return open_library(code="LT-C1", name="Lietuvos nacionalinė Martyno Mažvydo biblioteka")


@pytest.fixture
def coordinator(library):
    ensure_roles()
    return StaffUserFactory(username="koord", home_library=library, roles=[EVENTS_COORDINATOR])


def test_listing_filters_by_audience_topic_date_and_library(client, library):
    topic = TopicFactory(slug="katalogas", name="Katalogas")
    day = future_day(7)
    seniors, _ = event_with_session(
        library=library, audience="seniors", topic=topic, title="Senjorams", start=local(day, 10)
    )
    students, _ = event_with_session(
        library=library,
        audience="students",
        title="Studentams",
        start=local(day + timedelta(days=7), 10),
    )
    other, _ = event_with_session(title="Kitoje bibliotekoje", start=local(day, 12))
    response = client.get(reverse("events:list"))
    assert response.status_code == 200
    assert [e.pk for e in response.context["events"]] == [seniors.pk, other.pk, students.pk]
    response = client.get(reverse("events:list"), {"audience": "seniors"})
    assert [e.pk for e in response.context["events"]] == [seniors.pk]
    response = client.get(reverse("events:list"), {"topic": topic.pk})
    assert [e.pk for e in response.context["events"]] == [seniors.pk]
    response = client.get(reverse("events:list"), {"library": library.pk})
    assert {e.pk for e in response.context["events"]} == {seniors.pk, students.pk}
    response = client.get(
        reverse("events:list"), {"date_from": (day + timedelta(days=3)).date().isoformat()}
    )
    assert [e.pk for e in response.context["events"]] == [students.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "not-a-date"},
        {"library": "999999"},
        {"library": "99999999999999999999999"},
        {"audience": "<b>"},
        {"date_from": "2030-01-02", "date_to": "2030-01-01"},
        {"topic": "x' OR 1=1"},
    ],
)
def test_bad_filters_are_a_form_error_never_a_500(client, library, query):
    response = client.get(reverse("events:list"), query)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_titles_and_descriptions_are_escaped(client, library):
    event, _ = event_with_session(library=library, title=XSS, description=XSS)
    for url in (reverse("events:list"), reverse("events:detail", args=[event.pk])):
        body = client.get(url).content.decode()
        assert XSS not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_guest_registers_gets_mail_with_cancel_link_and_cancels(client, library):
    event, (session,) = event_with_session(library=library, capacity=1)
    response = client.post(
        reverse("events:register", args=[event.pk]),
        {
            "session": session.pk,
            "name": "Žydrūnė Šaltenytė",
            "email": "zydrune@example.lt",
            "head_count": 1,
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == "confirmed"
    page = client.get(response["Location"])
    assert "Žydrūnė Šaltenytė" in page.content.decode()
    mail = OutgoingEmail.objects.get(topic="events.confirmed")
    assert mail.subject == f"Registracija patvirtinta: {event.title}"
    token = make_token(registration.pk)
    assert reverse("events:registration", args=[token]) in mail.body_text
    client.post(reverse("events:cancel", args=[token]))
    registration.refresh_from_db()
    assert registration.status == "cancelled"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Ona", "email": "ne-el-pastas", "head_count": 1}, "el. pašto"),
        ({"name": "", "email": "ona@example.lt", "head_count": 1}, "Šis laukas yra privalomas"),
        ({"name": "Ona", "email": "ona@example.lt", "head_count": 0}, "1"),
        ({"name": "Ona", "email": "ona@example.lt", "head_count": "daug"}, "skaičių"),
    ],
)
def test_bad_registration_input_is_a_clear_error_and_nothing_saved(client, library, data, message):
    event, (session,) = event_with_session(library=library)
    response = client.post(
        reverse("events:register", args=[event.pk]), {"session": session.pk, **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Registration.objects.count() == 0


def test_twice_and_after_the_window_are_refused_on_the_page(client, library):
    event, (session,) = event_with_session(library=library)
    data = {"session": session.pk, "name": "Ona", "email": "ona@example.lt", "head_count": 1}
    client.post(reverse("events:register", args=[event.pk]), data)
    response = client.post(reverse("events:register", args=[event.pk]), data)
    assert "Jūs jau užsiregistravę" in response.content.decode()
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - timedelta(minutes=1),
        registration_opens_at=timezone.now() - timedelta(days=2),
    )
    response = client.post(
        reverse("events:register", args=[event.pk]), {**data, "email": "kitas@example.lt"}
    )
    assert response.status_code == 200
    assert "Registracija baigėsi" in response.content.decode()
    assert Registration.objects.count() == 1


def test_public_registration_is_rate_limited(client, library):
    event, (session,) = event_with_session(library=library, capacity=100)
    statuses = []
    for index in range(12):
        response = client.post(
            reverse("events:register", args=[event.pk]),
            {
                "session": session.pk,
                "name": f"Ona {index}",
                "email": f"ona{index}@example.lt",
                "head_count": 1,
            },
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [302] * 10
    assert statuses[10:] == [429, 429]
    assert Registration.objects.count() == 10


def test_unknown_event_token_and_session_are_404(client, library):
    assert client.get(reverse("events:detail", args=[999999])).status_code == 404
    assert client.get("/events/99999999999999999999999/").status_code == 404
    assert client.get("/api/v1/events/99999999999999999999999/").status_code == 404
    assert client.get(reverse("events:registration", args=["bad-token"])).status_code == 404
    assert client.get(reverse("events:self_check_in", args=[999999])).status_code == 404
    assert client.get("/events/feeds/library/NOPE.ics").status_code == 404


def test_calendar_feeds_per_library_and_topic_parse_back(client, library):
    topic = TopicFactory(slug="duomenu-bazes", name="Duomenų bazės")
    start = local(future_day(7), 14)
    event, sessions = event_with_session(
        library=library,
        topic=topic,
        sessions=2,
        start=start,
        title="Duomenų bazių paieška",
        mode="course",
    )
    event_with_session(title="Kita", start=local(future_day(9), 10))
    for url in (
        reverse("events:library_ics", args=[library.code]),
        reverse("events:topic_ics", args=[topic.slug]),
    ):
        response = client.get(url)
        assert response["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.content)
        entries = list(calendar.walk("VEVENT"))
        assert [str(e["summary"]) for e in entries] == ["Duomenų bazių paieška"] * 2
        assert [e.decoded("dtstart") for e in entries] == [s.starts_at for s in sessions]
        assert [e.decoded("dtend") for e in entries] == [s.ends_at for s in sessions]
        assert f"/events/{event.pk}/" in str(entries[0]["url"])
        assert str(entries[0]["location"]).startswith(sessions[0].room.name)


def test_atom_feeds(client, library):
    topic = TopicFactory(slug="skaitmeninis", name="Skaitmeninis raštingumas")
    event, _ = event_with_session(library=library, topic=topic, title="Išmanusis telefonas")
    for url in (
        reverse("events:library_atom", args=[library.code]),
        reverse("events:topic_atom", args=[topic.slug]),
    ):
        response = client.get(url)
        assert response["Content-Type"].startswith("application/atom+xml")
        body = response.content.decode()
        assert "<title>Išmanusis telefonas</title>" in body
        assert f"/events/{event.pk}/" in body


def test_registration_ics_parses_back(client, library):
    event, (session,) = event_with_session(library=library)
    registration = services.register(
        event=event, session=session, name="Ona", email="ona@example.lt"
    )
    response = client.get(reverse("events:registration_ics", args=[make_token(registration.pk)]))
    calendar = icalendar.Calendar.from_ical(response.content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == event.title
    assert entry.decoded("dtstart") == session.starts_at
    assert str(calendar["method"]) == "PUBLISH"


def _attended(library, name="Ąžuolas Čiurlionis-Šėmaitė"):
    start = timezone.now() - timedelta(hours=3)
    event, (session,) = event_with_session(
        library=library, start=start, title="Kaip rasti šaltinį", trainers="Rūta Žilinskienė"
    )
    registration = services.register(
        event=event,
        session=session,
        name=name,
        email="azuolas@example.lt",
        now=start - timedelta(days=1),
    )
    services.check_in(actor=None, session=session, registration=registration)
    services.complete_session(actor=None, session=session)
    return event, registration


def test_certificate_pdf_has_the_name_with_its_diacritics(client, library):
    _event, registration = _attended(library)
    response = client.get(reverse("events:certificate", args=[make_token(registration.pk)]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Ąžuolas Čiurlionis-Šėmaitė" in text
    assert "Kaip rasti šaltinį" in text
    assert "Dalyvavimo pažymėjimas" in text


def test_no_certificate_for_who_did_not_attend(client, library):
    event, (session,) = event_with_session(library=library)
    registration = services.register(
        event=event, session=session, name="Ona", email="ona@example.lt"
    )
    response = client.get(reverse("events:certificate", args=[make_token(registration.pk)]))
    assert response.status_code == 404


def test_feedback_invitation_form_and_summary(client, library, coordinator):
    event, registration = _attended(library)
    assert services.send_feedback_invitations() == 0  # too early (2 h after the end)
    assert services.send_feedback_invitations(now=timezone.now() + timedelta(hours=3)) == 1
    assert services.send_feedback_invitations(now=timezone.now() + timedelta(hours=3)) == 0
    mail = OutgoingEmail.objects.get(topic="events.feedback")
    token = make_token(registration.pk)
    assert reverse("events:feedback", args=[token]) in mail.body_text
    response = client.post(
        reverse("events:feedback", args=[token]),
        {"useful": "5", "clear": "4", "recommend": "9", "comment": ""},
    )
    assert response.status_code == 200
    assert Feedback.objects.count() == 0
    response = client.post(
        reverse("events:feedback", args=[token]),
        {"useful": "5", "clear": "4", "recommend": "5", "comment": XSS},
    )
    assert response.status_code == 302
    other = services.register(
        event=event,
        session=event.sessions.get(),
        name="B",
        email="b@example.lt",
        actor=coordinator,
        now=timezone.now() - timedelta(days=2),
    )
    Registration.objects.filter(pk=other.pk).update(status="confirmed")
    services.add_walk_in  # noqa: B018 - walk-ins give feedback the same way
    from skaitykla.events.models import Attendance

    Attendance.objects.create(session=event.sessions.get(), registration=other, method="list")
    services.submit_feedback(registration=other, useful=3, clear=2, recommend=4)
    summary = selectors.feedback_summary(event=event)
    assert summary.responses == 2
    assert [(q.code, q.average, q.counts) for q in summary.questions] == [
        ("useful", 4.0, (0, 0, 1, 0, 1)),
        ("clear", 3.0, (0, 1, 0, 1, 0)),
        ("recommend", 4.5, (0, 0, 0, 1, 1)),
    ]
    assert summary.comments == (XSS,)
    client.force_login(coordinator)
    page = client.get(reverse("events:staff_feedback", args=[event.pk])).content.decode()
    assert "4,5" in page or "4.5" in page
    assert XSS not in page


def test_guest_data_is_deleted_after_the_retention_period(library):
    event, registration = _attended(library)
    from tests.events.factories import EventFactory  # noqa: F401 - factories stay importable

    assert services.delete_guest_data() == 0
    assert services.delete_guest_data(now=timezone.now() + timedelta(days=31)) == 1
    registration.refresh_from_db()
    assert (registration.name, registration.email) == ("", "")
    assert registration.attendances.count() == 1
    assert Event.objects.get(pk=event.pk).guest_data_deleted_at is not None


def test_staff_create_session_register_check_in_and_cancel(client, library, coordinator):
    room = RoomFactory(library=library, seats=25, name="Mokymų klasė 1")
    client.force_login(coordinator)
    assert client.get(reverse("events:staff_list")).status_code == 200
    response = client.post(
        reverse("events:staff_create"),
        {
            "title": "Naujiems skaitytojams",
            "kind": "training",
            "audience": "adults",
            "language": "lt",
            "registration_mode": "per_session",
            "capacity": "0",
        },
    )
    assert response.status_code == 200
    assert "Vietų skaičius turi būti bent 1" in response.content.decode()
    response = client.post(
        reverse("events:staff_create"),
        {
            "title": "Naujiems skaitytojams",
            "kind": "training",
            "audience": "adults",
            "language": "lt",
            "registration_mode": "per_session",
            "capacity": "20",
            "publish": "on",
        },
    )
    event = Event.objects.get()
    assert response.status_code == 302
    start = local(future_day(7), 10)
    client.post(
        reverse("events:staff_session_add", args=[event.pk]),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "room": room.pk,
        },
    )
    session = event.sessions.get()
    response = client.post(
        reverse("events:staff_session_add", args=[event.pk]),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "room": room.pk,
        },
        follow=True,
    )
    assert "Patalpa tuo metu jau užimta" in response.content.decode()
    services.register(event=event, session=session, name="Ona", email="ona@example.lt")
    page = client.get(reverse("events:staff_event", args=[event.pk]))
    assert "ona@example.lt" in page.content.decode()
    page = client.get(reverse("events:staff_session", args=[session.pk]))
    assert session.check_in_code in page.content.decode()
    response = client.post(
        reverse("events:staff_message", args=[event.pk]),
        {"subject": "Svarbu", "body": "Pasiimkite kompiuterį"},
    )
    assert OutgoingEmail.objects.filter(topic="events.message").count() == 1
    client.post(reverse("events:staff_copy", args=[event.pk]), {"weeks": "2"})
    assert Event.objects.count() == 2
    client.post(reverse("events:staff_session_cancel", args=[session.pk]), {"reason": "Liga"})
    assert OutgoingEmail.objects.filter(topic="events.session_cancelled").count() == 1


def test_staff_pages_need_the_role(client, library):
    ensure_roles()
    desk = StaffUserFactory(username="desk", home_library=library, roles=["desk_librarian"])
    client.force_login(desk)
    assert client.get(reverse("events:staff_list")).status_code == 403
    assert client.get(reverse("events:staff_create")).status_code == 403


def test_a_signed_in_reader_registers_in_one_step(client, library):
    from tests.patrons.factories import TEST_PIN, ReaderCategoryFactory, reader_with_card

    reader, card = reader_with_card(
        home_library=library,
        category=ReaderCategoryFactory(code="adult"),
        barcode="LNB000123",
        first_name="Gintarė",
        last_name="Šimkutė",
        email="gintare@example.lt",
    )
    response = client.post(
        reverse("patrons:reader_login"), {"card_number": card.barcode, "pin": TEST_PIN}
    )
    assert response.status_code == 302
    event, (session,) = event_with_session(library=library)
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "Esate prisijungę kaip Gintarė" in page
    response = client.post(
        reverse("events:register", args=[event.pk]), {"session": session.pk, "head_count": 1}
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.reader_id, registration.name, registration.email) == (
        reader.pk,
        "Gintarė Šimkutė",
        "gintare@example.lt",
    )


def test_staff_book_a_group_and_the_list_takes_few_queries(
    client, library, coordinator, django_assert_max_num_queries
):
    event, (session,) = event_with_session(library=library, capacity=30)
    client.force_login(coordinator)
    response = client.post(
        reverse("events:staff_book", args=[event.pk]),
        {
            "session": session.pk,
            "name": "Mokytoja Rasa",
            "email": "rasa@mokykla.lt",
            "organisation": "Žirmūnų gimnazija",
            "head_count": 25,
        },
        follow=True,
    )
    assert "Patvirtinta" in response.content.decode()
    group = Registration.objects.get()
    assert (group.kind, group.head_count, group.organisation) == ("group", 25, "Žirmūnų gimnazija")
    for index in range(5):
        event_with_session(library=library, title=f"Renginys {index}", sessions=2)
    client.logout()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("events:list"))
    assert len(response.context["events"]) == 6
