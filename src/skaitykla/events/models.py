"""Trainings and thematic sessions: rooms, events, sessions, registrations, attendance, feedback.

A registration refers to a reader by a foreign key (``Registration.reader``); the patrons app's
export and erasure cover it through the rule in ``patrons.data_rights`` (ADR 41).
"""

from __future__ import annotations

import secrets
import string
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.core.models import Library, ReadingRoom
from skaitykla.events.choices import (
    Audience,
    CalendarWarning,
    CheckInMethod,
    EventKind,
    EventStatus,
    RegistrationKind,
    RegistrationMode,
    RegistrationStatus,
    SessionStatus,
)

_ACTIVE = [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.OFFERED]


def new_check_in_code() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(6))


class EventPolicy(models.Model):
    """A library's event rules, editable by staff; defaults apply when a library has none."""

    library = models.OneToOneField(
        Library, verbose_name=_("library"), on_delete=models.CASCADE, related_name="+"
    )
    offer_valid_hours = models.PositiveSmallIntegerField(
        _("a freed seat is offered for (hours)"), default=24
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        _("reminder before a session (hours)"), default=24
    )
    feedback_delay_hours = models.PositiveSmallIntegerField(
        _("feedback invitation after a session (hours)"), default=2
    )
    guest_retention_days = models.PositiveSmallIntegerField(
        _("guests' data kept after the event (days)"), default=30
    )

    class Meta:
        verbose_name = _("event policy")
        verbose_name_plural = _("event policies")

    def __str__(self) -> str:
        return str(self.library)


class Room(models.Model):
    """A room where sessions are held: a training room, or a reading room used for a session."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="event_rooms"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    seats = models.PositiveIntegerField(_("seats"))
    reading_room = models.OneToOneField(
        ReadingRoom,
        verbose_name=_("reading room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="event_room",
    )
    step_free_access = models.BooleanField(_("step-free access"), default=True)
    is_active = models.BooleanField(pgettext_lazy("training room", "active"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering: ClassVar = ["library", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["library", "code"], name="event_room_code_unique"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="event_room_seats_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """A training or thematic session: one or many sessions, with one capacity."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=EventKind.choices, default=EventKind.TRAINING
    )
    title = models.CharField(pgettext_lazy("event", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="lt"
    )
    trainers = models.CharField(_("trainers"), max_length=300, blank=True)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    sign_language_on_request = models.BooleanField(
        _("sign-language interpreting on request"), default=False
    )
    online_link = models.URLField(_("online link"), blank=True)
    registration_mode = models.CharField(
        _("registration"),
        max_length=20,
        choices=RegistrationMode.choices,
        default=RegistrationMode.PER_SESSION,
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    guest_data_deleted_at = models.DateTimeField(_("guests' data deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering: ClassVar = ["-created_at"]
        permissions: ClassVar = [
            ("manage_registrations", _("Can manage registrations and waiting lists")),
            ("check_in", _("Can check attendees in")),
            ("message_registrants", _("Can message registrants")),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__lt=F("registration_closes_at")),
                name="event_registration_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_course(self) -> bool:
        return self.registration_mode == RegistrationMode.COURSE


class Session(models.Model):
    """One meeting of an event, at a time, in a room or online (or both)."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    is_online = models.BooleanField(_("online"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    check_in_code = models.CharField(
        _("self check-in code"), max_length=6, default=new_check_in_code
    )
    calendar_warning = models.CharField(
        _("calendar warning"), max_length=20, choices=CalendarWarning.choices, blank=True
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering: ClassVar = ["starts_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="event_session_start_before_end"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["room", "starts_at"], name="session_room_idx")]

    def __str__(self) -> str:
        return f"{self.event} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 3)


class Registration(models.Model):
    """A person's (or a group's) claim on seats: for the whole course or for one session."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    reader = models.ForeignKey(
        "patrons.Reader",
        verbose_name=_("reader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=RegistrationKind.choices,
        default=RegistrationKind.INDIVIDUAL,
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    organisation = models.CharField(_("school or library"), max_length=200, blank=True)
    head_count = models.PositiveSmallIntegerField(_("number of people"), default=1)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, default="lt")
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(
        pgettext_lazy("registration", "registered"), auto_now_add=True
    )
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    feedback_invited_at = models.DateTimeField(_("feedback invitation sent"), null=True, blank=True)
    personal_data_deleted_at = models.DateTimeField(
        _("personal data deleted"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(head_count__gte=1), name="registration_head_count"),
            models.UniqueConstraint(
                fields=["event", "email_key"],
                condition=Q(session__isnull=True, status__in=_ACTIVE) & ~Q(email_key=""),
                name="registration_once_per_course",
            ),
            models.UniqueConstraint(
                fields=["session", "email_key"],
                condition=Q(session__isnull=False, status__in=_ACTIVE) & ~Q(email_key=""),
                name="registration_once_per_session",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["event", "status"], name="registration_event_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class Attendance(models.Model):
    """Someone was there: one row per registration and session."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    method = models.CharField(_("how"), max_length=10, choices=CheckInMethod.choices)
    head_count = models.PositiveSmallIntegerField(_("number of people"), default=1)
    checked_in_at = models.DateTimeField(_("checked in"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["session", "registration"], name="attendance_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.registration_id}"


LIKERT_QUESTIONS = (
    ("useful", _("The session was useful to me.")),
    ("clear", _("The trainer explained clearly.")),
    ("recommend", _("I would recommend it to others.")),
)


class Feedback(models.Model):
    """One answer to the questionnaire after an event (a Likert scale of 1–5 and a comment)."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="feedback"
    )
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    useful = models.PositiveSmallIntegerField(_("useful"))
    clear = models.PositiveSmallIntegerField(_("clear"))
    recommend = models.PositiveSmallIntegerField(_("would recommend"))
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(useful__gte=1, useful__lte=5)
                & Q(clear__gte=1, clear__lte=5)
                & Q(recommend__gte=1, recommend__lte=5),
                name="feedback_likert_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.submitted_at:%Y-%m-%d}"
