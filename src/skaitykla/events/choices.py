"""Enumerations of the events app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventKind(models.TextChoices):
    TRAINING = "training", _("Training")
    THEMATIC = "thematic", _("Thematic session")


class Audience(models.TextChoices):
    ADULTS = "adults", _("Adults")
    SENIORS = "seniors", _("Seniors")
    STUDENTS = "students", _("Students")
    SCHOOLS = "schools", _("Schools")
    LIBRARIANS = "librarians", _("Librarians of other libraries")


class RegistrationMode(models.TextChoices):
    COURSE = "course", _("One registration for all sessions (course)")
    PER_SESSION = "per_session", _("Registration for each session")


class EventStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("event status", "Draft")
    PUBLISHED = "published", pgettext_lazy("event status", "Published")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Offer expired")


#: Registrations that hold or claim a seat (and count as duplicates).
ACTIVE_STATUSES = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITING,
    RegistrationStatus.OFFERED,
)
#: Registrations that hold a seat.
SEAT_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


class RegistrationKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group booking")
    WALK_IN = "walk_in", _("Walk-in")


class CheckInMethod(models.TextChoices):
    LIST = "list", _("From the list")
    CARD = "card", _("Reader card")
    SELF = "self", _("Self check-in code")
    WALK_IN = "walk_in", _("Walk-in")


class CalendarWarning(models.TextChoices):
    NONE = "", _("None")
    CLOSED_DAY = "closed_day", _("The library is closed on this day.")
    OUTSIDE_HOURS = "outside_hours", _("The session is outside the library's opening hours.")
