"""Reads of the reference app: questions, queues, calendars, the knowledge base and its search."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from skaitykla.accounts.models import User
from skaitykla.catalogue.search.analyzer import analyze
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.errors import CalendarError, NotFoundError
from skaitykla.core.models import Library, ServicePoint
from skaitykla.core.selectors import get_portal_library
from skaitykla.reference.choices import (
    OPEN_STATUSES,
    READ_LEVELS,
    QuestionKind,
    QuestionStatus,
)
from skaitykla.reference.models import (
    AnswerTemplate,
    DeskTransaction,
    KnowledgeBaseEntry,
    Question,
    ReadLevelWording,
    ReferenceProfile,
)


def get_profile(library: Library) -> ReferenceProfile:
    """The library's reference policy (the defaults when it has none saved)."""
    profile = ReferenceProfile.objects.filter(library=library).first()
    return profile if profile is not None else ReferenceProfile(library=library)


# --- Working days ---------------------------------------------------------------------------


@dataclass
class WorkingDays:
    """Open-day arithmetic on a library's calendar (``core.calendar``). While the calendar has
    no open day at all (hours not entered yet, or a country without known holidays), both ``add``
    and ``between`` count Monday to Friday instead, so a paused deadline resumes where it was."""

    calendar: LibraryCalendar

    def _weekdays_only(self, day: date) -> bool:
        try:
            self.calendar.next_open_day(day, include_today=True)
        except CalendarError:
            return True
        return False

    def add(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself when ``n`` is 0 and open)."""
        if not self._weekdays_only(day):
            return self.calendar.add_open_days(day, n)
        while n > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                n -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        days = (start + timedelta(days=offset) for offset in range(1, (end - start).days + 1))
        if self._weekdays_only(start):
            return sum(1 for day in days if day.weekday() < 5)
        return sum(1 for day in days if self.calendar.is_open_day(day))


def working_days(library: Library) -> WorkingDays:
    return WorkingDays(LibraryCalendar.for_library(library))


def deadline_days(profile: ReferenceProfile, kind: str) -> int:
    if kind == QuestionKind.CONSULTATION:
        return profile.consultation_deadline_days
    return profile.deadline_days


# --- Questions ------------------------------------------------------------------------------


def get_question(question_id: int) -> Question:
    question = (
        Question.objects.select_related("library", "received_via", "claimed_by", "assigned_to")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        raise NotFoundError("No such question.", code="question_not_found")
    return question


def get_question_by_token(token: str | uuid.UUID) -> Question:
    try:
        key = uuid.UUID(str(token))
    except ValueError:
        raise NotFoundError("No such question.", code="question_not_found") from None
    question = Question.objects.select_related("library").filter(token=key).first()
    if question is None:
        raise NotFoundError("No such question.", code="question_not_found")
    return question


def list_queue(
    *,
    libraries: list[Library] | None,
    status: str = "",
    kind: str = "",
    overdue_on: date | None = None,
) -> QuerySet[Question]:
    """The queue: open questions by default; ``libraries=None`` means the whole network."""
    questions = Question.objects.select_related("library", "claimed_by", "assigned_to")
    if libraries is not None:
        questions = questions.filter(library__in=libraries)
    if status:
        questions = questions.filter(status=status)
    else:
        questions = questions.filter(status__in=OPEN_STATUSES)
    if kind:
        questions = questions.filter(kind=kind)
    if overdue_on is not None:
        questions = questions.filter(
            status__in=(QuestionStatus.NEW, QuestionStatus.CLAIMED), deadline__lt=overdue_on
        )
    return questions.order_by("deadline", "created_at")


def list_reader_questions(reader_id: int) -> QuerySet[Question]:
    return Question.objects.filter(reader_id=reader_id).order_by("-created_at")


def queue_summary(overdue_on: date) -> list[dict[str, Any]]:
    """Per library: open and overdue questions (the network coordinator's view)."""
    rows = (
        Question.objects.filter(status__in=OPEN_STATUSES)
        .values("library__code", "library__name")
        .annotate(
            open=Count("pk"),
            overdue=Count(
                "pk",
                filter=Q(
                    status__in=(QuestionStatus.NEW, QuestionStatus.CLAIMED),
                    deadline__lt=overdue_on,
                ),
            ),
        )
        .order_by("library__code")
    )
    return [dict(row) for row in rows]


def route_library(received_via: Library, subject: str) -> Library:
    """The library that answers: the receiving one, unless another member library lists the
    subject among its strengths (and has capacity left this week) and the receiver does not."""
    profiles = list(
        ReferenceProfile.objects.select_related("library").filter(
            takes_questions=True, library__is_active=True
        )
    )
    own = next((p for p in profiles if p.library_id == received_via.pk), None)
    wanted = subject.strip().casefold()
    if not wanted or (own is not None and wanted in own.subject_list()):
        return received_via
    strong = [p for p in profiles if wanted in p.subject_list()]
    if not strong:
        return received_via
    loads = dict(
        Question.objects.filter(library__in=[p.library for p in strong], status__in=OPEN_STATUSES)
        .values_list("library")
        .annotate(n=Count("pk"))
    )
    candidates = [p for p in strong if loads.get(p.library_id, 0) < p.weekly_capacity]
    if not candidates:
        return received_via
    best = min(candidates, key=lambda p: loads.get(p.library_id, 0) / max(p.weekly_capacity, 1))
    return best.library


def list_templates(library: Library | None) -> QuerySet[AnswerTemplate]:
    """The library's own templates and the network's shared ones (only those without a library)."""
    return AnswerTemplate.objects.filter(Q(library=library) | Q(library__isnull=True))


def get_template(template_id: int, library: Library | None) -> AnswerTemplate:
    """A template this library works with: its own or a shared one (``NotFoundError`` for
    another library's)."""
    template = list_templates(library).filter(pk=template_id).first()
    if template is None:
        raise NotFoundError("No such answer template.", code="template_not_found")
    return template


def read_level_defaults() -> dict[int, str]:
    return {level: str(text) for level, text in READ_LEVELS.items()}


def read_level_wordings() -> dict[int, str]:
    """The saved (non-default) wordings by level."""
    return dict(ReadLevelWording.objects.values_list("level", "wording"))


def read_levels() -> list[tuple[int, str]]:
    custom = dict(ReadLevelWording.objects.values_list("level", "wording"))
    return [(level, custom.get(level) or str(text)) for level, text in READ_LEVELS.items()]


# --- Knowledge base -------------------------------------------------------------------------

MAX_QUERY_TERMS = 12


def query_terms(text: str) -> list[str]:
    terms: list[str] = []
    for term in analyze(text):
        if term not in terms:
            terms.append(term)
    return terms[:MAX_QUERY_TERMS]


#: Only this many matching entries (the newest first) are ranked: a common word costs about as
#: much as a rare one (the catalogue's approach, ADR 20).
CANDIDATES = 200


def search_entry_ids(text: str, *, limit: int = 20, match_all: bool = True) -> list[int]:
    """Entry ids best first for a free-text query (same analyzer as the catalogue)."""
    terms = query_terms(text)
    if not terms:
        return []
    limit = max(1, min(limit, 100))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            joiner = " & " if match_all else " | "
            tsquery = joiner.join(f"'{term}'" for term in terms)
            cursor.execute(
                "SELECT c.id FROM (SELECT id, document FROM reference_knowledgebaseentry "
                "WHERE document @@ to_tsquery('simple', %s) ORDER BY id DESC LIMIT %s) c "
                "ORDER BY ts_rank(c.document, to_tsquery('simple', %s)) DESC, c.id DESC LIMIT %s",
                [tsquery, CANDIDATES, tsquery, limit],
            )
            return [row[0] for row in cursor.fetchall()]
        joiner = " AND " if match_all else " OR "
        match = joiner.join(f'"{term}"' for term in terms)
        cursor.execute(
            "SELECT rowid, bm25(reference_kb_fts) FROM reference_kb_fts "
            "WHERE reference_kb_fts MATCH %s ORDER BY rowid DESC LIMIT %s",
            [match, CANDIDATES],
        )
        scored = cursor.fetchall()
    scored.sort(key=lambda row: (row[1], -row[0]))
    return [row[0] for row in scored[:limit]]


def search_entries(
    text: str, *, limit: int = 20, match_all: bool = True
) -> list[KnowledgeBaseEntry]:
    ids = search_entry_ids(text, limit=limit, match_all=match_all)
    by_id = KnowledgeBaseEntry.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def similar_entries(text: str, *, limit: int = 5) -> list[KnowledgeBaseEntry]:
    """Published answers resembling what the reader is typing (any of the words)."""
    return search_entries(text, limit=limit, match_all=False)


def list_entries() -> QuerySet[KnowledgeBaseEntry]:
    return KnowledgeBaseEntry.objects.order_by("-published_at", "-pk")


def get_entry(entry_id: int) -> KnowledgeBaseEntry:
    entry = KnowledgeBaseEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFoundError("No such entry.", code="kb_entry_not_found")
    return entry


def receiving_library(code: str = "") -> Library | None:
    """The library a public form posts to: the one named (embedded forms), else the portal's."""
    named = Library.objects.filter(is_active=True, code=code).first() if code else None
    return named or get_portal_library()


def staff_libraries(user: object) -> list[Library] | None:
    """The libraries whose queue a member of staff sees (None: the whole network)."""
    if getattr(user, "has_perm", None) and user.has_perm("reference.coordinate_network"):  # type: ignore[attr-defined]
        return None
    home = getattr(user, "home_library", None)
    if home is None:
        return []
    return [home, *Library.objects.filter(parent=home)]


def get_staff_question(user: object, question_id: int) -> Question:
    """A question in the queue this member of staff sees (raises ``NotFoundError`` otherwise)."""
    question = get_question(question_id)
    libraries = staff_libraries(user)
    if libraries is not None and question.library not in libraries:
        raise NotFoundError("No such question.", code="question_not_found")
    return question


def list_member_libraries() -> QuerySet[Library]:
    return Library.objects.filter(is_active=True).order_by("code")


def list_colleagues() -> QuerySet[User]:
    """The active staff of the network, any of whom may be given a question."""
    return User.objects.filter(is_active=True, is_staff=True).order_by("username")


def list_service_points(library: Library) -> list[ServicePoint]:
    return list(ServicePoint.objects.filter(library=library, is_active=True).order_by("code"))


def list_recent_desk(
    library: Library, point: ServicePoint | None, limit: int = 10
) -> list[DeskTransaction]:
    rows = DeskTransaction.objects.filter(library=library)
    if point is not None:
        rows = rows.filter(service_point=point)
    return list(rows.order_by("-recorded_at", "-pk")[:limit])
