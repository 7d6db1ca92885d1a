"""Reads for the public portal: which library the site speaks for, and what it shows of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from skaitykla.core.calendar import DaySchedule, week_schedule
from skaitykla.core.models import Library, ReadingRoom, ServicePoint
from skaitykla.core.selectors import list_reading_rooms
from skaitykla.core.timezones import library_zone
from skaitykla.events.choices import ACTIVE_STATUSES
from skaitykla.events.models import Registration, Session
from skaitykla.events.tokens import make_token
from skaitykla.reference import selectors as reference_selectors
from skaitykla.reference.models import Question


def list_public_reading_rooms(library: Library) -> QuerySet[ReadingRoom]:
    return list_reading_rooms(library=library)


def list_public_service_points(library: Library) -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(library=library, is_active=True).exclude(kind="online")


def this_week(library: Library) -> tuple[date, list[DaySchedule]]:
    """The library's local today and its opening days from this Monday to Sunday."""
    today = timezone.localdate(timezone=library_zone(library))
    monday = today - timedelta(days=today.weekday())
    return today, week_schedule(library, monday, days=7)


# --- The reader's account overview ------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationLine:
    """One of the reader's event registrations, with the link that manages it."""

    registration: Registration
    token: str
    starts_at: datetime | None


def list_reader_registrations(*, reader_id: int, now: datetime) -> list[RegistrationLine]:
    """The reader's live registrations for events not over yet, the soonest first (one query)."""
    first_session = (
        Session.objects.filter(event=OuterRef("event"), ends_at__gte=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    rows = (
        Registration.objects.filter(reader_id=reader_id, status__in=ACTIVE_STATUSES)
        .select_related("event", "session")
        .annotate(next_starts_at=Subquery(first_session))
        .filter(
            Q(session__ends_at__gte=now) | Q(session__isnull=True, next_starts_at__isnull=False)
        )
        .order_by("created_at", "pk")
    )
    lines = [
        RegistrationLine(
            registration=row,
            token=make_token(row.pk),
            starts_at=row.session.starts_at if row.session else row.next_starts_at,
        )
        for row in rows
    ]
    return sorted(lines, key=lambda line: (line.starts_at is None, line.starts_at or now))


def list_reader_questions(*, reader_id: int, limit: int = 5) -> list[Question]:
    """The reader's latest Ask a Librarian questions."""
    return list(reference_selectors.list_reader_questions(reader_id)[:limit])
