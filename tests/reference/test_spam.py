"""Anti-automation (quality.md W9): honeypot, minimum fill time, per-address limit, global cap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skaitykla.notifications.models import OutgoingEmail
from skaitykla.reference import services
from skaitykla.reference.errors import SubmissionRejectedError
from skaitykla.reference.models import Question
from tests.reference.factories import at, submission, weekday_library

pytestmark = pytest.mark.django_db


def post(library, *, now, ip="198.51.100.7", honeypot="", seconds=30.0):
    try:
        services.submit_question(
            received_via=library,
            submission=submission(),
            client_ip=ip,
            honeypot=honeypot,
            fill_seconds=seconds,
            now=now,
        )
    except SubmissionRejectedError as error:
        return error.code
    return "accepted"


def test_flood_of_500_posts_in_a_minute_is_99_percent_rejected_and_sends_nothing():
    library = weekday_library()
    start = at(2026, 7, 3, 10, 0)
    results = [post(library, now=start + timedelta(seconds=30 + i * 60 / 500)) for i in range(500)]
    accepted = results.count("accepted")
    assert accepted <= 5
    assert results.count("question_rate_limited") / 500 >= 0.99
    assert Question.objects.count() == accepted
    assert OutgoingEmail.objects.count() == accepted


def test_a_person_posting_once_a_minute_is_unaffected():
    library = weekday_library()
    start = at(2026, 7, 3, 10, 0, 17)
    results = [post(library, now=start + timedelta(minutes=i)) for i in range(40)]
    assert results == ["accepted"] * 40


def test_honeypot_and_fast_posts_are_rejected_without_email():
    library = weekday_library()
    now = at(2026, 7, 3)
    assert post(library, now=now, honeypot="http://spam.example") == "question_honeypot"
    assert post(library, now=now, seconds=1.2) == "question_too_fast"
    assert not Question.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_global_cap_across_many_addresses():
    library = weekday_library()
    now = at(2026, 7, 3, 10, 0, 5)
    results = [post(library, now=now, ip=f"203.0.113.{i % 250}-{i}") for i in range(130)]
    assert results.count("accepted") == services.GLOBAL_LIMIT
    assert results[-1] == "question_rate_limited"
