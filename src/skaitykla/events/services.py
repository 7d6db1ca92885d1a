"""Every state change of the events app: one keyword-only function per use case.

Capacity is checked under a row lock on the unit that owns it (the session row for per-session
registration, the event row for a course); on SQLite the IMMEDIATE transaction serialises the
same check-then-act. E-mails are queued in the transaction and sent after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from skaitykla.accounts.models import User
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.core.timezones import library_zone
from skaitykla.events import selectors
from skaitykla.events.choices import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CalendarWarning,
    CheckInMethod,
    EventKind,
    EventStatus,
    RegistrationKind,
    RegistrationMode,
    RegistrationStatus,
    SessionStatus,
)
from skaitykla.events.errors import (
    CheckInError,
    DuplicateRegistrationError,
    FeedbackError,
    InvalidCapacityError,
    InvalidEventError,
    InvalidRegistrantError,
    InvalidSessionTimesError,
    RegistrationClosedError,
    RegistrationStateError,
    RoomDoubleBookedError,
    RoomTooSmallError,
    SessionCancelledError,
)
from skaitykla.events.models import (
    Attendance,
    Event,
    Feedback,
    Registration,
    Room,
    Session,
    Topic,
)
from skaitykla.events.tokens import make_token
from skaitykla.notifications.services import queue_email
from skaitykla.patrons.models import Reader
from skaitykla.patrons.selectors import get_card

#: How long before a session starts and after it ends the self check-in code works.
SELF_CHECK_IN_WINDOW = timedelta(minutes=30)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _actor(actor: User | None, reader: Reader | None = None) -> tuple[str, object]:
    if actor is not None:
        return ActorKind.STAFF, actor.pk
    if reader is not None:
        return ActorKind.READER, reader.pk
    return ActorKind.ANONYMOUS, ""


def _registrant_actor(registration: Registration) -> tuple[str, object]:
    """The registrant acting through their own link (a reader, or an anonymous guest)."""
    if registration.reader_id:
        return ActorKind.READER, registration.reader_id
    return ActorKind.ANONYMOUS, ""


def _audit(
    action: str,
    *,
    obj: Any,
    library: Library,
    actor_kind: str,
    actor_id: object = "",
    detail: dict[str, object] | None = None,
) -> None:
    record_audit(
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        library=library,
        detail=detail,
    )


def _site_url(base_url: str = "") -> str:
    return (base_url or settings.PUBLIC_BASE_URL).rstrip("/")


def registration_links(registration: Registration, base_url: str = "") -> dict[str, str]:
    token = make_token(registration.pk)
    site = _site_url(base_url)
    return {
        "manage": site + reverse("events:registration", args=[token]),
        "ics": site + reverse("events:registration_ics", args=[token]),
        "feedback": site + reverse("events:feedback", args=[token]),
        "certificate": site + reverse("events:certificate", args=[token]),
    }


# --- Events, rooms and sessions ---------------------------------------------------------------


@dataclass
class EventData:
    title: str
    audience: str
    capacity: int
    description: str = ""
    kind: str = "training"
    topic: Topic | None = None
    language: str = "lt"
    trainers: str = ""
    accessibility_notes: str = ""
    sign_language_on_request: bool = False
    online_link: str = ""
    registration_mode: str = RegistrationMode.PER_SESSION
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    status: str = EventStatus.PUBLISHED
    extra: dict[str, object] = field(default_factory=dict)


def _check_event_data(data: EventData) -> None:
    if not data.title.strip():
        raise InvalidEventError(_("The event needs a title."))
    if isinstance(data.capacity, bool) or not isinstance(data.capacity, int) or data.capacity < 1:
        raise InvalidCapacityError(_("Capacity must be at least 1."))
    if data.capacity > 10000:
        raise InvalidCapacityError(_("Capacity is too large."))
    if (
        data.registration_opens_at
        and data.registration_closes_at
        and data.registration_opens_at >= data.registration_closes_at
    ):
        raise InvalidEventError(_("Registration must open before it closes."))


def create_event(*, actor: User | None, library: Library, data: EventData) -> Event:
    """A new event (no sessions yet); refused with a clear error when the data does not hold."""
    _check_event_data(data)
    with transaction.atomic():
        event = Event.objects.create(
            library=library,
            kind=data.kind,
            title=data.title.strip(),
            description=data.description,
            topic=data.topic,
            audience=data.audience,
            language=data.language,
            trainers=data.trainers,
            accessibility_notes=data.accessibility_notes,
            sign_language_on_request=data.sign_language_on_request,
            online_link=data.online_link,
            registration_mode=data.registration_mode,
            capacity=data.capacity,
            registration_opens_at=data.registration_opens_at,
            registration_closes_at=data.registration_closes_at,
            status=data.status,
            created_by=actor,
        )
        kind, actor_id = _actor(actor)
        _audit("event.created", obj=event, library=library, actor_kind=kind, actor_id=actor_id)
    return event


def _calendar_warning(library: Library, starts_at: datetime, ends_at: datetime) -> str:
    calendar = LibraryCalendar.for_library(library)
    day = starts_at.astimezone(calendar.zone).date()
    if not calendar.is_open_day(day):
        return CalendarWarning.CLOSED_DAY
    inside = any(
        start <= starts_at and ends_at <= end for start, end in calendar.opening_intervals(day)
    )
    if not inside:
        return CalendarWarning.OUTSIDE_HOURS
    return ""


def add_session(
    *,
    actor: User | None,
    event: Event,
    starts_at: datetime,
    ends_at: datetime,
    room: Room | None = None,
    is_online: bool = False,
) -> Session:
    """Schedule one meeting. Refuses end before start, a room of another library, a room with
    fewer seats than the capacity, and a room already booked at an overlapping time (the room row
    is locked; on PostgreSQL an exclusion constraint also holds). A closed day or hours outside
    the opening hours only warn (``Session.calendar_warning``)."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidSessionTimesError(_("Times must carry a time zone."))
    if ends_at <= starts_at:
        raise InvalidSessionTimesError(_("A session must end after it starts."))
    if ends_at - starts_at > timedelta(hours=12):
        raise InvalidSessionTimesError(_("A session cannot last longer than 12 hours."))
    if room is None and not is_online:
        raise InvalidEventError(_("Choose a room or mark the session as online."))
    with transaction.atomic():
        if room is not None:
            room = Room.objects.select_for_update(of=("self",)).get(pk=room.pk)
            if room.library_id != event.library_id:
                raise InvalidEventError(_("The room belongs to another library."))
            if not is_online and room.seats < event.capacity:
                raise RoomTooSmallError(
                    _("The room has fewer seats than the event's capacity."),
                    seats=room.seats,
                )
            _refuse_overlap(room=room, starts_at=starts_at, ends_at=ends_at)
        try:
            with transaction.atomic():
                session = Session.objects.create(
                    event=event,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    room=room,
                    is_online=is_online,
                    calendar_warning=_calendar_warning(event.library, starts_at, ends_at),
                )
        except IntegrityError as error:
            if "double_booking" in str(error):
                raise RoomDoubleBookedError(_("The room is already booked at that time.")) from None
            raise
        kind, actor_id = _actor(actor)
        _audit(
            "event.session_added",
            obj=session,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
        )
    return session


def _refuse_overlap(
    *, room: Room, starts_at: datetime, ends_at: datetime, exclude: Session | None = None
) -> None:
    clash = Session.objects.filter(room=room, starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(
        status=SessionStatus.CANCELLED
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise RoomDoubleBookedError(_("The room is already booked at that time."))


def copy_event(*, actor: User | None, event: Event, shift: timedelta, title: str = "") -> Event:
    """A copy of the event with its sessions moved by ``shift`` (no registrations)."""
    with transaction.atomic():
        data = EventData(
            title=title or event.title,
            audience=event.audience,
            capacity=event.capacity,
            description=event.description,
            kind=event.kind,
            topic=event.topic,
            language=event.language,
            trainers=event.trainers,
            accessibility_notes=event.accessibility_notes,
            sign_language_on_request=event.sign_language_on_request,
            online_link=event.online_link,
            registration_mode=event.registration_mode,
            registration_opens_at=(
                event.registration_opens_at + shift if event.registration_opens_at else None
            ),
            registration_closes_at=(
                event.registration_closes_at + shift if event.registration_closes_at else None
            ),
            status=EventStatus.DRAFT,
        )
        copy = create_event(actor=actor, library=event.library, data=data)
        for session in event.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at"):
            add_session(
                actor=actor,
                event=copy,
                starts_at=session.starts_at + shift,
                ends_at=session.ends_at + shift,
                room=session.room,
                is_online=session.is_online,
            )
    return copy


def publish_event(*, actor: User | None, event: Event) -> Event:
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).get(pk=event.pk)
        if event.status != EventStatus.DRAFT:
            raise InvalidEventError(_("Only a draft can be published."))
        if not event.sessions.exists():
            raise InvalidEventError(_("Add at least one session first."))
        event.status = EventStatus.PUBLISHED
        event.save(update_fields=["status"])
        kind, actor_id = _actor(actor)
        _audit(
            "event.published", obj=event, library=event.library, actor_kind=kind, actor_id=actor_id
        )
    return event


# --- Registration -----------------------------------------------------------------------------


def _lock_unit(event: Event, session: Session | None) -> tuple[Event, Session | None]:
    """Lock the row that owns the capacity and return fresh copies."""
    if event.is_course or session is None:
        event = (
            Event.objects.select_for_update(of=("self",)).select_related("library").get(pk=event.pk)
        )
        if session is not None:
            session = Session.objects.get(pk=session.pk)
        return event, session
    session = Session.objects.select_for_update(of=("self",)).get(pk=session.pk)
    event = Event.objects.select_related("library").get(pk=event.pk)
    return event, session


def _registration_window(event: Event, session: Session | None) -> tuple[datetime | None, datetime]:
    sessions = list(event.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at"))
    first = session if session is not None else (sessions[0] if sessions else None)
    if first is None:
        raise RegistrationClosedError(_("This event has no sessions to register for."))
    closes = event.registration_closes_at or first.starts_at
    return event.registration_opens_at, min(closes, first.starts_at)


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _one_line(text: str) -> str:
    """The text on one line with runs of white space folded."""
    return " ".join(str(text or "").split())


def _checked_email(email: str) -> str:
    """The address stripped; refused when it is given but not valid."""
    email = str(email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidRegistrantError(
                _("Enter a valid e-mail address."), field="email"
            ) from None
    return email


def _check_registrant(name: str, email: str, head_count: int, event: Event) -> tuple[str, str]:
    name = _one_line(name)
    if not name:
        raise InvalidRegistrantError(_("Enter your name."), field="name")
    if len(name) > 200:
        raise InvalidRegistrantError(_("The name is too long."), field="name")
    email = _checked_email(email)
    if not email:
        raise InvalidRegistrantError(_("Enter your e-mail address."), field="email")
    if isinstance(head_count, bool) or not isinstance(head_count, int) or head_count < 1:
        raise InvalidRegistrantError(
            _("The number of people must be at least 1."), field="head_count"
        )
    if head_count > event.capacity:
        raise InvalidRegistrantError(
            _("The group is larger than the event's capacity."), field="head_count"
        )
    return name, email


def register(
    *,
    event: Event,
    session: Session | None = None,
    name: str = "",
    email: str = "",
    reader: Reader | None = None,
    head_count: int = 1,
    organisation: str = "",
    accessibility_needs: str = "",
    language: str = "lt",
    actor: User | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Registration:
    """Register a guest (name and e-mail), a signed-in reader (one step), or a group (a school or
    library with a head count). Confirmed while seats are free and nobody waits; otherwise on
    the waiting list in arrival order. Refused: outside the window, cancelled event or session,
    invalid e-mail, twice for the same event/session."""
    now = _now(now)
    if reader is not None:
        name = name or f"{reader.first_name} {reader.last_name}"
        email = email or reader.email
    name, email = _check_registrant(name, email, head_count, event)
    if language not in dict(settings.LANGUAGES):
        language = "lt"
    with transaction.atomic():
        if session is not None and session.event_id != event.pk:
            raise InvalidEventError(_("The session belongs to another event."))
        if event.is_course:
            session = None
        elif session is None:
            raise InvalidEventError(_("Choose a session."))
        event, session = _lock_unit(event, session)
        if event.status == EventStatus.CANCELLED:
            raise SessionCancelledError(_("This event has been cancelled."))
        if event.status != EventStatus.PUBLISHED:
            raise RegistrationClosedError(_("Registration is not open."))
        if session is not None and session.status == SessionStatus.CANCELLED:
            raise SessionCancelledError(_("This session has been cancelled."))
        opens, closes = _registration_window(event, session)
        if opens is not None and now < opens:
            raise RegistrationClosedError(_("Registration has not opened yet."))
        if now >= closes:
            raise RegistrationClosedError(_("Registration has closed."))
        unit = selectors.unit_registrations(event=event, session=session).filter(
            status__in=ACTIVE_STATUSES
        )
        email_key = _normalise_email(email)
        duplicate = Q(email_key=email_key)
        if reader is not None:
            duplicate |= Q(reader_id=reader.pk)
        if unit.filter(duplicate).exists():
            raise DuplicateRegistrationError(_("You are already registered for this."))
        taken = selectors.seats_taken(event=event, session=session)
        someone_waits = unit.filter(status=RegistrationStatus.WAITING).exists()
        confirmed = not someone_waits and taken + head_count <= event.capacity
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    event=event,
                    session=session,
                    reader_id=reader.pk if reader is not None else None,
                    kind=RegistrationKind.GROUP if head_count > 1 else RegistrationKind.INDIVIDUAL,
                    name=name,
                    email=email,
                    email_key=email_key,
                    organisation=organisation.strip()[:200],
                    head_count=head_count,
                    accessibility_needs=accessibility_needs.strip()[:300],
                    language=language,
                    status=RegistrationStatus.CONFIRMED
                    if confirmed
                    else RegistrationStatus.WAITING,
                )
        except IntegrityError:
            raise DuplicateRegistrationError(_("You are already registered for this.")) from None
        kind, actor_id = _actor(actor, reader)
        _audit(
            "event.registered" if confirmed else "event.waitlisted",
            obj=registration,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
            detail={"head_count": head_count, "session": session.pk if session else None},
        )
        _mail(registration, "confirmed" if confirmed else "waiting", base_url=base_url)
    return registration


def _promote(
    event: Event, session: Session | None, *, now: datetime, base_url: str = ""
) -> list[Registration]:
    """Offer freed seats to the waiting list in arrival order (the unit is locked by the caller).
    A group that does not fit is passed over for now; it keeps its place."""
    if event.status != EventStatus.PUBLISHED:
        return []
    if session is not None and session.status != SessionStatus.SCHEDULED:
        return []
    free = event.capacity - selectors.seats_taken(event=event, session=session)
    offered: list[Registration] = []
    if free <= 0:
        return offered
    hours = selectors.get_policy(event.library).offer_valid_hours
    for registration in selectors.waiting_list(event=event, session=session):
        if registration.head_count > free:
            continue
        registration.status = RegistrationStatus.OFFERED
        registration.offer_expires_at = now + timedelta(hours=hours)
        registration.save(update_fields=["status", "offer_expires_at"])
        _audit(
            "event.offered", obj=registration, library=event.library, actor_kind=ActorKind.SYSTEM
        )
        _mail(registration, "offered", base_url=base_url)
        offered.append(registration)
        free -= registration.head_count
        if free <= 0:
            break
    return offered


def cancel_registration(
    *,
    registration: Registration,
    actor: User | None = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Registration:
    """The registrant (through the cancel link) or staff cancel; a freed seat is offered on."""
    now = _now(now)
    with transaction.atomic():
        event, session = _lock_unit(registration.event, registration.session)
        registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
        if registration.status not in ACTIVE_STATUSES:
            raise RegistrationStateError(_("This registration is no longer active."))
        held_seat = registration.status in SEAT_STATUSES
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
        kind, actor_id = _actor(actor) if actor is not None else _registrant_actor(registration)
        _audit(
            "event.registration_cancelled",
            obj=registration,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
        )
        _mail(registration, "cancelled", base_url=base_url)
        if held_seat:
            _promote(event, session, now=now, base_url=base_url)
    return registration


def accept_offer(
    *, registration: Registration, base_url: str = "", now: datetime | None = None
) -> Registration:
    """The waiting person takes the seat offered to them (before the offer expires)."""
    now = _now(now)
    with transaction.atomic():
        event, _session = _lock_unit(registration.event, registration.session)
        registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
        if registration.status != RegistrationStatus.OFFERED:
            raise RegistrationStateError(_("There is no seat offered to you."))
        if registration.offer_expires_at is not None and registration.offer_expires_at <= now:
            raise RegistrationStateError(_("The offer has expired."))
        registration.status = RegistrationStatus.CONFIRMED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at"])
        kind, actor_id = _registrant_actor(registration)
        _audit(
            "event.offer_accepted",
            obj=registration,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
        )
        _mail(registration, "confirmed", base_url=base_url)
    return registration


def expire_offers(*, now: datetime | None = None, base_url: str = "") -> int:
    """Offers not taken in time lapse; the seat goes to the next person waiting."""
    now = _now(now)
    expired = 0
    due = list(
        Registration.objects.filter(
            status=RegistrationStatus.OFFERED, offer_expires_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
    for registration_id in due:
        with transaction.atomic():
            registration = Registration.objects.select_related("event", "session").get(
                pk=registration_id
            )
            event, session = _lock_unit(registration.event, registration.session)
            registration = Registration.objects.select_for_update(of=("self",)).get(
                pk=registration_id
            )
            if registration.status != RegistrationStatus.OFFERED or (
                registration.offer_expires_at and registration.offer_expires_at > now
            ):
                continue
            registration.status = RegistrationStatus.EXPIRED
            registration.save(update_fields=["status"])
            _audit(
                "event.offer_expired",
                obj=registration,
                library=event.library,
                actor_kind=ActorKind.SYSTEM,
            )
            _mail(registration, "expired", base_url=base_url)
            _promote(event, session, now=now, base_url=base_url)
            expired += 1
    return expired


# --- Sessions: cancel, message, remind ---------------------------------------------------------


def cancel_session(
    *, actor: User | None, session: Session, reason: str = "", base_url: str = ""
) -> Session:
    """Cancel one meeting; everyone registered for it (or for the course) is told. Per-session
    registrations end; a course's registrations stay for its other sessions."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("event")
            .get(pk=session.pk)
        )
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("library")
            .get(pk=session.event_id)
        )
        if session.status != SessionStatus.SCHEDULED:
            raise InvalidEventError(_("Only a scheduled session can be cancelled."))
        session.status = SessionStatus.CANCELLED
        session.cancel_reason = reason.strip()[:300]
        session.save(update_fields=["status", "cancel_reason"])
        affected = list(
            selectors.unit_registrations(event=event, session=session).filter(
                status__in=ACTIVE_STATUSES
            )
        )
        for registration in affected:
            if not event.is_course:
                registration.status = RegistrationStatus.CANCELLED
                registration.cancelled_at = timezone.now()
                registration.save(update_fields=["status", "cancelled_at"])
            _mail(
                registration,
                "session_cancelled",
                base_url=base_url,
                session=session,
                reason=session.cancel_reason,
            )
        if event.is_course and not event.sessions.exclude(status=SessionStatus.CANCELLED).exists():
            event.status = EventStatus.CANCELLED
            event.save(update_fields=["status"])
        kind, actor_id = _actor(actor)
        _audit(
            "event.session_cancelled",
            obj=session,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
            detail={"told": len(affected)},
        )
    return session


def message_registrants(
    *,
    actor: User | None,
    event: Event,
    subject: str,
    body: str,
    include_waiting: bool = False,
    session: Session | None = None,
) -> int:
    """E-mail everyone holding a seat (and the waiting list when asked); returns how many."""
    subject = _one_line(subject)
    body = str(body or "").strip()
    if not subject or not body:
        raise InvalidEventError(_("Write a subject and a message."))
    statuses = list(SEAT_STATUSES) + ([RegistrationStatus.WAITING] if include_waiting else [])
    with transaction.atomic():
        registrations = (
            selectors.list_registrations(event=event, session=session)
            .filter(status__in=statuses)
            .exclude(email="")
        )
        count = 0
        for registration in registrations:
            queue_email(
                to=registration.email,
                subject=subject,
                body_text=body,
                topic="events.message",
                language=registration.language,
                object_type="events.registration",
                object_id=registration.pk,
            )
            count += 1
        kind, actor_id = _actor(actor)
        _audit(
            "event.registrants_messaged",
            obj=event,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
            detail={"recipients": count},
        )
    return count


def send_reminders(*, now: datetime | None = None, base_url: str = "") -> int:
    """Remind confirmed registrants the configured time before their (next) session."""
    now = _now(now)
    sent = 0
    horizon = now + timedelta(days=8)
    sessions = Session.objects.filter(
        status=SessionStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=horizon,
        event__status=EventStatus.PUBLISHED,
    ).select_related("event", "event__library")
    for session in sessions:
        hours = selectors.get_policy(session.event.library).reminder_hours_before
        if session.starts_at - timedelta(hours=hours) > now:
            continue
        registrations = (
            selectors.unit_registrations(event=session.event, session=session)
            .filter(status=RegistrationStatus.CONFIRMED, reminded_at__isnull=True)
            .exclude(email="")
        )
        if session.event.is_course:
            # a course's registrants are reminded once, before its first session
            first = (
                session.event.sessions.exclude(status=SessionStatus.CANCELLED)
                .order_by("starts_at")
                .first()
            )
            if first is None or first.pk != session.pk:
                continue
        with transaction.atomic():
            for registration in registrations.select_for_update(of=("self",)):
                registration.reminded_at = now
                registration.save(update_fields=["reminded_at"])
                _mail(registration, "reminder", base_url=base_url, session=session)
                sent += 1
    return sent


# --- Attendance ---------------------------------------------------------------------------------


def _lock_session(session: Session) -> Session:
    """Lock the session row (check-ins to it serialise) and return a fresh copy."""
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("event__library")
        .get(pk=session.pk)
    )


def _confirmed_registration(session: Session, **match: object) -> Registration | None:
    """The confirmed registration of the session's capacity unit that matches ``match``, locked
    (a course's registrations are cancelled under the event's lock, not the session's)."""
    return (
        selectors.unit_registrations(event=session.event, session=session)
        .filter(status=RegistrationStatus.CONFIRMED, **match)
        .select_for_update(of=("self",))
        .first()
    )


def _check_in(
    *,
    session: Session,
    registration: Registration,
    method: str,
    actor: User | None,
    head_count: int | None = None,
) -> Attendance:
    if session.status == SessionStatus.CANCELLED:
        raise CheckInError(_("This session has been cancelled."))
    if registration.event_id != session.event_id or (
        registration.session_id is not None and registration.session_id != session.pk
    ):
        raise CheckInError(_("This registration is for another session."))
    if registration.status != RegistrationStatus.CONFIRMED:
        raise CheckInError(_("Only confirmed registrations can be checked in."))
    attendance, created = Attendance.objects.get_or_create(
        session=session,
        registration=registration,
        defaults={"method": method, "head_count": head_count or registration.head_count},
    )
    if created:
        kind, actor_id = _actor(actor) if actor is not None else _registrant_actor(registration)
        _audit(
            "event.checked_in",
            obj=attendance,
            library=session.event.library,
            actor_kind=kind,
            actor_id=actor_id,
            detail={"method": method},
        )
    return attendance


def check_in(
    *,
    actor: User | None,
    session: Session,
    registration: Registration,
    head_count: int | None = None,
) -> Attendance:
    """The trainer ticks someone off the list (idempotent)."""
    if head_count is not None and (head_count < 1 or head_count > registration.head_count):
        raise CheckInError(_("The number present must be between 1 and the number booked."))
    with transaction.atomic():
        session = _lock_session(session)
        registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
        return _check_in(
            session=session,
            registration=registration,
            method=CheckInMethod.LIST,
            actor=actor,
            head_count=head_count,
        )


def check_in_by_card(*, actor: User | None, session: Session, card_number: str) -> Attendance:
    """The trainer scans a reader card: the reader's registration is checked in."""

    card = get_card(barcode=card_number)
    if card is None:
        raise CheckInError(_("Unknown card."))
    with transaction.atomic():
        session = _lock_session(session)
        registration = _confirmed_registration(session, reader_id=card.reader_id)
        if registration is None:
            raise CheckInError(_("This reader is not registered; add them as a walk-in."))
        return _check_in(
            session=session, registration=registration, method=CheckInMethod.CARD, actor=actor
        )


def self_check_in(
    *, session: Session, code: str, email: str, now: datetime | None = None
) -> Attendance:
    """An attendee types the code shown in the room and their e-mail address."""
    now = _now(now)
    if str(code or "").strip() != session.check_in_code:
        raise CheckInError(_("The check-in code is not right."))
    if not (
        session.starts_at - SELF_CHECK_IN_WINDOW <= now <= session.ends_at + SELF_CHECK_IN_WINDOW
    ):
        raise CheckInError(_("Self check-in is open only around the session's time."))
    with transaction.atomic():
        session = _lock_session(session)
        registration = _confirmed_registration(
            session, email_key=_normalise_email(str(email or ""))
        )
        if registration is None:
            raise CheckInError(_("No confirmed registration with this e-mail address."))
        return _check_in(
            session=session, registration=registration, method=CheckInMethod.SELF, actor=None
        )


def add_walk_in(
    *, actor: User | None, session: Session, name: str, email: str = "", head_count: int = 1
) -> Attendance:
    """Someone came without registering: a registration and an attendance at once."""
    name = _one_line(name)
    if not name:
        raise InvalidRegistrantError(_("Enter the name."), field="name")
    email = _checked_email(email)
    if head_count < 1 or head_count > 500:
        raise InvalidRegistrantError(
            _("The number of people must be at least 1."), field="head_count"
        )
    with transaction.atomic():
        session = _lock_session(session)
        event = session.event
        if (
            email
            and selectors.unit_registrations(event=event, session=session)
            .filter(email_key=_normalise_email(email), status__in=ACTIVE_STATUSES)
            .exists()
        ):
            raise DuplicateRegistrationError(_("This person is already registered."))
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    event=event,
                    session=None if event.is_course else session,
                    kind=RegistrationKind.WALK_IN,
                    name=name[:200],
                    email=email,
                    email_key=_normalise_email(email),
                    head_count=head_count,
                    language=event.language,
                    status=RegistrationStatus.CONFIRMED,
                )
        except IntegrityError:
            # a course's walk-ins lock one session each; the constraint catches the same person
            # added at two sessions at once
            raise DuplicateRegistrationError(_("This person is already registered.")) from None
        return _check_in(
            session=session, registration=registration, method=CheckInMethod.WALK_IN, actor=actor
        )


@dataclass(frozen=True)
class SessionOutcome:
    attendees: int
    no_shows: int
    hours: float


def complete_session(
    *, actor: User | None, session: Session, now: datetime | None = None
) -> SessionOutcome:
    """Close the attendance list: the session was held. Writes the statistics facts (sessions
    held, hours, attendees by audience and channel) and counts the no-shows."""
    now = _now(now)
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("event", "event__library", "room")
            .get(pk=session.pk)
        )
        event = session.event
        if session.status != SessionStatus.SCHEDULED:
            raise InvalidEventError(_("This session is already closed or cancelled."))
        if session.starts_at > now:
            raise InvalidEventError(_("A session can be closed only once it has started."))
        session.status = SessionStatus.HELD
        session.save(update_fields=["status"])
        attendances = list(Attendance.objects.filter(session=session))
        attendees = sum(a.head_count for a in attendances)
        present = {a.registration_id for a in attendances}
        no_shows = (
            selectors.unit_registrations(event=event, session=session)
            .filter(status=RegistrationStatus.CONFIRMED)
            .exclude(pk__in=present)
            .count()
        )
        channel = (
            Channel.VIRTUAL if session.is_online and session.room is None else Channel.IN_PERSON
        )
        # Statistics count user training apart (ISO 2789): a training's facts carry the
        # category "training", other events their audience (stats.definitions.TRAINING).
        category = EventKind.TRAINING.value if event.kind == EventKind.TRAINING else event.audience
        facts = (
            ("event_session_held", 1, session.hours),
            ("event_attendance", attendees, session.hours),
            ("event_no_show", no_shows, None),
        )
        for fact_kind, quantity, value in facts:
            if quantity:
                record_service_event(
                    kind=fact_kind,
                    library=event.library,
                    place=session.room.code if session.room else "",
                    channel=channel,
                    category=category,
                    quantity=quantity,
                    value=value,
                    at=session.starts_at,
                )
        kind, actor_id = _actor(actor)
        _audit(
            "event.session_held",
            obj=session,
            library=event.library,
            actor_kind=kind,
            actor_id=actor_id,
            detail={"attendees": attendees, "no_shows": no_shows},
        )
    return SessionOutcome(attendees=attendees, no_shows=no_shows, hours=session.hours)


# --- Feedback ------------------------------------------------------------------------------------


def send_feedback_invitations(*, now: datetime | None = None, base_url: str = "") -> int:
    """After an event's last held session, invite those who attended to the questionnaire."""
    now = _now(now)
    sent = 0
    candidates = (
        Registration.objects.filter(
            feedback_invited_at__isnull=True,
            attendances__isnull=False,
            status=RegistrationStatus.CONFIRMED,
        )
        .exclude(email="")
        .select_related("event", "event__library")
        .distinct()
    )
    for registration in candidates[:500]:
        event = registration.event
        if event.sessions.filter(status=SessionStatus.SCHEDULED).exists():
            continue  # the course is not over yet
        last_end = max(
            (s.ends_at for s in event.sessions.filter(status=SessionStatus.HELD)), default=None
        )
        delay = selectors.get_policy(event.library).feedback_delay_hours
        if last_end is None or last_end + timedelta(hours=delay) > now:
            continue
        with transaction.atomic():
            locked = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
            if locked.feedback_invited_at is not None:
                continue
            locked.feedback_invited_at = now
            locked.save(update_fields=["feedback_invited_at"])
            _mail(locked, "feedback", base_url=base_url)
            sent += 1
    return sent


def submit_feedback(
    *, registration: Registration, useful: int, clear: int, recommend: int, comment: str = ""
) -> Feedback:
    """One answer per registration, from someone who attended."""
    for value in (useful, clear, recommend):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise FeedbackError(_("Answer each question on the scale from 1 to 5."))
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event__library")
            .get(pk=registration.pk)
        )
        if not Attendance.objects.filter(registration=registration).exists():
            raise FeedbackError(_("Feedback is asked of those who attended."))
        if Feedback.objects.filter(registration=registration).exists():
            raise FeedbackError(_("You have already answered. Thank you!"))
        feedback = Feedback.objects.create(
            event=registration.event,
            registration=registration,
            useful=useful,
            clear=clear,
            recommend=recommend,
            comment=str(comment or "").strip()[:2000],
        )
        kind, actor_id = _registrant_actor(registration)
        _audit(
            "event.feedback",
            obj=feedback,
            library=registration.event.library,
            actor_kind=kind,
            actor_id=actor_id,
        )
    return feedback


# --- Guests' data -----------------------------------------------------------------------


def delete_guest_data(*, now: datetime | None = None) -> int:
    """Remove guests' names and e-mail addresses the configured time after an event's last
    session; also scrub registrations of readers whose record has been anonymised. Attendance
    counts, feedback scores and statistics facts stay (they name nobody)."""
    now = _now(now)
    scrubbed = 0
    events = Event.objects.filter(guest_data_deleted_at__isnull=True).select_related("library")
    for event in events.iterator():
        last = event.sessions.order_by("-ends_at").first()
        if last is None:
            continue
        if (
            event.status == EventStatus.PUBLISHED
            and event.sessions.filter(status=SessionStatus.SCHEDULED).exists()
            and last.ends_at > now
        ):
            continue
        days = selectors.get_policy(event.library).guest_retention_days
        if last.ends_at + timedelta(days=days) > now:
            continue
        with transaction.atomic():
            count = _scrub(Registration.objects.filter(event=event, reader_id__isnull=True), now)
            Event.objects.filter(pk=event.pk).update(guest_data_deleted_at=now)
            if count:
                _audit(
                    "event.guest_data_deleted",
                    obj=event,
                    library=event.library,
                    actor_kind=ActorKind.SYSTEM,
                    detail={"registrations": count},
                )
            scrubbed += count
    anonymised = Reader.objects.filter(status="anonymised").values("pk")
    with transaction.atomic():
        scrubbed += _scrub(
            Registration.objects.filter(
                reader_id__in=anonymised, personal_data_deleted_at__isnull=True
            ),
            now,
        )
    return scrubbed


def _scrub(queryset: Any, now: datetime) -> int:
    return int(
        queryset.filter(personal_data_deleted_at__isnull=True).update(
            name="",
            email="",
            email_key="",
            organisation="",
            accessibility_needs="",
            reader_id=None,
            personal_data_deleted_at=now,
        )
    )


# --- E-mail ------------------------------------------------------------------------------------


def _when(session: Session | None, event: Event) -> str:
    zone = library_zone(event.library)
    sessions = (
        [session]
        if session is not None
        else list(event.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at"))
    )
    return "; ".join(
        f"{s.starts_at.astimezone(zone):%Y-%m-%d %H:%M}–{s.ends_at.astimezone(zone):%H:%M}"
        + (f", {s.room.name}" if s.room else "")
        for s in sessions
    )


def _mail(
    registration: Registration,
    what: str,
    *,
    base_url: str = "",
    session: Session | None = None,
    reason: str = "",
) -> None:
    if not registration.email:
        return
    event = registration.event
    links = registration_links(registration, base_url)
    with translation.override(registration.language):
        when = _when(session or registration.session, event)
        title = event.title
        subjects = {
            "confirmed": gettext("Registration confirmed: %(title)s"),
            "waiting": gettext("On the waiting list: %(title)s"),
            "offered": gettext("A seat is free for you: %(title)s"),
            "cancelled": gettext("Registration cancelled: %(title)s"),
            "expired": gettext("The seat offer has expired: %(title)s"),
            "session_cancelled": gettext("Session cancelled: %(title)s"),
            "reminder": gettext("Reminder: %(title)s"),
            "feedback": gettext("How was it? %(title)s"),
        }
        lines = [gettext("Hello, %(name)s,") % {"name": registration.name}, ""]
        if what == "confirmed":
            lines.append(gettext("your registration is confirmed."))
        elif what == "waiting":
            lines.append(
                gettext(
                    "the event is full, so you are on the waiting list. If a seat "
                    "frees up, we will offer it to you by e-mail."
                )
            )
        elif what == "offered":
            expires = registration.offer_expires_at
            lines.append(
                gettext(
                    "a seat has freed up for you. Accept it by %(time)s, otherwise it "
                    "goes to the next person waiting."
                )
                % {
                    "time": timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")
                    if expires
                    else ""
                }
            )
        elif what == "cancelled":
            lines.append(gettext("your registration has been cancelled."))
        elif what == "expired":
            lines.append(
                gettext(
                    "the seat offered to you was not taken in time and has gone to "
                    "the next person waiting."
                )
            )
        elif what == "session_cancelled":
            lines.append(gettext("we are sorry: this session has been cancelled."))
            if reason:
                lines.append(reason)
        elif what == "reminder":
            lines.append(gettext("a reminder of the session you registered for."))
        elif what == "feedback":
            lines.append(
                gettext("thank you for coming. Please tell us how it was (three questions):")
            )
            lines.append(links["feedback"])
            lines.append(
                gettext("Your certificate of attendance: %(url)s") % {"url": links["certificate"]}
            )
        lines += ["", f"{title}", when]
        if event.online_link and what in {"confirmed", "reminder"}:
            lines.append(gettext("Online link: %(url)s") % {"url": event.online_link})
        if what in {"confirmed", "waiting", "offered", "reminder"}:
            lines += [
                "",
                gettext("Your registration (accept an offer, cancel): %(url)s")
                % {"url": links["manage"]},
            ]
        if what in {"confirmed", "reminder"}:
            lines.append(gettext("Add to your calendar: %(url)s") % {"url": links["ics"]})
        lines += ["", str(event.library)]
        queue_email(
            to=registration.email,
            subject=subjects[what] % {"title": title},
            body_text="\n".join(lines),
            topic=f"events.{what}",
            language=registration.language,
            object_type="events.registration",
            object_id=registration.pk,
        )
