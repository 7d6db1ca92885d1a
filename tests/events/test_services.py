"""Events, sessions, registration, the waiting list, attendance and facts: the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from skaitykla.core.models import AuditEntry, ServiceFact
from skaitykla.events import selectors, services
from skaitykla.events.errors import (
    CheckInError,
    DuplicateRegistrationError,
    InvalidCapacityError,
    InvalidEventError,
    InvalidRegistrantError,
    InvalidSessionTimesError,
    RegistrationClosedError,
    RegistrationStateError,
    RoomDoubleBookedError,
    RoomTooSmallError,
    SessionCancelledError,
)
from skaitykla.events.models import Attendance, Event, EventPolicy, Registration, Session
from skaitykla.notifications.models import OutgoingEmail
from tests.events.factories import RoomFactory, event_with_session, future_day, local, open_library
from tests.factories import CalendarExceptionFactory

pytestmark = pytest.mark.django_db


def _register(event, session=None, n=0, **kwargs):
    return services.register(
        event=event,
        session=session,
        name=kwargs.pop("name", f"Dalyvis {n}"),
        email=kwargs.pop("email", f"dalyvis{n}@example.lt"),
        **kwargs,
    )


# --- Events and sessions -------------------------------------------------------------------


def test_an_event_with_end_before_start_is_refused_and_nothing_saved():
    event, _ = event_with_session()
    start = local(future_day(14), 12)
    with pytest.raises(InvalidSessionTimesError) as caught:
        services.add_session(
            actor=None,
            event=event,
            starts_at=start,
            ends_at=start - timedelta(hours=1),
            room=RoomFactory(library=event.library),
        )
    assert caught.value.code == "session_times_invalid"
    assert event.sessions.count() == 1


@pytest.mark.parametrize("capacity", [0, -5])
def test_capacity_zero_or_negative_is_refused(capacity):
    library = open_library()
    with pytest.raises(InvalidCapacityError) as caught:
        services.create_event(
            actor=None,
            library=library,
            data=services.EventData(title="X", audience="adults", capacity=capacity),
        )
    assert caught.value.code == "capacity_invalid"
    assert Event.objects.count() == 0


def test_registration_window_must_open_before_it_closes():
    library = open_library()
    now = timezone.now()
    with pytest.raises(InvalidEventError):
        services.create_event(
            actor=None,
            library=library,
            data=services.EventData(
                title="X",
                audience="adults",
                capacity=5,
                registration_opens_at=now,
                registration_closes_at=now - timedelta(days=1),
            ),
        )
    assert Event.objects.count() == 0


def test_two_sessions_cannot_double_book_a_room():
    library = open_library()
    room = RoomFactory(library=library, seats=30)
    start = local(future_day(), 10)
    event, _ = event_with_session(library=library, room=room, start=start)
    other, _ = event_with_session(library=library, start=start + timedelta(days=1))
    with pytest.raises(RoomDoubleBookedError) as caught:
        services.add_session(
            actor=None,
            event=other,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=3),
            room=room,
        )
    assert caught.value.code == "room_double_booked"
    # back to back is fine
    services.add_session(
        actor=None,
        event=other,
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=3),
        room=room,
    )
    # a cancelled session frees the room
    services.cancel_session(actor=None, session=event.sessions.get())
    services.add_session(
        actor=None, event=other, starts_at=start, ends_at=start + timedelta(hours=1), room=room
    )


@pytest.mark.postgresql
def test_postgresql_refuses_a_double_booking_even_past_the_service():
    """PostgreSQL only by nature: the exclusion constraint (SQLite relies on the service lock)."""
    library = open_library()
    room = RoomFactory(library=library)
    start = local(future_day(), 10)
    event, _ = event_with_session(library=library, room=room, start=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            event=event,
            starts_at=start + timedelta(minutes=30),
            ends_at=start + timedelta(hours=1),
            room=room,
        )
    assert connection.vendor == "postgresql"


def test_a_room_smaller_than_the_capacity_is_refused():
    library = open_library()
    event, _ = event_with_session(library=library, capacity=10)
    with pytest.raises(RoomTooSmallError):
        services.add_session(
            actor=None,
            event=event,
            starts_at=local(future_day(20), 10),
            ends_at=local(future_day(20), 11),
            room=RoomFactory(library=library, seats=5),
        )


def test_a_session_on_a_closed_day_or_outside_hours_warns():
    library = open_library()
    day = future_day(10)
    CalendarExceptionFactory(library=library, date=day.date(), kind="closed")
    event, (closed,) = event_with_session(library=library, start=local(day, 10))
    assert closed.calendar_warning == "closed_day"
    evening = services.add_session(
        actor=None,
        event=event,
        starts_at=local(day + timedelta(days=1), 19),
        ends_at=local(day + timedelta(days=1), 21),
        room=RoomFactory(library=library),
    )
    assert evening.calendar_warning == "outside_hours"
    fine = services.add_session(
        actor=None,
        event=event,
        starts_at=local(day + timedelta(days=2), 10),
        ends_at=local(day + timedelta(days=2), 12),
        room=RoomFactory(library=library),
    )
    assert fine.calendar_warning == ""


def test_copy_event_moves_sessions_and_keeps_no_registrations():
    event, (session,) = event_with_session(sessions=1)
    _register(event, session)
    copy = services.copy_event(actor=None, event=event, shift=timedelta(days=28))
    assert copy.status == "draft"
    (copied,) = copy.sessions.all()
    assert copied.starts_at == session.starts_at + timedelta(days=28)
    assert copy.registrations.count() == 0
    services.publish_event(actor=None, event=copy)
    assert Event.objects.get(pk=copy.pk).status == "published"


# --- Registration and the waiting list -------------------------------------------------------


def test_register_confirms_then_waits_when_full_and_mails_each():
    event, (session,) = event_with_session(capacity=2)
    first = _register(event, session, 1)
    second = _register(event, session, 2)
    third = _register(event, session, 3)
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waiting"]
    topics = list(OutgoingEmail.objects.order_by("pk").values_list("topic", flat=True))
    assert topics == ["events.confirmed", "events.confirmed", "events.waiting"]
    body = OutgoingEmail.objects.order_by("pk").first().body_text
    assert "/events/registration/" in body
    assert AuditEntry.objects.filter(action="event.registered").count() == 2
    assert AuditEntry.objects.filter(action="event.waitlisted").count() == 1


def test_duplicates_are_refused_case_insensitively():
    event, (session,) = event_with_session()
    _register(event, session, email="Ona@Example.lt")
    with pytest.raises(DuplicateRegistrationError) as caught:
        _register(event, session, email=" ona@example.LT ")
    assert caught.value.code == "registration_duplicate"
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "email"), [("", "a@example.lt"), ("Ona", "not-an-email"), ("Ona", "")]
)
def test_invalid_registrant_is_refused(name, email):
    event, (session,) = event_with_session()
    with pytest.raises(InvalidRegistrantError):
        services.register(event=event, session=session, name=name, email=email)
    assert Registration.objects.count() == 0


def test_registration_after_the_window_or_for_a_cancelled_session_is_refused():
    event, (session,) = event_with_session()
    with pytest.raises(RegistrationClosedError):
        _register(event, session, now=session.starts_at + timedelta(minutes=1))
    Event.objects.filter(pk=event.pk).update(
        registration_opens_at=timezone.now() + timedelta(days=1)
    )
    event.refresh_from_db()
    with pytest.raises(RegistrationClosedError):
        _register(event, session)
    Event.objects.filter(pk=event.pk).update(registration_opens_at=None)
    event.refresh_from_db()
    services.cancel_session(actor=None, session=session)
    with pytest.raises(SessionCancelledError) as caught:
        _register(event, session)
    assert caught.value.code == "session_cancelled"
    assert Registration.objects.count() == 0


def test_cancel_offers_the_seat_to_the_next_who_accepts():
    event, (session,) = event_with_session(capacity=1)
    first = _register(event, session, 1)
    second = _register(event, session, 2)
    third = _register(event, session, 3)
    services.cancel_registration(registration=first)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == "offered"
    assert third.status == "waiting"
    assert second.offer_expires_at is not None
    assert OutgoingEmail.objects.filter(to=second.email, topic="events.offered").exists()
    services.accept_offer(registration=second)
    second.refresh_from_db()
    assert second.status == "confirmed"
    with pytest.raises(RegistrationStateError):
        services.accept_offer(registration=third)


def test_an_expired_offer_goes_to_the_next_person():
    event, (session,) = event_with_session(capacity=1)
    EventPolicy.objects.create(library=event.library, offer_valid_hours=3)
    first = _register(event, session, 1)
    second = _register(event, session, 2)
    third = _register(event, session, 3)
    services.cancel_registration(registration=first)
    second.refresh_from_db()
    assert second.offer_expires_at - timezone.now() < timedelta(hours=3, minutes=1)
    assert services.expire_offers(now=timezone.now() + timedelta(hours=2)) == 0
    assert services.expire_offers(now=timezone.now() + timedelta(hours=4)) == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == ("expired", "offered")
    with pytest.raises(RegistrationStateError):
        services.accept_offer(registration=second)


def test_a_group_booking_takes_its_head_count_and_a_large_group_waits():
    event, (session,) = event_with_session(capacity=20)
    school = _register(event, session, 1, head_count=15, organisation="Vilniaus licėjus")
    assert (school.kind, school.status) == ("group", "confirmed")
    assert selectors.seats_free(event=event, session=session) == 5
    big = _register(event, session, 2, head_count=6)
    assert big.status == "waiting"
    with pytest.raises(InvalidRegistrantError):
        _register(event, session, 3, head_count=21)


def test_a_course_is_one_registration_for_all_sessions():
    event, sessions = event_with_session(mode="course", sessions=4, capacity=1)
    registration = _register(event, None, 1)
    assert registration.session is None
    assert _register(event, sessions[2], 2).status == "waiting"  # session ignored for a course
    with pytest.raises(DuplicateRegistrationError):
        _register(event, None, 1)


def test_reader_registers_in_one_step_with_their_own_name_and_email():
    from tests.patrons.factories import ReaderCategoryFactory, reader_with_card

    event, (session,) = event_with_session()
    reader, _card = reader_with_card(
        home_library=event.library, category=ReaderCategoryFactory(code="adult"), barcode="EV0001"
    )
    reader.email = "skaitytoja@example.lt"
    reader.save()
    registration = services.register(event=event, session=session, reader=reader)
    assert registration.reader_id == reader.pk
    assert registration.email == "skaitytoja@example.lt"
    with pytest.raises(DuplicateRegistrationError):
        services.register(event=event, session=session, reader=reader)
    attendance = services.check_in_by_card(actor=None, session=session, card_number="ev0001")
    assert attendance.method == "card"


def test_reader_export_holds_registrations_and_erasure_keeps_them_de_identified():
    from skaitykla.accounts.models import User
    from skaitykla.patrons import selectors as reader_selectors
    from skaitykla.patrons import services as reader_services
    from tests.patrons.factories import ReaderCategoryFactory, reader_with_card

    event, (session,) = event_with_session()
    reader, _card = reader_with_card(
        home_library=event.library, category=ReaderCategoryFactory(code="adult"), barcode="EV0002"
    )
    reader.email = "skaitytoja@example.lt"
    reader.save()
    registration = services.register(event=event, session=session, reader=reader)

    exported = reader_selectors.export_reader_data(reader=reader)["tables"]
    [row] = exported["events.registration.reader"]
    assert (row["event__title"], row["status"], row["head_count"]) == (
        event.title,
        registration.status,
        1,
    )

    librarian = User.objects.create_user("erasing-librarian", is_staff=True)
    reader_services.erase_reader(reader=reader, actor=librarian)
    registration.refresh_from_db()
    assert (registration.reader_id, registration.name, registration.email) == (None, "", "")
    assert registration.status == exported["events.registration.reader"][0]["status"]


# --- Attendance and facts ---------------------------------------------------------------------


def test_attendance_no_shows_walk_ins_and_facts():
    library = open_library()
    start = timezone.now() - timedelta(hours=1)
    event, (session,) = event_with_session(
        library=library, start=start, audience="seniors", kind="thematic"
    )
    present = _register(event, session, 1, now=start - timedelta(days=1))
    group = _register(event, session, 2, head_count=5, now=start - timedelta(days=1))
    _register(event, session, 3, now=start - timedelta(days=1))  # a no-show
    services.check_in(actor=None, session=session, registration=present)
    services.check_in(actor=None, session=session, registration=present)  # idempotent
    services.check_in(actor=None, session=session, registration=group, head_count=4)
    walk_in = services.add_walk_in(actor=None, session=session, name="Jonas Užėjęs")
    assert walk_in.method == "walk_in"
    outcome = services.complete_session(actor=None, session=session)
    assert (outcome.attendees, outcome.no_shows, outcome.hours) == (6, 1, 2.0)
    facts = {f.kind: f for f in ServiceFact.objects.all()}
    assert facts["event_session_held"].value == 2
    assert facts["event_session_held"].category == "seniors"
    assert facts["event_session_held"].channel == "in_person"
    assert facts["event_attendance"].quantity == 6
    assert facts["event_no_show"].quantity == 1


def test_a_training_is_counted_as_user_training_in_statistics():
    library = open_library()
    start = timezone.now() - timedelta(hours=1)
    event, (session,) = event_with_session(
        library=library, start=start, audience="seniors", kind="training"
    )
    present = _register(event, session, 1, now=start - timedelta(days=1))
    services.check_in(actor=None, session=session, registration=present)
    services.complete_session(actor=None, session=session)
    facts = {f.kind: f for f in ServiceFact.objects.all()}
    assert (facts["event_session_held"].category, facts["event_session_held"].value) == (
        "training",
        2,
    )
    assert (facts["event_attendance"].category, facts["event_attendance"].quantity) == (
        "training",
        1,
    )


def test_self_check_in_needs_the_right_code_and_time():
    start = timezone.now() - timedelta(minutes=10)
    event, (session,) = event_with_session(start=start)
    registration = _register(event, session, 1, now=start - timedelta(days=1))
    with pytest.raises(CheckInError):
        services.self_check_in(session=session, code="wrong", email=registration.email)
    with pytest.raises(CheckInError):
        services.self_check_in(
            session=session,
            code=session.check_in_code,
            email=registration.email,
            now=start + timedelta(hours=5),
        )
    attendance = services.self_check_in(
        session=session, code=session.check_in_code, email=registration.email.upper()
    )
    assert attendance.method == "self"
    assert Attendance.objects.count() == 1


def test_virtual_attendance_is_counted_as_virtual():
    library = open_library()
    start = timezone.now() - timedelta(hours=2)
    event = services.create_event(
        actor=None,
        library=library,
        data=services.EventData(
            title="Nuotoliniai mokymai",
            audience="librarians",
            capacity=50,
            online_link="https://meet.example.lt/abc",
        ),
    )
    session = services.add_session(
        actor=None,
        event=event,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        is_online=True,
    )
    Registration.objects.create(
        event=event,
        session=session,
        name="A",
        email="a@example.lt",
        email_key="a@example.lt",
        status="confirmed",
    )
    services.check_in(actor=None, session=session, registration=Registration.objects.get())
    services.complete_session(actor=None, session=session)
    assert set(ServiceFact.objects.values_list("channel", flat=True)) == {"virtual"}


# --- Cancelling a session, messages, reminders -------------------------------------------------


def test_cancelling_a_session_tells_everyone():
    event, (session,) = event_with_session(capacity=1)
    _register(event, session, 1)
    _register(event, session, 2)
    OutgoingEmail.objects.all().delete()
    services.cancel_session(actor=None, session=session, reason="Liga")
    assert set(OutgoingEmail.objects.values_list("to", "topic")) == {
        ("dalyvis1@example.lt", "events.session_cancelled"),
        ("dalyvis2@example.lt", "events.session_cancelled"),
    }
    assert set(Registration.objects.values_list("status", flat=True)) == {"cancelled"}


def test_message_all_registrants_and_reminders():
    start = timezone.now() + timedelta(hours=20)
    event, (session,) = event_with_session(capacity=1, start=start)
    _register(event, session, 1, now=start - timedelta(days=2))
    _register(event, session, 2, now=start - timedelta(days=2))
    OutgoingEmail.objects.all().delete()
    assert (
        services.message_registrants(
            actor=None, event=event, subject="Pakeitimas", body="Atsineškite kompiuterį."
        )
        == 1
    )
    assert (
        services.message_registrants(
            actor=None, event=event, subject="Visiems", body="Sveiki", include_waiting=True
        )
        == 2
    )
    with pytest.raises(InvalidEventError):
        services.message_registrants(actor=None, event=event, subject="", body="x")
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0
    assert OutgoingEmail.objects.filter(topic="events.reminder").count() == 1


def test_the_periodic_jobs_are_registered_and_run():
    from django.utils.module_loading import import_string

    from skaitykla.core.schedule import PERIODIC_JOBS
    from skaitykla.events.apps import PERIODIC

    for name, task_path, _interval in PERIODIC:
        assert PERIODIC_JOBS[name].task_path == task_path
        assert import_string(task_path).call() == 0


def test_a_registration_cancelled_after_the_list_was_loaded_is_not_checked_in():
    start = timezone.now() - timedelta(minutes=10)
    event, (session,) = event_with_session(start=start)
    registration = _register(event, session, 1, now=start - timedelta(days=1))
    stale = Registration.objects.get(pk=registration.pk)  # the trainer's list, still confirmed
    services.cancel_registration(registration=registration)
    with pytest.raises(CheckInError):
        services.check_in(actor=None, session=session, registration=stale)
    assert Attendance.objects.count() == 0


def test_self_check_in_is_audited_as_the_registrant():
    start = timezone.now() - timedelta(minutes=10)
    event, (session,) = event_with_session(start=start)
    registration = _register(event, session, 1, now=start - timedelta(days=1))
    services.self_check_in(session=session, code=session.check_in_code, email=registration.email)
    entry = AuditEntry.objects.get(action="event.checked_in")
    assert (entry.actor_kind, entry.actor_id) == ("anonymous", "")


def test_links_in_mails_sent_by_jobs_use_the_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://renginiai.example.lt"
    event, (session,) = event_with_session()
    registration = _register(event, session, 1)
    links = services.registration_links(registration)
    assert links["manage"].startswith("https://renginiai.example.lt/")
    assert services.registration_links(registration, "http://desk.example/")["ics"].startswith(
        "http://desk.example/events/"
    )
