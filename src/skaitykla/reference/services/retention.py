"""Erasing the asker's contact data after the library's retention period (a periodic job)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from skaitykla.core.choices import ActorKind
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit
from skaitykla.reference import selectors
from skaitykla.reference.choices import OPEN_STATUSES, EventKind
from skaitykla.reference.models import Question, QuestionEvent


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
