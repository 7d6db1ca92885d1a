"""Enumerations of the reference app (Ask a Librarian, knowledge base, desk log)."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuestionKind(models.TextChoices):
    QUESTION = "question", _("Ask a Librarian question")
    ACCESSIBLE = "accessible", _("Accessible communication request")
    CONSULTATION = "consultation", _("Consultation for a library")


class QuestionStatus(models.TextChoices):
    NEW = "new", _("New")
    CLAIMED = "claimed", _("Claimed")
    WAITING = "waiting", _("Waiting for the reader")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("question", "Closed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (QuestionStatus.NEW, QuestionStatus.CLAIMED, QuestionStatus.WAITING)


class RejectReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    DUPLICATE = "duplicate", _("Duplicate")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    NOTE = "note", _("Internal note")
    CLAIM = "claim", _("Claimed")
    ASSIGN = "assign", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    WAITING = "waiting", _("Asked the reader")
    REPLY = "reply", _("Reader replied")
    ANSWER = "answer", _("Answered")
    RATING = "rating", _("Rated")
    CLOSE = "close", pgettext_lazy("question", "Closed")
    REJECT = "reject", _("Rejected")


class QuestionType(models.TextChoices):
    DIRECTIONAL = "directional", _("Directional")
    CATALOGUE = "catalogue", _("Catalogue and search help")
    REFERENCE = "reference", _("Reference")
    TECHNICAL = "technical", _("Technical")
    REGISTRATION = "registration", _("Reader registration")
    OTHER = "other", _("Other")


class DurationBand(models.TextChoices):
    UNDER_5 = "0-5", _("Under 5 minutes")
    UNDER_15 = "5-15", _("5–15 minutes")
    UNDER_30 = "15-30", _("15–30 minutes")
    UNDER_60 = "30-60", _("30–60 minutes")
    OVER_60 = "60+", _("Over an hour")


class DeskChannel(models.TextChoices):
    """The channels of the desk log (codes are ``core.choices.Channel`` codes)."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SIGN_LANGUAGE = "sign_language", _("Video call in sign language")
    WEB = "web", _("Ask a Librarian")


#: The READ scale (Reference Effort Assessment Data, Gerlich): default wording, editable in the
#: ``ReadLevelWording`` table.
READ_LEVELS: dict[int, str | Promise] = {
    1: _("1 – answer with no specialised knowledge, under 5 minutes"),
    2: _("2 – answer needing basic library knowledge or a quick lookup"),
    3: _("3 – some searching in a few sources, 5–15 minutes"),
    4: _("4 – several sources, subject knowledge, longer than 15 minutes"),
    5: _("5 – substantial research and consultation"),
    6: _("6 – in-depth research over several sessions"),
}


class AccessibleFormat(models.TextChoices):
    INTERPRETER_VISIT = "interpreter_visit", _("Sign-language interpreter for a visit")
    INTERPRETER_VIDEO = "interpreter_video", _("Sign-language video consultation")
    BRAILLE = "braille", _("Braille")
    AUDIO = "audio", _("Audio")
    EASY_READ = "easy_read", _("Easy-to-read")
    LARGE_PRINT = "large_print", _("Large print")
    SCREEN_READER = "screen_reader", _("Screen-reader-friendly document")


INTERPRETER_FORMATS = (AccessibleFormat.INTERPRETER_VISIT, AccessibleFormat.INTERPRETER_VIDEO)


class ConsultationTopic(models.TextChoices):
    SERVICES = "services", _("User services")
    STATISTICS = "statistics", _("Statistics")
    ACCESSIBILITY = "accessibility", _("Accessibility")
    EVENTS = "events", _("Events and training")
    OTHER = "other", _("Other")


class AskerAge(models.TextChoices):
    UNKNOWN = "", _("Prefer not to say")
    CHILD = "0-13", _("0–13")
    TEEN = "14-17", _("14–17")
    YOUNG_ADULT = "18-29", _("18–29")
    ADULT = "30-64", _("30–64")
    SENIOR = "65+", _("65 and over")
