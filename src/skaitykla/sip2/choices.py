"""Enumerations of the sip2 app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KioskEncoding(models.TextChoices):
    UTF8 = "utf-8", "UTF-8"
    CP850 = "cp850", "CP850"


class KioskLanguage(models.TextChoices):
    LITHUANIAN = "lt", "lietuvių"
    ENGLISH = "en", "English"


class NoBlockKind(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    CHECKIN = "checkin", _("Check-in")


class NoBlockOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    EXCEPTION = "exception", _("Needs staff attention")
