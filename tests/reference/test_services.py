"""Question queue services: deadlines on the calendar, the pause, claims, routing, answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from skaitykla.core.models import AuditEntry, ServiceFact
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.reference import selectors, services
from skaitykla.reference.choices import QuestionStatus
from skaitykla.reference.errors import (
    ClaimedByOtherError,
    QuestionStateError,
)
from skaitykla.reference.models import DeskTransaction, Question, ReferenceProfile
from tests.factories import StaffUserFactory
from tests.reference.factories import ask, at, weekday_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return weekday_library(code="LT-REF1", name="Centrinė biblioteka", email="info@lib.example")


@pytest.fixture
def librarian():
    return StaffUserFactory(email="bibliotekininke@lib.example")


def test_deadline_skips_a_public_holiday(library):
    # Friday 3 July 2026; Monday 6 July is Statehood Day.
    question = ask(library, now=at(2026, 7, 3))
    assert question.received_on == date(2026, 7, 3)
    assert question.deadline == date(2026, 7, 9)
    assert question.status == QuestionStatus.NEW


def test_deadline_counts_a_shortened_eve_and_skips_christmas(library):
    # Tuesday 22 Dec 2026: 23rd is an eve (open, shortened); 24–26 are holidays.
    from skaitykla.core.calendar import LibraryCalendar

    calendar = LibraryCalendar.for_library(library)
    assert calendar.day_schedule(date(2026, 12, 23)).is_eve_shortened
    question = ask(library, now=at(2026, 12, 22))
    assert question.deadline == date(2026, 12, 29)


def test_deadline_uses_the_local_day_late_in_the_evening(library):
    # 23:30 in Vilnius on Friday is still Friday there (21:30 UTC).
    question = ask(library, now=at(2026, 7, 3, 23, 30))
    assert question.received_on == date(2026, 7, 3)


def test_deadline_days_are_library_policy(library):
    ReferenceProfile.objects.create(library=library, deadline_days=5)
    question = ask(library, now=at(2026, 3, 2))  # Monday; Wed 11 March is a holiday
    assert question.deadline == date(2026, 3, 9)


def test_waiting_for_the_reader_pauses_the_deadline(library, librarian):
    question = ask(library, now=at(2026, 3, 2))  # Monday
    assert question.deadline == date(2026, 3, 5)
    services.ask_reader(
        question_id=question.pk, user=librarian, message="Kurio laikotarpio?", now=at(2026, 3, 3)
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.WAITING
    assert question.remaining_days == 2
    # Nothing is overdue while waiting.
    assert not selectors.list_queue(libraries=None, overdue_on=date(2026, 3, 20)).exists()
    services.reply_as_reader(token=str(question.token), text="XIX a.", now=at(2026, 3, 9))
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW
    # Two working days after Monday 9 March, skipping the holiday on the 11th.
    assert question.deadline == date(2026, 3, 12)
    assert question.remaining_days is None


def test_confirmation_email_states_the_deadline(library):
    question = ask(library, now=at(2026, 7, 3))
    [email] = OutgoingEmail.objects.filter(object_id=str(question.pk))
    assert email.to == "skaitytojas@example.lt"
    assert "2026-07-09" in email.body_text
    assert "2026-07-09" in email.body_html


def test_received_question_writes_a_fact_without_personal_data(library):
    ask(library, now=at(2026, 7, 3))
    fact = ServiceFact.objects.get(kind="question_received")
    assert fact.channel == "web"
    assert fact.library == library
    assert AuditEntry.objects.filter(action="reference.question_received").count() == 1


def test_claim_lapses_and_returns_to_the_queue(library, librarian):
    ReferenceProfile.objects.create(library=library, claim_minutes=60)
    other = StaffUserFactory()
    question = ask(library, now=at(2026, 7, 3))
    services.claim_question(question_id=question.pk, user=librarian, now=at(2026, 7, 3, 11))
    with pytest.raises(ClaimedByOtherError):
        services.claim_question(question_id=question.pk, user=other, now=at(2026, 7, 3, 11, 59))
    question.refresh_from_db()
    assert question.claimed_by == librarian
    assert services.release_lapsed_claims(now=at(2026, 7, 3, 11, 59)) == 0
    assert services.release_lapsed_claims(now=at(2026, 7, 3, 12, 1)) == 1
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEW
    assert question.claimed_by is None
    services.claim_question(question_id=question.pk, user=other, now=at(2026, 7, 3, 12, 2))


def test_a_lapsed_claim_can_be_taken_over_before_the_job_runs(library, librarian):
    ReferenceProfile.objects.create(library=library, claim_minutes=30)
    question = ask(library, now=at(2026, 7, 3))
    services.claim_question(question_id=question.pk, user=librarian, now=at(2026, 7, 3, 11))
    other = StaffUserFactory()
    services.claim_question(question_id=question.pk, user=other, now=at(2026, 7, 3, 11, 31))
    question.refresh_from_db()
    assert question.claimed_by == other


def test_assign_to_a_colleague(library, librarian):
    colleague = StaffUserFactory()
    question = ask(library, now=at(2026, 7, 3))
    services.assign_question(question_id=question.pk, user=librarian, assignee=colleague)
    question.refresh_from_db()
    assert (question.status, question.assigned_to, question.claimed_by) == (
        QuestionStatus.CLAIMED,
        colleague,
        colleague,
    )


def test_transfer_recounts_the_deadline_on_the_new_library_calendar(library, librarian):
    other = weekday_library(code="LT-REF2")
    # The other library is also closed on Tuesday 7 July (inventory).
    from skaitykla.core.models import CalendarException

    CalendarException.objects.create(library=other, date=date(2026, 7, 7), kind="closed")
    question = ask(library, now=at(2026, 7, 3))
    services.claim_question(question_id=question.pk, user=librarian, now=at(2026, 7, 3, 11))
    services.transfer_question(
        question_id=question.pk, user=librarian, to_library=other, note="Jūsų fondas"
    )
    question.refresh_from_db()
    assert question.library == other
    assert question.status == QuestionStatus.NEW
    assert question.claimed_by is None
    assert question.deadline == date(2026, 7, 10)
    event = question.events.get(kind="transfer")
    assert (event.text, event.from_library) == ("Jūsų fondas", library)


def test_routing_by_subject_strength_and_capacity(library):
    music = weekday_library(code="LT-MUS")
    ReferenceProfile.objects.create(library=library, subjects="istorija")
    ReferenceProfile.objects.create(library=music, subjects="muzika, natos", weekly_capacity=1)
    first = ask(library, now=at(2026, 7, 3), subject="Muzika")
    assert first.library == music
    assert first.events.filter(kind="transfer", from_library=library).exists()
    # The music library is at capacity: the next one stays with the receiver.
    second = ask(library, now=at(2026, 7, 3), subject="muzika", ip="192.0.2.9")
    assert second.library == library
    own = ask(library, now=at(2026, 7, 3), subject="istorija", ip="192.0.2.10")
    assert own.library == library


def test_answer_sanitises_emails_logs_and_counts(library, librarian):
    question = ask(library, now=at(2026, 7, 3))
    OutgoingEmail.objects.all().delete()
    services.answer_question(
        question_id=question.pk,
        user=librarian,
        answer_html=(
            '<p>Žr. <a href="https://lnb.lt" onclick="x()">LNB</a><script>alert(1)</script></p>'
        ),
        read_level=3,
        now=at(2026, 7, 8, 12),
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    assert "<script" not in question.answer_html
    assert "onclick" not in question.answer_html
    assert 'href="https://lnb.lt"' in question.answer_html
    [email] = OutgoingEmail.objects.all()
    assert email.to == "skaitytojas@example.lt"
    assert "LNB" in email.body_text
    assert "<a" not in email.body_text
    assert str(question.token) in email.body_text
    desk = DeskTransaction.objects.get(question=question)
    assert (desk.channel, desk.read_level) == ("web", 3)
    answered = ServiceFact.objects.get(kind="question_answered")
    assert answered.value == 2  # Tue 7 and Wed 8 July (Mon 6 is a holiday)
    transaction_fact = ServiceFact.objects.get(kind="reference_transaction")
    assert (transaction_fact.category, transaction_fact.value) == ("reference", 3)


def test_answer_refused_while_someone_else_holds_the_claim(library, librarian):
    question = ask(library, now=at(2026, 7, 3))
    services.claim_question(question_id=question.pk, user=librarian, now=at(2026, 7, 3, 11))
    with pytest.raises(ClaimedByOtherError):
        services.answer_question(
            question_id=question.pk,
            user=StaffUserFactory(),
            answer_html="<p>Atsakymas</p>",
            read_level=2,
            now=at(2026, 7, 3, 11, 5),
        )
    question.refresh_from_db()
    assert question.status == QuestionStatus.CLAIMED
    assert question.answer_html == ""


def test_rating_and_reply_reopens(library, librarian):
    question = ask(library, now=at(2026, 7, 3))
    services.answer_question(
        question_id=question.pk,
        user=librarian,
        answer_html="<p>Atsakymas</p>",
        read_level=2,
        now=at(2026, 7, 7),
    )
    services.rate_answer(token=str(question.token), rating=5, now=at(2026, 7, 7, 15))
    question.refresh_from_db()
    assert question.rating == 5
    services.reply_as_reader(
        token=str(question.token), text="Dar vienas klausimas", now=at(2026, 7, 8)
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.CLAIMED
    assert question.claimed_by == librarian
    assert question.deadline == date(2026, 7, 13)  # Wed 8 → Thu 9, Fri 10, Mon 13


def test_rejected_question_sends_nothing(library, librarian):
    question = ask(library, now=at(2026, 7, 3))
    OutgoingEmail.objects.all().delete()
    services.reject_question(question_id=question.pk, user=librarian, reason="spam")
    question.refresh_from_db()
    assert question.status == QuestionStatus.REJECTED
    assert not OutgoingEmail.objects.exists()
    with pytest.raises(QuestionStateError):
        services.claim_question(question_id=question.pk, user=librarian)


def test_overdue_and_network_summary(library, librarian):
    other = weekday_library(code="LT-REF3")
    ask(library, now=at(2026, 7, 3))
    ask(other, now=at(2026, 7, 8), ip="192.0.2.7")
    overdue = selectors.list_queue(libraries=None, overdue_on=date(2026, 7, 10))
    assert [q.library.code for q in overdue] == ["LT-REF1"]
    summary = {row["library__code"]: row for row in selectors.queue_summary(date(2026, 7, 10))}
    assert (summary["LT-REF1"]["open"], summary["LT-REF1"]["overdue"]) == (1, 1)
    assert (summary["LT-REF3"]["open"], summary["LT-REF3"]["overdue"]) == (1, 0)
    own = selectors.list_queue(libraries=[other])
    assert [q.library.code for q in own] == ["LT-REF3"]


def test_reminder_once_per_deadline(library, librarian):
    question = ask(library, now=at(2026, 7, 3))  # deadline Thu 9 July
    OutgoingEmail.objects.all().delete()
    assert services.send_deadline_reminders(now=at(2026, 7, 6)) == 0  # 3 working days left
    assert services.send_deadline_reminders(now=at(2026, 7, 8)) == 1
    assert services.send_deadline_reminders(now=at(2026, 7, 8, 12)) == 0
    [email] = OutgoingEmail.objects.all()
    assert email.to == "info@lib.example"
    assert f"Nr. {question.pk}" in email.subject


def test_retention_erases_contact_data_after_two_years(library, librarian):
    question = ask(library, now=at(2024, 7, 3), private_details="Mano skaitytojo kortelė 123")
    services.answer_question(
        question_id=question.pk,
        user=librarian,
        answer_html="<p>Atsakymas</p>",
        read_level=2,
        now=at(2024, 7, 4),
    )
    open_question = ask(library, now=at(2024, 7, 3), ip="192.0.2.5")
    assert services.erase_expired_contacts(now=at(2026, 7, 1)) == 0
    assert services.erase_expired_contacts(now=at(2026, 7, 4)) == 1
    question.refresh_from_db()
    assert (question.email, question.name, question.private_details) == ("", "", "")
    assert question.contact_erased_at == at(2026, 7, 4)
    assert question.text
    assert question.answer_html
    open_question.refresh_from_db()
    assert open_question.email == "skaitytojas@example.lt"


def test_working_days_fall_back_to_weekdays_without_hours():
    from tests.factories import LibraryFactory

    bare = LibraryFactory()
    question = ask(bare, now=at(2026, 7, 3))
    assert question.deadline == date(2026, 7, 8)
    assert isinstance(question, Question)
    assert timedelta(days=0) == timedelta()


def test_a_pause_keeps_its_working_days_in_a_library_without_hours(librarian):
    from tests.factories import LibraryFactory

    bare = LibraryFactory()
    question = ask(bare, now=at(2026, 7, 3))  # Friday; due Wednesday 8 July (weekdays)
    assert question.deadline == date(2026, 7, 8)
    services.ask_reader(
        question_id=question.pk, user=librarian, message="Kurio laikotarpio?", now=at(2026, 7, 6)
    )
    question.refresh_from_db()
    assert question.remaining_days == 2
    services.reply_as_reader(token=str(question.token), text="XIX a.", now=at(2026, 7, 13))
    question.refresh_from_db()
    assert question.deadline == date(2026, 7, 15)


def test_reminders_read_each_library_policy_once(library):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run_for(questions: int) -> int:
        Question.objects.all().delete()
        for number in range(questions):
            ask(library, now=at(2026, 7, 3), ip=f"192.0.2.{20 + number}")
        Question.objects.update(reminded_for=None, deadline=date(2026, 7, 30))  # none due soon
        with CaptureQueriesContext(connection) as queries:
            assert services.send_deadline_reminders(now=at(2026, 7, 6)) == 0
        return len(queries)

    assert run_for(6) == run_for(2)
