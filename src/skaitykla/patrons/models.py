"""Readers, categories, cards, consents, blocks, room permissions and visits.

Readers are not staff users (``accounts.User``): they sign in to the portal with a card number
and a PIN checked against ``Reader.pin_hash`` (argon2), in a session of their own.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.patrons.choices import (
    CardState,
    ConsentKind,
    DocumentType,
    Language,
    LoanHistoryChoice,
    ReaderStatus,
    RegistrationChannel,
    VisitOutcome,
)


class ReaderPolicy(models.Model):
    """The network's registration and retention rules: one row, editable by staff."""

    guardian_required_under_age = models.PositiveSmallIntegerField(
        _("guardian required under this age"), default=16
    )
    preregistration_valid_days = models.PositiveSmallIntegerField(
        _("days an unverified pre-registration is kept"), default=14
    )
    retention_years_after_expiry = models.PositiveSmallIntegerField(
        _("years a reader is kept after the card expired"), default=5
    )
    retention_max_share = models.DecimalField(
        _("largest share of readers one retention run may anonymise"),
        max_digits=4,
        decimal_places=3,
        default=0.05,
    )
    privacy_policy_version = models.CharField(
        _("current privacy policy version"), max_length=20, default="2026-1"
    )
    loan_history_days = models.PositiveSmallIntegerField(
        _("days before loan history is anonymised (default choice)"), default=30
    )
    login_failure_limit = models.PositiveSmallIntegerField(
        _("failed reader logins before a lockout"), default=5
    )
    login_cooloff_minutes = models.PositiveSmallIntegerField(
        _("reader login lockout (minutes)"), default=15
    )

    class Meta:
        verbose_name = _("reader policy")
        verbose_name_plural = _("reader policy")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(pk=1), name="reader_policy_single_row"),
            models.CheckConstraint(
                condition=Q(retention_max_share__gt=0) & Q(retention_max_share__lte=1),
                name="reader_policy_share_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Reader policy"))


class ReaderCategory(models.Model):
    """A reader category with its defaults (loan limit, card validity)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    loan_limit = models.PositiveSmallIntegerField(_("loan limit"), default=10)
    card_validity_years = models.PositiveSmallIntegerField(
        _("card validity (years)"),
        null=True,
        blank=True,
        help_text=_("Empty: the card is valid indefinitely."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    is_default = models.BooleanField(_("default for online registration"), default=False)
    is_active = models.BooleanField(pgettext_lazy("reader category", "active"), default=True)

    class Meta:
        verbose_name = _("reader category")
        verbose_name_plural = _("reader categories")
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="reader_category_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Reader(models.Model):
    """A library user with a record and (once verified) a card."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    personal_code = models.CharField(
        _("personal code"),
        max_length=20,
        blank=True,
        help_text=_("Stored only when the library needs it."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.LITHUANIAN
    )
    category = models.ForeignKey(
        ReaderCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="readers",
    )
    home_library = models.ForeignKey(
        "core.Library",
        verbose_name=_("home library"),
        on_delete=models.PROTECT,
        related_name="readers",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReaderStatus.choices, default=ReaderStatus.PENDING
    )
    registration_channel = models.CharField(
        _("registration channel"),
        max_length=10,
        choices=RegistrationChannel.choices,
        default=RegistrationChannel.DESK,
    )
    guardian = models.ForeignKey(
        "self",
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wards",
    )
    guardian_consent_at = models.DateTimeField(_("guardian consent given"), null=True, blank=True)
    loan_history = models.CharField(
        _("loan history"),
        max_length=12,
        choices=LoanHistoryChoice.choices,
        default=LoanHistoryChoice.ANONYMISE_AFTER,
    )
    loan_history_days = models.PositiveSmallIntegerField(
        _("anonymise loan history after (days)"), default=30
    )
    pin_hash = models.CharField(_("PIN hash"), max_length=200, blank=True)
    protected = models.BooleanField(
        _("protected from retention"),
        default=False,
        help_text=_("Never anonymised by the retention job (e.g. legal hold)."),
    )
    erasure_requested_at = models.DateTimeField(_("erasure requested"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Folded keys for fast accent-insensitive prefix search (see ``normalisation``).
    name_key = models.CharField(max_length=201, db_index=True, editable=False, default="")
    name_key_alt = models.CharField(max_length=201, db_index=True, editable=False, default="")
    email_key = models.CharField(max_length=254, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("reader")
        verbose_name_plural = _("readers")
        ordering: ClassVar = ["name_key", "id"]
        permissions: ClassVar = [
            ("verify_reader", _("Can verify a reader's identity")),
            ("block_reader", _("Can block and unblock readers")),
            ("erase_reader", _("Can erase or anonymise a reader")),
            ("scan_room_entry", _("Can scan readers into reading rooms")),
        ]
        indexes: ClassVar = [
            models.Index(fields=["status", "created_at"], name="reader_status_created_idx"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(guardian=models.F("id")), name="reader_not_own_guardian"
            ),
        ]

    def __str__(self) -> str:
        if self.status == ReaderStatus.ANONYMISED:
            return str(_("Anonymised reader #%(id)s") % {"id": self.pk})
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int | None:
        return age_on(self.birth_date, day)


def age_on(birth_date: date | None, day: date) -> int | None:
    """Full years from ``birth_date`` to ``day`` (None when the birth date is unknown)."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class IdentityVerification(models.Model):
    """Who saw which kind of identity document, when. Never the document's number."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="verifications"
    )
    document_type = models.CharField(
        _("document type"), max_length=20, choices=DocumentType.choices
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)
    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")
        ordering: ClassVar = ["-verified_at"]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.verified_at:%Y-%m-%d}"


class Card(models.Model):
    """A reader card. ``barcode`` holds the normalised form and is unique across the network."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="cards"
    )
    barcode = models.CharField(_("card number"), max_length=40, unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CardState.choices, default=CardState.ACTIVE
    )
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    library = models.ForeignKey(
        "core.Library", verbose_name=_("issued at"), on_delete=models.PROTECT, related_name="+"
    )
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering: ClassVar = ["-issued_on", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["reader"],
                condition=Q(state=CardState.ACTIVE),
                name="card_one_active_per_reader",
            ),
            models.CheckConstraint(condition=~Q(barcode=""), name="card_barcode_not_empty"),
        ]

    def __str__(self) -> str:
        return self.barcode


class Consent(models.Model):
    """A consent or privacy choice as given, and its withdrawal. Rows are never rewritten except
    to record the withdrawal."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    value = models.CharField(
        _("value"), max_length=40, blank=True, help_text=_("A policy version or a choice.")
    )
    given_at = models.DateTimeField(_("given"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering: ClassVar = ["-given_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["reader", "kind"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_current_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Block(models.Model):
    """A manual block: reason, period and which actions it blocks."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="blocks"
    )
    reason = models.CharField(_("reason"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    blocks_loans = models.BooleanField(_("blocks loans"), default=True)
    blocks_holds = models.BooleanField(_("blocks holds"), default=True)
    blocks_renewals = models.BooleanField(_("blocks renewals"), default=True)
    blocks_room_entry = models.BooleanField(_("blocks reading-room entry"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering: ClassVar = ["-starts_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="block_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(blocks_loans=True)
                | Q(blocks_holds=True)
                | Q(blocks_renewals=True)
                | Q(blocks_room_entry=True),
                name="block_blocks_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on or '…'}"

    def is_active_on(self, day: date) -> bool:
        return (
            self.lifted_at is None
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )


class RoomPermission(models.Model):
    """Whether a reader may enter a room that needs a permission."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="room_permissions"
    )
    room = models.ForeignKey(
        "core.ReadingRoom",
        verbose_name=_("reading room"),
        on_delete=models.CASCADE,
        related_name="reader_permissions",
    )
    allowed = models.BooleanField(_("allowed"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), auto_now=True)

    class Meta:
        verbose_name = _("room permission")
        verbose_name_plural = _("room permissions")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["reader", "room"], name="room_permission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.allowed}"


class Visit(models.Model):
    """An entry scan at a reading-room desk: allowed or denied, by whom; ``left_at`` on exit."""

    reader = models.ForeignKey(
        Reader, verbose_name=_("reader"), on_delete=models.CASCADE, related_name="visits"
    )
    room = models.ForeignKey(
        "core.ReadingRoom",
        verbose_name=_("reading room"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=VisitOutcome.choices)
    denial_code = models.CharField(_("reason code"), max_length=40, blank=True)
    at = models.DateTimeField(_("entered"))
    day = models.DateField(_("day (library time)"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["room", "day", "outcome"], name="visit_room_day_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["reader", "room"],
                condition=Q(outcome=VisitOutcome.ALLOWED, left_at__isnull=True),
                name="visit_one_open_per_room",
            )
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class ReaderLoginFailure(models.Model):
    """A failed reader login, counted in the database so every process sees the same count.

    ``key`` is an HMAC of the normalised card number and ``client_key`` an HMAC of the client's
    address (never the number or the address itself).
    """

    key = models.CharField(max_length=64, db_index=True)
    client_key = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed reader login")
        verbose_name_plural = _("failed reader logins")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"
