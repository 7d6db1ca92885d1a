"""The e-mail outbox: every message is a row first, sent after commit, retried on failure."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (will retry)")
    GAVE_UP = "gave_up", _("Failed permanently")


class OutgoingEmail(models.Model):
    """One e-mail to one address. ``topic`` and ``object_*`` say what it is about, for tracing."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="lt")
    topic = models.CharField(pgettext_lazy("notification", "topic"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("e-mail outbox")
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_retry_idx",
                condition=Q(status__in=["pending", "failed"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.to} ({self.status})"
