"""Enumerations of the patrons app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReaderStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    BLOCKED = "blocked", _("Blocked")
    ANONYMISED = "anonymised", _("Anonymised")


class RegistrationChannel(models.TextChoices):
    DESK = "desk", _("At the desk")
    ONLINE = "online", _("Online pre-registration")
    NETWORK = "network", _("Network card from another library")


class CardState(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOST = "lost", pgettext_lazy("card state", "Lost")
    REPLACED = "replaced", _("Replaced")


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    STUDENT_CARD = "student_card", _("Student or pupil card")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate (with a guardian)")
    OTHER = "other", _("Other document with a photo")


class LoanHistoryChoice(models.TextChoices):
    KEEP = "keep", _("Keep my loan history")
    ANONYMISE_AFTER = "after_days", _("Anonymise it after a number of days")
    ON_RETURN = "on_return", _("Anonymise each loan when I return it")


class ConsentKind(models.TextChoices):
    PRIVACY_POLICY = "privacy_policy", _("Privacy policy accepted")
    MARKETING_EMAIL = "marketing_email", _("News and events by e-mail")
    LOAN_HISTORY = "loan_history", _("Loan history choice")
    GUARDIAN = "guardian", _("Guardian's consent")


class VisitOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Denied")


class Language(models.TextChoices):
    LITHUANIAN = "lt", "lietuvių"
    ENGLISH = "en", "English"
