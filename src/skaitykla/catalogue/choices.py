from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialType(models.TextChoices):
    BOOK = "book", _("Book")
    SERIAL = "serial", _("Periodical")
    ARTICLE = "article", _("Article")
    MAP = "map", _("Map")
    MUSIC = "music", _("Printed music")
    SOUND = "sound", _("Sound recording")
    VIDEO = "video", _("Video")
    MANUSCRIPT = "manuscript", _("Manuscript")
    ELECTRONIC = "electronic", _("Electronic resource")
    OTHER = "other", _("Other")


class RecordFormat(models.TextChoices):
    MARC21 = "marc21", "MARC21"
    UNIMARC = "unimarc", "UNIMARC"


class LoanType(models.TextChoices):
    HOME_LOAN = "home_loan", _("Home loan")
    READING_ROOM = "reading_room", _("Reading room only")
    CLOSED_STACK = "closed_stack", _("Closed stack (order to a reading room)")
    REFERENCE = "reference", _("Reference (not for loan)")


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_LOAN = "on_loan", _("On loan")
    ON_SHELF = "on_shelf", _("On the reading-room shelf")
    IN_TRANSIT = "in_transit", _("In transit")
    ON_HOLD_SHELF = "on_hold_shelf", _("On the hold shelf")
    ORDERED = "ordered", _("Ordered")
    MISSING = "missing", _("Missing")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LOST = "lost", _("Lost")
    CLAIMED_RETURNED = "claimed_returned", _("Claimed returned")


#: MARC language codes (008/35-37, UNIMARC 101) shown by name.
LANGUAGE_NAMES = {
    "lit": _("Lithuanian"),
    "eng": _("English"),
    "rus": _("Russian"),
    "pol": _("Polish"),
    "ger": _("German"),
    "fre": _("French"),
    "lat": _("Latin"),
    "ita": _("Italian"),
    "lav": _("Latvian"),
    "heb": _("Hebrew"),
    "yid": _("Yiddish"),
    "bel": _("Belarusian"),
    "ukr": _("Ukrainian"),
    "spa": _("Spanish"),
}

#: Statuses a reader can take off the shelf or order right now.
AVAILABLE_STATUSES = (ItemStatus.AVAILABLE, ItemStatus.ON_SHELF)


class KeyKind(models.TextChoices):
    CONTROL = "control", _("Control number (001 + 003)")
    SYSTEM = "system", _("System control number (035)")
    ISBN = "isbn", _("ISBN")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
