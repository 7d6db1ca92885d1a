"""The public answer archive (ADR 31): publishing a de-identified copy, and taking it down."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.catalogue.search.analyzer import analyze_to_text
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.reference.choices import QuestionStatus
from skaitykla.reference.deidentify import find_personal_data
from skaitykla.reference.errors import PublicationBlockedError, ReferenceError
from skaitykla.reference.models import KnowledgeBaseEntry, Question
from skaitykla.reference.services.question_state import (
    audit_question,
    lock_question,
    require_status,
)
from skaitykla.reference.services.sanitising import sanitise_html


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
        question = lock_question(question_id)
        require_status(question, QuestionStatus.ANSWERED, QuestionStatus.CLOSED)
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
        audit_question(question, "kb_published", user, entry=entry.pk)
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
