"""The information-desk log: consultations counted at a service point, never who asked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.core.choices import ActorKind
from skaitykla.core.models import Library, ServicePoint
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.reference.choices import DeskChannel, QuestionType
from skaitykla.reference.deidentify import find_personal_data
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import DeskTransaction


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
