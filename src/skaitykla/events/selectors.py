"""Reads of the events app: get_* (one or raise), list_* (QuerySet), summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skaitykla.core.models import Library
from skaitykla.events.choices import (
    SEAT_STATUSES,
    EventStatus,
    RegistrationStatus,
    SessionStatus,
)
from skaitykla.events.errors import EventNotFoundError, InvalidTokenError
from skaitykla.events.models import (
    LIKERT_QUESTIONS,
    Attendance,
    Event,
    EventPolicy,
    Feedback,
    Registration,
    Room,
    Session,
    Topic,
)
from skaitykla.events.tokens import read_token


def get_policy(library: Library) -> EventPolicy:
    """The library's event rules; an unsaved row with the defaults when it has none."""
    policy = EventPolicy.objects.filter(library=library).first()
    return policy or EventPolicy(library=library)


#: The largest primary key a database row can have (bigint); larger ids are simply not found.
_MAX_ID = 2**63 - 1


def _int(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _MAX_ID else None


def get_event(*, event_id: object, public: bool = False) -> Event:
    pk = _int(event_id)
    queryset = Event.objects.select_related("library", "topic")
    if public:
        queryset = queryset.exclude(status=EventStatus.DRAFT)
    event = queryset.filter(pk=pk).first() if pk is not None else None
    if event is None:
        raise EventNotFoundError(_("No such event."))
    return event


def get_session(*, session_id: object, event: Event | None = None) -> Session:
    pk = _int(session_id)
    queryset = Session.objects.select_related("event", "event__library", "room")
    if event is not None:
        queryset = queryset.filter(event=event)
    session = queryset.filter(pk=pk).first() if pk is not None else None
    if session is None:
        raise EventNotFoundError(_("No such session."))
    return session


def get_registration(*, registration_id: object) -> Registration:
    pk = _int(registration_id)
    registration = (
        Registration.objects.select_related("event", "event__library", "session", "session__room")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if registration is None:
        raise EventNotFoundError(_("No such registration."))
    return registration


def get_registration_by_token(*, token: str) -> Registration:
    registration_id = read_token(token)
    if registration_id is None:
        raise InvalidTokenError(_("This link is not valid."))
    try:
        return get_registration(registration_id=registration_id)
    except EventNotFoundError:
        raise InvalidTokenError(_("This link is not valid.")) from None


def list_rooms(*, library: Library | None = None) -> QuerySet[Room]:
    queryset = Room.objects.filter(is_active=True).select_related("library")
    return queryset.filter(library=library) if library is not None else queryset


def list_topics() -> QuerySet[Topic]:
    return Topic.objects.all()


def _with_sessions(queryset: QuerySet[Event]) -> QuerySet[Event]:
    return queryset.select_related("library", "topic").prefetch_related(
        Prefetch("sessions", queryset=Session.objects.select_related("room"))
    )


def list_public_events(
    *,
    library: Library | None = None,
    topic: Topic | None = None,
    audience: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    include_past: bool = False,
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Published (or cancelled, still shown) events with a session in the range, soonest first."""
    now = now or timezone.now()
    sessions = Session.objects.all()
    if not include_past:
        sessions = sessions.filter(ends_at__gte=now)
    if date_from is not None:
        sessions = sessions.filter(starts_at__date__gte=date_from)
    if date_to is not None:
        sessions = sessions.filter(starts_at__date__lte=date_to)
    queryset = Event.objects.exclude(status=EventStatus.DRAFT).filter(
        pk__in=sessions.values("event_id")
    )
    if library is not None:
        queryset = queryset.filter(library=library)
    if topic is not None:
        queryset = queryset.filter(topic=topic)
    if audience:
        queryset = queryset.filter(audience=audience)
    return (
        _with_sessions(queryset)
        .annotate(first_start=Min("sessions__starts_at"))
        .order_by("first_start", "pk")
    )


def list_staff_events(*, library: Library | None = None) -> QuerySet[Event]:
    queryset = Event.objects.all()
    if library is not None:
        queryset = queryset.filter(library=library)
    return (
        _with_sessions(queryset)
        .annotate(
            first_start=Min("sessions__starts_at"),
            confirmed=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
            ),
            waiting=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
            ),
        )
        .order_by("-first_start", "-pk")
    )


def list_sessions_in_feed(
    *, library: Library | None = None, topic: Topic | None = None, now: datetime | None = None
) -> QuerySet[Session]:
    """Sessions for the calendar feeds: from 30 days ago on, not in drafts."""
    now = now or timezone.now()
    queryset = Session.objects.filter(ends_at__gte=now - timedelta(days=30)).exclude(
        event__status=EventStatus.DRAFT
    )
    if library is not None:
        queryset = queryset.filter(event__library=library)
    if topic is not None:
        queryset = queryset.filter(event__topic=topic)
    return queryset.select_related("event", "event__library", "event__topic", "room").order_by(
        "starts_at", "pk"
    )


def unit_registrations(*, event: Event, session: Session | None) -> QuerySet[Registration]:
    """The registrations that share one capacity: the course's, or one session's."""
    queryset = Registration.objects.filter(event=event)
    if event.is_course:
        return queryset.filter(session__isnull=True)
    return queryset.filter(session=session)


def seats_taken(*, event: Event, session: Session | None) -> int:
    total = (
        unit_registrations(event=event, session=session)
        .filter(status__in=SEAT_STATUSES)
        .aggregate(total=Sum("head_count"))["total"]
    )
    return int(total or 0)


def seats_free(*, event: Event, session: Session | None) -> int:
    return max(0, event.capacity - seats_taken(event=event, session=session))


def waiting_list(*, event: Event, session: Session | None) -> QuerySet[Registration]:
    return (
        unit_registrations(event=event, session=session)
        .filter(status=RegistrationStatus.WAITING)
        .order_by("created_at", "pk")
    )


def list_registrations(*, event: Event, session: Session | None = None) -> QuerySet[Registration]:
    queryset = Registration.objects.filter(event=event).select_related("session")
    if session is not None:
        queryset = queryset.filter(Q(session=session) | Q(session__isnull=True))
    return queryset.order_by("created_at", "pk")


def checked_in_ids(*, session: Session) -> set[int]:
    return set(Attendance.objects.filter(session=session).values_list("registration_id", flat=True))


def attended_sessions(*, registration: Registration) -> QuerySet[Session]:
    return Session.objects.filter(
        attendances__registration=registration, status=SessionStatus.HELD
    ).order_by("starts_at")


@dataclass(frozen=True)
class QuestionSummary:
    code: str
    text: str
    average: float | None
    counts: tuple[int, int, int, int, int]


@dataclass(frozen=True)
class FeedbackSummary:
    responses: int
    questions: tuple[QuestionSummary, ...]
    comments: tuple[str, ...]


def feedback_summary(*, event: Event) -> FeedbackSummary:
    rows = Feedback.objects.filter(event=event)
    averages = rows.aggregate(**{code: Avg(code) for code, _text in LIKERT_QUESTIONS})
    questions = []
    for code, text in LIKERT_QUESTIONS:
        counts = dict(rows.values_list(code).annotate(n=Count("pk")).values_list(code, "n"))
        average = averages[code]
        questions.append(
            QuestionSummary(
                code=code,
                text=str(text),
                average=round(float(average), 2) if average is not None else None,
                counts=tuple(int(counts.get(value, 0)) for value in range(1, 6)),  # type: ignore[arg-type]
            )
        )
    comments = tuple(
        rows.exclude(comment="").order_by("submitted_at").values_list("comment", flat=True)
    )
    return FeedbackSummary(responses=rows.count(), questions=tuple(questions), comments=comments)
