"""Deadline reminders to the answering library (a periodic job)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from skaitykla.core.timezones import library_today
from skaitykla.reference import selectors
from skaitykla.reference.choices import QuestionStatus
from skaitykla.reference.models import Question, ReferenceProfile
from skaitykla.reference.services.mail import email_reminder


def send_deadline_reminders(*, now: datetime | None = None) -> int:
    """Remind the library (or the claiming librarian) of questions due soon; once per deadline."""
    now = now or timezone.now()
    sent = 0
    policies: dict[int, tuple[ReferenceProfile, selectors.WorkingDays]] = {}
    with transaction.atomic():
        questions = (
            Question.objects.select_for_update(of=("self",))
            .select_related("library", "claimed_by")
            .filter(status__in=(QuestionStatus.NEW, QuestionStatus.CLAIMED), deadline__isnull=False)
            .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline")))
        )
        for question in questions:
            if question.library_id not in policies:  # one profile and calendar per library
                policies[question.library_id] = (
                    selectors.get_profile(question.library),
                    selectors.working_days(question.library),
                )
            profile, working = policies[question.library_id]
            today = library_today(question.library, now)
            assert question.deadline is not None
            if working.between(today, question.deadline) > profile.reminder_days:
                continue
            to = (question.claimed_by.email if question.claimed_by else "") or (
                question.library.email
            )
            question.reminded_for = question.deadline
            question.save(update_fields=["reminded_for"])
            if not to:
                continue
            email_reminder(question, to)
            sent += 1
    return sent
