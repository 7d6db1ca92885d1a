"""Staff users. Readers are not staff users: they live in the patrons app."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member of staff. Roles are groups (see ``skaitykla.accounts.roles``)."""

    home_library = models.ForeignKey(
        "core.Library",
        verbose_name=_("home library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("lt", "lietuvių"), ("en", "English")],
        default="lt",
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
