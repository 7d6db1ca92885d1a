"""A question (or request) arrives from a public form: anti-automation checks, routing,
deadline and the receipt e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skaitykla.core.models import Library
from skaitykla.core.rate_limit import allow
from skaitykla.core.services import record_service_event
from skaitykla.core.timezones import library_today
from skaitykla.reference import selectors
from skaitykla.reference.choices import INTERPRETER_FORMATS, EventKind, QuestionKind
from skaitykla.reference.errors import SubmissionRejectedError, TooEarlyError
from skaitykla.reference.models import Question
from skaitykla.reference.services.mail import email_reader
from skaitykla.reference.services.question_state import (
    add_event,
    audit_question,
    service_channel,
    set_deadline,
)

#: Anti-automation limits for the public forms (quality.md W9): a person posting once a minute
#: stays within both per-address windows; a 500-post flood from one address gets at most 4 through.
MIN_FILL_SECONDS = 3
PER_ADDRESS_LIMITS = ((2, timedelta(minutes=1)), (30, timedelta(minutes=30)))
GLOBAL_LIMIT = 120
GLOBAL_WINDOW = timedelta(minutes=1)
#: Lithuanian Sign Language interpreters are booked at least this many working days ahead.
INTERPRETER_NOTICE_DAYS = 5


@dataclass(frozen=True)
class Submission:
    text: str
    email: str
    private_details: str = ""
    name: str = ""
    subject: str = ""
    age_group: str = ""
    municipality: str = ""
    language: str = "lt"
    allows_publication: bool = False
    kind: str = QuestionKind.QUESTION
    access_format: str = ""
    needed_on: date | None = None
    consultation_topic: str = ""
    requesting_library: str = ""


def check_submission(
    *,
    client_ip: str,
    honeypot: str,
    fill_seconds: float,
    scope: str = "reference.question",
    now: datetime | None = None,
) -> None:
    """Refuse automated posts: a filled honeypot, a form sent too fast, too many from one
    address, or the global cap. Raises ``SubmissionRejectedError``; nothing else happens."""
    if honeypot:
        raise SubmissionRejectedError(
            _("Your question could not be accepted."), code="question_honeypot"
        )
    if fill_seconds < MIN_FILL_SECONDS:
        raise SubmissionRejectedError(
            _("The form was sent too quickly. Please check it and send it again."),
            code="question_too_fast",
        )
    within = all(
        allow(scope=f"{scope}.{n}", key=client_ip, limit=limit, window=window, now=now)
        for n, (limit, window) in enumerate(PER_ADDRESS_LIMITS)
    ) and allow(scope=f"{scope}.all", key="*", limit=GLOBAL_LIMIT, window=GLOBAL_WINDOW, now=now)
    if not within:
        raise SubmissionRejectedError(
            _("Too many questions have been sent. Please try again in a few minutes."),
            code="question_rate_limited",
        )


def submit_question(
    *,
    received_via: Library,
    submission: Submission,
    client_ip: str,
    honeypot: str = "",
    fill_seconds: float,
    reader_id: int | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Question:
    """A question (or request) from the public form: checked for abuse, routed, given its
    deadline, confirmed by e-mail."""
    now = now or timezone.now()
    check_submission(
        client_ip=client_ip,
        honeypot=honeypot,
        fill_seconds=fill_seconds,
        scope=f"reference.{submission.kind}",
        now=now,
    )
    with transaction.atomic():
        library = selectors.route_library(received_via, submission.subject)
        today = library_today(library, now)
        if submission.kind == QuestionKind.ACCESSIBLE and (
            submission.access_format in INTERPRETER_FORMATS
        ):
            earliest = selectors.working_days(library).add(today, INTERPRETER_NOTICE_DAYS)
            if submission.needed_on is None or submission.needed_on < earliest:
                raise TooEarlyError(
                    _(
                        "An interpreter must be booked at least %(days)d working days ahead: "
                        "the earliest date is %(date)s."
                    )
                    % {"days": INTERPRETER_NOTICE_DAYS, "date": earliest.isoformat()},
                    earliest=earliest.isoformat(),
                )
        question = Question(
            kind=submission.kind,
            library=library,
            received_via=received_via,
            text=submission.text,
            private_details=submission.private_details,
            email=submission.email,
            name=submission.name,
            subject=submission.subject,
            age_group=submission.age_group,
            municipality=submission.municipality,
            language=submission.language or "lt",
            allows_publication=submission.allows_publication,
            access_format=submission.access_format,
            needed_on=submission.needed_on,
            consultation_topic=submission.consultation_topic,
            requesting_library=submission.requesting_library,
            reader_id=reader_id,
            created_at=now,
            received_on=today,
        )
        set_deadline(question, today)
        question.save()
        add_event(question, EventKind.RECEIVED, now)
        if library != received_via:
            add_event(
                question,
                EventKind.TRANSFER,
                now,
                from_library=received_via,
                text=_("Routed by subject: %(subject)s") % {"subject": submission.subject},
            )
        audit_question(question, "question_received", None, kind=question.kind)
        record_service_event(
            kind="question_received",
            library=library,
            channel=service_channel(question),
            age_band=question.age_group,
            category=question.kind,
            at=now,
        )
        email_reader(
            question,
            "received",
            _("We have received your question"),
            base_url=base_url,
            deadline=question.deadline,
        )
    return question
