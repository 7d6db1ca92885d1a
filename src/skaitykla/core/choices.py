from django.db import models
from django.utils.translation import gettext_lazy as _


class ServicePointKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration desk")
    INFORMATION = "information", _("Information desk")
    LOAN = "loan", _("Loan desk")
    READING_ROOM = "reading_room", _("Reading-room desk")
    STACKS = "stacks", _("Closed stacks")
    KIOSK = "kiosk", _("Self-service kiosk")
    ONLINE = "online", _("Online service")


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", _("Closed all day")
    HOURS = "hours", _("Special opening hours")


class ActorKind(models.TextChoices):
    STAFF = "staff", _("Staff user")
    READER = "reader", _("Reader")
    KIOSK = "kiosk", _("Self-service kiosk")
    SYSTEM = "system", _("System")
    ANONYMOUS = "anonymous", _("Anonymous visitor")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SIGN_LANGUAGE = "sign_language", _("Sign-language video")
    WEB = "web", _("Web")
    KIOSK = "kiosk", _("Self-service kiosk")
    VIRTUAL = "virtual", _("Virtual (online session)")


class AgeBand(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    CHILD = "0-13", _("0–13")
    TEEN = "14-17", _("14–17")
    YOUNG_ADULT = "18-29", _("18–29")
    ADULT = "30-64", _("30–64")
    SENIOR = "65+", _("65 and over")
