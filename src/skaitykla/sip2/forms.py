"""The kiosk account form: the password is typed, never shown, and stored hashed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skaitykla.sip2.models import KioskAccount


class KioskAccountForm(forms.ModelForm):
    new_password = forms.CharField(
        label=_("new password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = KioskAccount
        fields = (
            "username",
            "library",
            "service_point",
            "location_code",
            "allow_checkout",
            "allow_checkin",
            "allow_renew",
            "allow_patron_information",
            "allow_fee_paid",
            "allow_block_patron",
            "encoding",
            "error_detection_required",
            "language",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and not data.get("new_password"):
            self.add_error("new_password", _("A new kiosk account needs a password."))
        return data

    def save(self, commit: bool = True) -> KioskAccount:
        kiosk = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            kiosk.set_password(self.cleaned_data["new_password"])
        if commit:
            kiosk.save()
        return kiosk
