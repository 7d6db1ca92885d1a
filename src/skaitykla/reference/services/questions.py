"""The queue: claiming, releasing, assigning, transferring, notes, pausing for the reader, the
reader's reply, closing and rejecting."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.core.models import Library
from skaitykla.core.timezones import library_today
from skaitykla.reference import selectors
from skaitykla.reference.choices import OPEN_STATUSES, EventKind, QuestionStatus, RejectReason
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import Question
from skaitykla.reference.services.mail import email_reader
from skaitykla.reference.services.question_state import (
    add_event,
    audit_question,
    claim_for,
    lock_question,
    refuse_if_claimed_by_other,
    require_status,
    set_deadline,
    unclaim,
)


def claim_question(*, question_id: int, user: User, now: datetime | None = None) -> Question:
    """The librarian takes the question; the claim lapses after the library's claim time."""
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        refuse_if_claimed_by_other(question, user, now)
        claim_for(question, user, now)
        question.save(update_fields=["status", "claimed_by", "claim_expires_at"])
        add_event(question, EventKind.CLAIM, now, author=user)
        audit_question(question, "question_claimed", user)
    return question


def release_question(*, question_id: int, user: User, now: datetime | None = None) -> Question:
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.CLAIMED)
        unclaim(question)
        question.save(update_fields=["status", "claimed_by", "claim_expires_at"])
        audit_question(question, "question_released", user)
    return question


def release_lapsed_claims(*, now: datetime | None = None) -> int:
    """Claims past their time go back to the queue (a periodic job)."""
    now = now or timezone.now()
    released = 0
    with transaction.atomic():
        lapsed = Question.objects.select_for_update().filter(
            status=QuestionStatus.CLAIMED, claim_expires_at__lt=now
        )
        for question in lapsed:
            unclaim(question)
            question.save(update_fields=["status", "claimed_by", "claim_expires_at"])
            audit_question(question, "question_claim_lapsed", None)
            released += 1
    return released


def assign_question(
    *, question_id: int, user: User, assignee: User, now: datetime | None = None
) -> Question:
    """Give the question to a colleague: it becomes theirs (claimed) until its claim lapses."""
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        question.assigned_to = assignee
        claim_for(question, assignee, now)
        question.save(update_fields=["status", "assigned_to", "claimed_by", "claim_expires_at"])
        add_event(question, EventKind.ASSIGN, now, author=user, text=assignee.get_username())
        audit_question(question, "question_assigned", user, assignee=assignee.pk)
    return question


def transfer_question(
    *, question_id: int, user: User, to_library: Library, note: str, now: datetime | None = None
) -> Question:
    """Send the question to another member library with a note; its deadline is recounted on
    the new library's calendar from the day the question arrived."""
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        if to_library.pk == question.library_id or not to_library.is_active:
            raise ReferenceError(
                _("Choose another active member library."), code="question_transfer_target"
            )
        from_library = question.library
        question.library = to_library
        unclaim(question)
        question.assigned_to = None
        set_deadline(question, question.received_on)
        question.save()
        add_event(
            question, EventKind.TRANSFER, now, author=user, text=note, from_library=from_library
        )
        audit_question(question, "question_transferred", user, from_library=from_library.code)
    return question


def add_note(*, question_id: int, user: User, text: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        add_event(question, EventKind.NOTE, now, author=user, text=text)


def ask_reader(
    *,
    question_id: int,
    user: User,
    message: str,
    base_url: str = "",
    now: datetime | None = None,
) -> Question:
    """Ask the reader for more detail: the deadline is paused (working days left are kept)."""
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        today = library_today(question.library, now)
        days = selectors.working_days(question.library)
        question.remaining_days = (
            days.between(today, question.deadline) if question.deadline else None
        )
        question.status = QuestionStatus.WAITING
        question.save(update_fields=["status", "remaining_days"])
        add_event(question, EventKind.WAITING, now, author=user, text=message)
        audit_question(question, "question_waiting", user)
        email_reader(
            question,
            "clarify",
            _("The librarian needs more details about your question"),
            base_url=base_url,
            message=message,
        )
    return question


def reply_as_reader(*, token: str, text: str, now: datetime | None = None) -> Question:
    """The reader's reply: resumes a paused deadline, or reopens an answered question."""
    now = now or timezone.now()
    question_id = selectors.get_question_by_token(token).pk
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(
            question,
            QuestionStatus.WAITING,
            QuestionStatus.ANSWERED,
            QuestionStatus.CLOSED,
            QuestionStatus.NEW,
            QuestionStatus.CLAIMED,
        )
        today = library_today(question.library, now)
        if question.status == QuestionStatus.WAITING:
            remaining = question.remaining_days or 0
            question.deadline = selectors.working_days(question.library).add(today, remaining)
            question.remaining_days = None
            question.status = (
                QuestionStatus.CLAIMED if question.claimed_by_id else QuestionStatus.NEW
            )
        elif question.status in (QuestionStatus.ANSWERED, QuestionStatus.CLOSED):
            # Reopened: back to whoever answered it, else to the queue.
            if question.answered_by is not None:
                claim_for(question, question.answered_by, now)
            else:
                unclaim(question)
            set_deadline(question, today)
        question.save()
        add_event(question, EventKind.REPLY, now, text=text)
        audit_question(question, "question_reader_replied", None)
    return question


def close_question(*, question_id: int, user: User, now: datetime | None = None) -> Question:
    now = now or timezone.now()
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.ANSWERED)
        question.status = QuestionStatus.CLOSED
        question.save(update_fields=["status"])
        add_event(question, EventKind.CLOSE, now, author=user)
        audit_question(question, "question_closed", user)
    return question


def reject_question(
    *,
    question_id: int,
    user: User,
    reason: str,
    duplicate_of_id: int | None = None,
    now: datetime | None = None,
) -> Question:
    """Spam or a duplicate: off the queue, nothing is sent."""
    now = now or timezone.now()
    if reason not in RejectReason.values:
        raise ReferenceError(_("Choose a reason."), code="reject_reason")
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, *OPEN_STATUSES)
        question.status = QuestionStatus.REJECTED
        question.reject_reason = reason
        question.duplicate_of_id = duplicate_of_id if reason == RejectReason.DUPLICATE else None
        question.claim_expires_at = None
        question.save()
        add_event(question, EventKind.REJECT, now, author=user, text=reason)
        audit_question(question, "question_rejected", user, reason=reason)
    return question
