"""Building blocks of every question use case: the row lock, the history event, the audit row,
the claim and the deadline. None of them opens a transaction or saves on its own except
``add_event`` and ``audit_question``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit
from skaitykla.reference import selectors
from skaitykla.reference.choices import INTERPRETER_FORMATS, QuestionStatus
from skaitykla.reference.errors import ClaimedByOtherError, QuestionStateError, ReferenceError
from skaitykla.reference.models import Question, QuestionEvent


def actor_of(user: User | None) -> dict[str, object]:
    if user is None:
        return {"actor_kind": ActorKind.ANONYMOUS, "actor_id": ""}
    return {"actor_kind": ActorKind.STAFF, "actor_id": user.pk}


def lock_question(question_id: int) -> Question:
    question = Question.objects.select_for_update().filter(pk=question_id).first()
    if question is None:
        raise ReferenceError(_("No such question."), code="question_not_found")
    return question


def add_event(
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


def audit_question(question: Question, action: str, user: User | None, **detail: object) -> None:
    record_audit(
        **actor_of(user),  # type: ignore[arg-type]
        action=f"reference.{action}",
        object_type="reference.question",
        object_id=question.pk,
        library=question.library,
        detail=detail or None,
    )


def service_channel(question: Question) -> str:
    if question.access_format in INTERPRETER_FORMATS:
        return Channel.SIGN_LANGUAGE
    return Channel.WEB


def require_status(question: Question, *statuses: str) -> None:
    if question.status not in statuses:
        raise QuestionStateError(
            _("This question is %(status)s: the action is not possible now.")
            % {"status": question.get_status_display()},
            status=question.status,
        )


def refuse_if_claimed_by_other(question: Question, user: User, now: datetime) -> None:
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


def claim_for(question: Question, user: User, now: datetime) -> None:
    """Make ``user`` the claimant until the library's claim time runs out (not saved)."""
    question.status = QuestionStatus.CLAIMED
    question.claimed_by = user
    question.claim_expires_at = now + timedelta(
        minutes=selectors.get_profile(question.library).claim_minutes
    )


def unclaim(question: Question) -> None:
    """Back to the queue, claimed by nobody (not saved)."""
    question.status = QuestionStatus.NEW
    question.claimed_by = None
    question.claim_expires_at = None


def set_deadline(question: Question, day: date) -> None:
    profile = selectors.get_profile(question.library)
    days = selectors.deadline_days(profile, question.kind)
    question.deadline = selectors.working_days(question.library).add(day, days)
    question.remaining_days = None
