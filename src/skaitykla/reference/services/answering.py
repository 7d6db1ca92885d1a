"""Answering a question (sanitised, e-mailed, logged in the desk log and as facts) and the
reader's rating of the answer."""

from __future__ import annotations

from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.core.services import record_service_event
from skaitykla.core.timezones import library_today
from skaitykla.reference import selectors
from skaitykla.reference.choices import EventKind, QuestionStatus, QuestionType
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import Attachment, DeskTransaction, Question
from skaitykla.reference.services.mail import email_reader
from skaitykla.reference.services.question_state import (
    add_event,
    audit_question,
    lock_question,
    refuse_if_claimed_by_other,
    require_status,
    service_channel,
)
from skaitykla.reference.services.sanitising import sanitise_html


def answer_question(
    *,
    question_id: int,
    user: User,
    answer_html: str,
    read_level: int,
    question_type: str = QuestionType.REFERENCE,
    attachment: UploadedFile | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Question:
    """Send the answer: sanitised, e-mailed to the reader, logged in the desk log and as facts."""
    now = now or timezone.now()
    clean = sanitise_html(answer_html).strip()
    if not strip_tags(clean).strip():
        raise ReferenceError(_("Write the answer first."), code="answer_empty")
    if not 1 <= int(read_level) <= 6:
        raise ReferenceError(_("Choose a READ level from 1 to 6."), code="answer_read_level")
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.NEW, QuestionStatus.CLAIMED, QuestionStatus.WAITING)
        refuse_if_claimed_by_other(question, user, now)
        today = library_today(question.library, now)
        working = selectors.working_days(question.library)
        question.status = QuestionStatus.ANSWERED
        question.answer_html = clean
        question.answered_at = now
        question.answered_by = user
        question.read_level = int(read_level)
        question.claim_expires_at = None
        question.save()
        add_event(question, EventKind.ANSWER, now, author=user, text=clean)
        if attachment is not None:
            Attachment.objects.create(
                question=question,
                file=attachment,
                name=attachment.name[-200:] if attachment.name else "",
                content_type=attachment.content_type or "",
                size=attachment.size or 0,
                uploaded_at=now,
            )
        audit_question(question, "question_answered", user, read_level=question.read_level)
        channel = service_channel(question)
        record_service_event(
            kind="question_answered",
            library=question.library,
            channel=channel,
            category=question.kind,
            value=working.between(question.received_on, today),
            at=now,
        )
        DeskTransaction.objects.update_or_create(
            question=question,
            defaults={
                "library": question.library,
                "at": now,
                "channel": channel,
                "question_type": question_type,
                "read_level": question.read_level,
                "recorded_by": user,
                "recorded_at": now,
            },
        )
        record_service_event(
            kind="reference_transaction",
            library=question.library,
            channel=channel,
            category=question_type,
            value=question.read_level,
            at=now,
        )
        email_reader(question, "answer", _("The answer to your question"), base_url=base_url)
    return question


def rate_answer(
    *, token: str, rating: int, comment: str = "", now: datetime | None = None
) -> Question:
    now = now or timezone.now()
    if not 1 <= int(rating) <= 5:
        raise ReferenceError(_("Choose a rating from 1 to 5."), code="rating_range")
    question_id = selectors.get_question_by_token(token).pk
    with transaction.atomic():
        question = lock_question(question_id)
        require_status(question, QuestionStatus.ANSWERED, QuestionStatus.CLOSED)
        question.rating = int(rating)
        question.save(update_fields=["rating"])
        add_event(question, EventKind.RATING, now, text=f"{rating}\n{comment}".strip())
        record_service_event(
            kind="question_rated",
            library=question.library,
            channel=service_channel(question),
            value=question.rating,
            at=now,
        )
    return question
