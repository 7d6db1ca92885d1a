"""Every state change of the reference app: one keyword-only function per use case.

Each owns its transaction, locks, audit row, statistics facts and e-mails (``queue_email`` sends
after commit). Contact data of the asker never reaches a fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import nh3
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.catalogue.search.analyzer import analyze_to_text
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.models import Library, ServicePoint
from skaitykla.core.rate_limit import allow
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.core.timezones import library_today
from skaitykla.notifications.services import queue_email
from skaitykla.reference import selectors
from skaitykla.reference.choices import (
    INTERPRETER_FORMATS,
    OPEN_STATUSES,
    DeskChannel,
    EventKind,
    QuestionKind,
    QuestionStatus,
    QuestionType,
    RejectReason,
)
from skaitykla.reference.deidentify import find_personal_data
from skaitykla.reference.errors import (
    ClaimedByOtherError,
    PublicationBlockedError,
    QuestionStateError,
    ReferenceError,
    SubmissionRejectedError,
    TooEarlyError,
)
from skaitykla.reference.models import (
    AnswerTemplate,
    Attachment,
    DeskTransaction,
    KnowledgeBaseEntry,
    Question,
    QuestionEvent,
    ReferenceProfile,
)

#: Anti-automation limits for the public forms (quality.md W9): a person posting once a minute
#: stays within both per-address windows; a 500-post flood from one address gets at most 4 through.
MIN_FILL_SECONDS = 3
PER_ADDRESS_LIMITS = ((2, timedelta(minutes=1)), (30, timedelta(minutes=30)))
GLOBAL_LIMIT = 120
GLOBAL_WINDOW = timedelta(minutes=1)
#: Lithuanian Sign Language interpreters are booked at least this many working days ahead.
INTERPRETER_NOTICE_DAYS = 5

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "h3", "h4",
    "code", "pre",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def sanitise_html(html: str) -> str:
    """The answer's HTML reduced to an allow-list (links get rel=noopener noreferrer)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _actor(user: User | None) -> dict[str, object]:
    if user is None:
        return {"actor_kind": ActorKind.ANONYMOUS, "actor_id": ""}
    return {"actor_kind": ActorKind.STAFF, "actor_id": user.pk}


def _lock(question_id: int) -> Question:
    question = Question.objects.select_for_update().filter(pk=question_id).first()
    if question is None:
        raise ReferenceError(_("No such question."), code="question_not_found")
    return question


def _event(
    question: Question,
    kind: str,
    now: datetime,
    *,
    author: User | None = None,
    text: str = "",
    from_library: Library | None = None,
) -> None:
    QuestionEvent.objects.create(
        question=question, kind=kind, at=now, author=author, text=text, from_library=from_library
    )


def _audit(question: Question, action: str, user: User | None, **detail: object) -> None:
    record_audit(
        **_actor(user),  # type: ignore[arg-type]
        action=f"reference.{action}",
        object_type="reference.question",
        object_id=question.pk,
        library=question.library,
        detail=detail or None,
    )


def _channel(question: Question) -> str:
    if question.access_format in INTERPRETER_FORMATS:
        return Channel.SIGN_LANGUAGE
    return Channel.WEB


def _require(question: Question, *statuses: str) -> None:
    if question.status not in statuses:
        raise QuestionStateError(
            _("This question is %(status)s: the action is not possible now.")
            % {"status": question.get_status_display()},
            status=question.status,
        )


def _refuse_if_claimed_by_other(question: Question, user: User, now: datetime) -> None:
    """A live claim by another librarian blocks claiming and answering; a lapsed one does not."""
    if (
        question.status == QuestionStatus.CLAIMED
        and question.claimed_by_id not in (None, user.pk)
        and question.claim_expires_at is not None
        and question.claim_expires_at > now
    ):
        raise ClaimedByOtherError(
            _("Another librarian is working on this question."),
            claimed_by=question.claimed_by_id,
        )


def _claim_for(question: Question, user: User, now: datetime) -> None:
    """Make ``user`` the claimant until the library's claim time runs out (not saved)."""
    question.status = QuestionStatus.CLAIMED
    question.claimed_by = user
    question.claim_expires_at = now + timedelta(
        minutes=selectors.get_profile(question.library).claim_minutes
    )


def _unclaim(question: Question) -> None:
    """Back to the queue, claimed by nobody (not saved)."""
    question.status = QuestionStatus.NEW
    question.claimed_by = None
    question.claim_expires_at = None


def _set_deadline(question: Question, day: date) -> None:
    profile = selectors.get_profile(question.library)
    days = selectors.deadline_days(profile, question.kind)
    question.deadline = selectors.working_days(question.library).add(day, days)
    question.remaining_days = None


def _email_reader(
    question: Question, template: str, subject: str, *, base_url: str = "", **context: object
) -> None:
    if not question.email:
        return
    path = reverse("reference:status", args=[question.token])
    with translation.override(question.language or "lt"):
        context = {
            "question": question,
            "reply_url": base_url.rstrip("/") + path,
            "answer_text": strip_tags(question.answer_html),
            **context,
        }
        body_text = render_to_string(f"reference/email/{template}.txt", context)
        body_html = render_to_string(f"reference/email/{template}.html", context)
        queue_email(
            to=question.email,
            subject=str(subject),
            body_text=body_text,
            body_html=body_html,
            topic=f"reference.{template}",
            language=question.language or "lt",
            object_type="reference.question",
            object_id=question.pk,
        )


# --- Submitting ----------------------------------------------------------------------------


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
        _set_deadline(question, today)
        question.save()
        _event(question, EventKind.RECEIVED, now)
        if library != received_via:
            _event(
                question,
                EventKind.TRANSFER,
                now,
                from_library=received_via,
                text=_("Routed by subject: %(subject)s") % {"subject": submission.subject},
            )
        _audit(question, "question_received", None, kind=question.kind)
        record_service_event(
            kind="question_received",
            library=library,
            channel=_channel(question),
            age_band=question.age_group,
            category=question.kind,
            at=now,
        )
        _email_reader(
            question,
            "received",
            _("We have received your question"),
            base_url=base_url,
            deadline=question.deadline,
        )
    return question


# --- Queue ---------------------------------------------------------------------------------


def claim_question(*, question_id: int, user: User, now: datetime | None = None) -> Question:
    """The librarian takes the question; the claim lapses after the library's claim time."""
    now = now or timezone.now()
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        _refuse_if_claimed_by_other(question, user, now)
        _claim_for(question, user, now)
        question.save(update_fields=["status", "claimed_by", "claim_expires_at"])
        _event(question, EventKind.CLAIM, now, author=user)
        _audit(question, "question_claimed", user)
    return question


def release_question(*, question_id: int, user: User, now: datetime | None = None) -> Question:
    now = now or timezone.now()
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.CLAIMED)
        _unclaim(question)
        question.save(update_fields=["status", "claimed_by", "claim_expires_at"])
        _audit(question, "question_released", user)
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
            _unclaim(question)
            question.save(update_fields=["status", "claimed_by", "claim_expires_at"])
            _audit(question, "question_claim_lapsed", None)
            released += 1
    return released


def assign_question(
    *, question_id: int, user: User, assignee: User, now: datetime | None = None
) -> Question:
    """Give the question to a colleague: it becomes theirs (claimed) until its claim lapses."""
    now = now or timezone.now()
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        question.assigned_to = assignee
        _claim_for(question, assignee, now)
        question.save(update_fields=["status", "assigned_to", "claimed_by", "claim_expires_at"])
        _event(question, EventKind.ASSIGN, now, author=user, text=assignee.get_username())
        _audit(question, "question_assigned", user, assignee=assignee.pk)
    return question


def transfer_question(
    *, question_id: int, user: User, to_library: Library, note: str, now: datetime | None = None
) -> Question:
    """Send the question to another member library with a note; its deadline is recounted on
    the new library's calendar from the day the question arrived."""
    now = now or timezone.now()
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        if to_library.pk == question.library_id or not to_library.is_active:
            raise ReferenceError(
                _("Choose another active member library."), code="question_transfer_target"
            )
        from_library = question.library
        question.library = to_library
        _unclaim(question)
        question.assigned_to = None
        _set_deadline(question, question.received_on)
        question.save()
        _event(question, EventKind.TRANSFER, now, author=user, text=note, from_library=from_library)
        _audit(question, "question_transferred", user, from_library=from_library.code)
    return question


def add_note(*, question_id: int, user: User, text: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        question = _lock(question_id)
        _event(question, EventKind.NOTE, now, author=user, text=text)


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
        question = _lock(question_id)
        _require(question, QuestionStatus.NEW, QuestionStatus.CLAIMED)
        today = library_today(question.library, now)
        days = selectors.working_days(question.library)
        question.remaining_days = (
            days.between(today, question.deadline) if question.deadline else None
        )
        question.status = QuestionStatus.WAITING
        question.save(update_fields=["status", "remaining_days"])
        _event(question, EventKind.WAITING, now, author=user, text=message)
        _audit(question, "question_waiting", user)
        _email_reader(
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
        question = _lock(question_id)
        _require(
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
                _claim_for(question, question.answered_by, now)
            else:
                _unclaim(question)
            _set_deadline(question, today)
        question.save()
        _event(question, EventKind.REPLY, now, text=text)
        _audit(question, "question_reader_replied", None)
    return question


# --- Answering ------------------------------------------------------------------------------


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
        question = _lock(question_id)
        _require(question, QuestionStatus.NEW, QuestionStatus.CLAIMED, QuestionStatus.WAITING)
        _refuse_if_claimed_by_other(question, user, now)
        today = library_today(question.library, now)
        working = selectors.working_days(question.library)
        question.status = QuestionStatus.ANSWERED
        question.answer_html = clean
        question.answered_at = now
        question.answered_by = user
        question.read_level = int(read_level)
        question.claim_expires_at = None
        question.save()
        _event(question, EventKind.ANSWER, now, author=user, text=clean)
        if attachment is not None:
            Attachment.objects.create(
                question=question,
                file=attachment,
                name=attachment.name[-200:] if attachment.name else "",
                content_type=attachment.content_type or "",
                size=attachment.size or 0,
                uploaded_at=now,
            )
        _audit(question, "question_answered", user, read_level=question.read_level)
        channel = _channel(question)
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
        _email_reader(question, "answer", _("The answer to your question"), base_url=base_url)
    return question


def rate_answer(
    *, token: str, rating: int, comment: str = "", now: datetime | None = None
) -> Question:
    now = now or timezone.now()
    if not 1 <= int(rating) <= 5:
        raise ReferenceError(_("Choose a rating from 1 to 5."), code="rating_range")
    question_id = selectors.get_question_by_token(token).pk
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.ANSWERED, QuestionStatus.CLOSED)
        question.rating = int(rating)
        question.save(update_fields=["rating"])
        _event(question, EventKind.RATING, now, text=f"{rating}\n{comment}".strip())
        record_service_event(
            kind="question_rated",
            library=question.library,
            channel=_channel(question),
            value=question.rating,
            at=now,
        )
    return question


def close_question(*, question_id: int, user: User, now: datetime | None = None) -> Question:
    now = now or timezone.now()
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.ANSWERED)
        question.status = QuestionStatus.CLOSED
        question.save(update_fields=["status"])
        _event(question, EventKind.CLOSE, now, author=user)
        _audit(question, "question_closed", user)
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
        question = _lock(question_id)
        _require(question, *OPEN_STATUSES)
        question.status = QuestionStatus.REJECTED
        question.reject_reason = reason
        question.duplicate_of_id = duplicate_of_id if reason == RejectReason.DUPLICATE else None
        question.claim_expires_at = None
        question.save()
        _event(question, EventKind.REJECT, now, author=user, text=reason)
        _audit(question, "question_rejected", user, reason=reason)
    return question


def save_answer_template(
    *, user: User, library: Library | None, title: str, body_html: str
) -> AnswerTemplate:
    """Save a reusable answer (sanitised) for the library, or for the whole network."""
    clean = sanitise_html(body_html).strip()
    if not title.strip() or not strip_tags(clean).strip():
        raise ReferenceError(_("A template needs a title and a text."), code="template_empty")
    with transaction.atomic():
        template = AnswerTemplate.objects.create(library=library, title=title, body_html=clean)
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=user.pk,
            action="reference.template_saved",
            object_type="reference.answertemplate",
            object_id=template.pk,
            library=library,
        )
    return template


# --- Knowledge base -------------------------------------------------------------------------


def asker_names(question: Question) -> list[str]:
    names = [question.name] if question.name else []
    if question.reader_id:
        reader = question.reader
        if reader is not None:
            names += [reader.first_name, reader.last_name]
    if question.email:
        names.append(question.email.split("@", 1)[0].replace(".", " "))
    return names


def publish_entry(
    *,
    question_id: int,
    user: User,
    title: str,
    question_text: str,
    answer_html: str,
    keywords: str = "",
    now: datetime | None = None,
) -> KnowledgeBaseEntry:
    """Publish an answered question in the public archive once it holds no personal data."""
    now = now or timezone.now()
    clean = sanitise_html(answer_html).strip()
    if not title.strip() or not question_text.strip() or not strip_tags(clean).strip():
        raise ReferenceError(
            _("A title, the question and the answer are needed."), code="kb_incomplete"
        )
    with transaction.atomic():
        question = _lock(question_id)
        _require(question, QuestionStatus.ANSWERED, QuestionStatus.CLOSED)
        if not question.allows_publication:
            raise ReferenceError(_("The asker did not allow publication."), code="kb_not_allowed")
        if KnowledgeBaseEntry.objects.filter(question=question).exists():
            raise ReferenceError(_("This question is already published."), code="kb_published")
        findings = find_personal_data(
            "\n".join([title, question_text, strip_tags(clean), keywords]),
            names=asker_names(question),
        )
        if findings:
            raise PublicationBlockedError(
                _("Remove the personal data before publishing: %(found)s")
                % {"found": ", ".join(sorted({f"{f.kind}: {f.text}" for f in findings}))},
                findings=[f.kind for f in findings],
            )
        entry = KnowledgeBaseEntry.objects.create(
            question=question,
            library=question.library,
            title=title,
            question_text=question_text,
            answer_html=clean,
            keywords=keywords,
            language=question.language or "lt",
            published_at=now,
            published_by=user,
            terms=analyze_to_text(title, question_text, strip_tags(clean), keywords),
        )
        _audit(question, "kb_published", user, entry=entry.pk)
        record_service_event(
            kind="kb_entry_published", library=question.library, channel=Channel.WEB, at=now
        )
    return entry


def unpublish_entry(*, entry_id: int, user: User) -> None:
    with transaction.atomic():
        entry = KnowledgeBaseEntry.objects.select_for_update().filter(pk=entry_id).first()
        if entry is None:
            raise ReferenceError(_("No such entry."), code="kb_entry_not_found")
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=user.pk,
            action="reference.kb_unpublished",
            object_type="reference.kbentry",
            object_id=entry.pk,
            library=entry.library,
        )
        entry.delete()


# --- Desk log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    channel: str
    question_type: str
    read_level: int
    duration: str = ""
    reader_category: str = ""
    notes: str = ""
    count: int = 1


def _check_tally(tally: Tally) -> None:
    if tally.channel not in DeskChannel.values:
        raise ReferenceError(_("Choose a channel."), code="desk_channel")
    if tally.question_type not in QuestionType.values:
        raise ReferenceError(_("Choose a question type."), code="desk_question_type")
    if not 1 <= tally.read_level <= 6:
        raise ReferenceError(_("Choose a READ level from 1 to 6."), code="desk_read_level")
    if not 1 <= tally.count <= 500:
        raise ReferenceError(_("A count is between 1 and 500."), code="desk_count")
    if tally.notes and find_personal_data(tally.notes):
        raise ReferenceError(
            _("Notes must not contain personal data (e-mail, phone, card number)."),
            code="desk_notes_personal",
        )


def log_desk_transactions(
    *,
    library: Library,
    service_point: ServicePoint | None,
    tallies: Iterable[Tally],
    user: User,
    at: datetime | None = None,
    now: datetime | None = None,
) -> list[DeskTransaction]:
    """One or more desk consultations (a click, or a paper tally sheet): each is a fact."""
    now = now or timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise ReferenceError(_("A consultation cannot be in the future."), code="desk_future")
    if service_point is not None and service_point.library_id != library.pk:
        raise ReferenceError(_("Choose a service point of this library."), code="desk_place")
    tallies = list(tallies)
    if not tallies:
        raise ReferenceError(_("Nothing to log."), code="desk_empty")
    for tally in tallies:
        _check_tally(tally)
    place = service_point.code if service_point is not None else ""
    with transaction.atomic():
        rows = [
            DeskTransaction.objects.create(
                library=library,
                service_point=service_point,
                at=at,
                channel=tally.channel,
                question_type=tally.question_type,
                read_level=tally.read_level,
                duration=tally.duration,
                reader_category=tally.reader_category,
                notes=tally.notes,
                count=tally.count,
                recorded_by=user,
                recorded_at=now,
            )
            for tally in tallies
        ]
        for tally in tallies:
            record_service_event(
                kind="reference_transaction",
                library=library,
                place=place,
                channel=tally.channel,
                reader_category=tally.reader_category,
                category=tally.question_type,
                quantity=tally.count,
                value=tally.read_level,
                at=at,
            )
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=user.pk,
            action="reference.desk_logged",
            object_type="reference.desktransaction",
            object_id=rows[0].pk,
            library=library,
            detail={"entries": len(rows), "backdated": at < now - timedelta(minutes=5)},
        )
    return rows


# --- Periodic jobs --------------------------------------------------------------------------


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
            with translation.override("lt"):
                queue_email(
                    to=to,
                    subject=_("Question #%(id)s is due on %(date)s")
                    % {"id": question.pk, "date": question.deadline.isoformat()},
                    body_text=render_to_string(
                        "reference/email/reminder.txt", {"question": question}
                    ),
                    topic="reference.reminder",
                    object_type="reference.question",
                    object_id=question.pk,
                )
            sent += 1
    return sent


def erase_expired_contacts(*, now: datetime | None = None) -> int:
    """Erase the asker's contact data after the retention period; the question and answer stay."""
    now = now or timezone.now()
    erased = 0
    libraries = Library.objects.filter(reference_questions__isnull=False).distinct()
    for library in libraries:
        profile = selectors.get_profile(library)
        cutoff = now - timedelta(days=profile.retention_days)
        with transaction.atomic():
            questions = (
                Question.objects.select_for_update()
                .filter(
                    library=library,
                    created_at__lt=cutoff,
                    contact_erased_at__isnull=True,
                )
                .exclude(status__in=OPEN_STATUSES)
            )
            ids = list(questions.values_list("pk", flat=True))
            done = Question.objects.filter(pk__in=ids).update(
                email="",
                name="",
                private_details="",
                municipality="",
                reader=None,
                contact_erased_at=now,
            )
            QuestionEvent.objects.filter(
                question_id__in=ids, kind__in=(EventKind.REPLY, EventKind.RATING)
            ).update(text="")
            if done:
                record_audit(
                    actor_kind=ActorKind.SYSTEM,
                    action="reference.contacts_erased",
                    library=library,
                    detail={"questions": done},
                )
        erased += done
    return erased
