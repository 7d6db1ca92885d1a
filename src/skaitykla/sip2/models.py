"""Kiosk accounts (how a self-check unit logs in) and the kiosk-side records of circulation.

A kiosk account is not a staff user: it logs in with SIP2 ``93`` (``CN``/``CO``), its password
hashed with Django's hashers; staff manage accounts in the admin with ``sip2.manage_kiosks``.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.sip2.choices import KioskEncoding, KioskLanguage, NoBlockKind, NoBlockOutcome


class KioskAccount(models.Model):
    """One self-check unit (or a group of identical ones) allowed to speak SIP2 to us."""

    username = models.CharField(_("login user id"), max_length=60, unique=True)
    password = models.CharField(_("password (hashed)"), max_length=200)
    library = models.ForeignKey(
        "core.Library",
        verbose_name=_("library"),
        on_delete=models.PROTECT,
        related_name="kiosk_accounts",
    )
    service_point = models.ForeignKey(
        "core.ServicePoint",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kiosk_accounts",
    )
    location_code = models.CharField(
        _("location code"),
        max_length=60,
        blank=True,
        help_text=_("Sent as the institution and permanent location (AO, AQ) in replies."),
    )
    allow_checkout = models.BooleanField(_("may check out"), default=True)
    allow_checkin = models.BooleanField(_("may check in"), default=True)
    allow_renew = models.BooleanField(_("may renew"), default=True)
    allow_patron_information = models.BooleanField(_("may show patron information"), default=True)
    allow_fee_paid = models.BooleanField(_("may take fee payments"), default=False)
    allow_block_patron = models.BooleanField(_("may block a patron's card"), default=True)
    encoding = models.CharField(
        _("character encoding"),
        max_length=10,
        choices=KioskEncoding.choices,
        default=KioskEncoding.UTF8,
    )
    error_detection_required = models.BooleanField(
        _("error detection required"),
        default=False,
        help_text=_("Refuse messages without a sequence number and checksum (AY/AZ)."),
    )
    language = models.CharField(
        _("screen message language"),
        max_length=2,
        choices=KioskLanguage.choices,
        default=KioskLanguage.LITHUANIAN,
    )
    is_active = models.BooleanField(pgettext_lazy("kiosk account", "active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("kiosk account")
        verbose_name_plural = _("kiosk accounts")
        ordering: ClassVar = ["username"]
        permissions: ClassVar = [("manage_kiosks", _("Can manage self-check kiosk accounts"))]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return bool(self.password) and check_password(raw_password, self.password)

    def allows(self, action: str) -> bool:
        return bool(getattr(self, f"allow_{action}", False))

    @property
    def institution(self) -> str:
        return self.location_code or self.library.code


class KioskCheckout(models.Model):
    """A checkout a kiosk made: lets a resent checkout get the same answer (no second loan)."""

    kiosk = models.ForeignKey(
        KioskAccount, verbose_name=_("kiosk"), on_delete=models.CASCADE, related_name="checkouts"
    )
    loan_id = models.BigIntegerField(_("loan"), db_index=True)
    item_barcode = models.CharField(_("item barcode"), max_length=64)
    reader_id = models.BigIntegerField(_("reader"))
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("kiosk checkout")
        verbose_name_plural = _("kiosk checkouts")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["kiosk", "item_barcode", "at"], name="sip2_checkout_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.item_barcode} {self.at:%Y-%m-%d %H:%M}"


class NoBlockTransaction(models.Model):
    """A checkout or check-in the kiosk already did offline (``no block = Y``).

    The kiosk is always told yes; this row records what the circulation services made of it so
    that staff can reconcile the exceptions.
    """

    kiosk = models.ForeignKey(
        KioskAccount,
        verbose_name=_("kiosk"),
        on_delete=models.PROTECT,
        related_name="no_block_transactions",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NoBlockKind.choices)
    item_barcode = models.CharField(_("item barcode"), max_length=64)
    card_barcode = models.CharField(_("card number"), max_length=64, blank=True)
    transacted_at = models.DateTimeField(_("done at the kiosk"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=NoBlockOutcome.choices)
    error_code = models.CharField(_("refusal code"), max_length=60, blank=True)
    error_message = models.CharField(_("refusal"), max_length=300, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("offline kiosk transaction")
        verbose_name_plural = _("offline kiosk transactions")
        ordering: ClassVar = ["-received_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["outcome", "resolved_at"], name="sip2_noblock_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_barcode}"
