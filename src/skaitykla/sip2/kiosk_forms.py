"""Forms of the staff kiosk pages. They validate; ``services.save_kiosk_account`` saves (and
hashes the password). A typed password is never rendered back into a page."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from skaitykla.core.models import ServicePoint
from skaitykla.sip2.models import KioskAccount
from skaitykla.sip2.services import KIOSK_FIELDS

MIN_PASSWORD_LENGTH = 10
#: Names of the posted password fields (kept out of error reports).
PASSWORD_FIELDS = ("new_password", "confirm_password")


def generate_kiosk_password() -> str:
    """A random password for a kiosk (typed once into the machine's configuration)."""
    return secrets.token_urlsafe(15)


class _PasswordFields(forms.Form):
    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        min_length=MIN_PASSWORD_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave both empty to have a random password made and shown to you once."),
    )
    confirm_password = forms.CharField(
        label=_("The new password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first = data.get("new_password") or ""
        second = data.get("confirm_password") or ""
        if "new_password" not in self.errors and first != second:
            self.add_error("confirm_password", _("The two passwords differ."))
        return data

    def chosen_password(self) -> tuple[str, bool]:
        """(the password to store, whether it was generated and must be shown once)."""
        typed = self.cleaned_data.get("new_password") or ""
        return (typed, False) if typed else (generate_kiosk_password(), True)


class KioskPasswordForm(_PasswordFields):
    """A new password for an existing kiosk account."""


class _ServicePointField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.library.name}: {obj.name}"


class KioskAccountForm(forms.ModelForm):
    """The settings of a kiosk account; on a new account also its password."""

    #: Fieldsets of the page: (legend, field names).
    groups: ClassVar = (
        (
            _("Account"),
            ("username", "library", "service_point", "location_code", "is_active"),
        ),
        (
            _("Allowed actions"),
            (
                "allow_checkout",
                "allow_checkin",
                "allow_renew",
                "allow_patron_information",
                "allow_fee_paid",
                "allow_block_patron",
            ),
        ),
        (
            _("Protocol"),
            ("encoding", "error_detection_required", "language"),
        ),
    )

    class Meta:
        model = KioskAccount
        fields = ("username", "library", *sorted(KIOSK_FIELDS))
        field_classes: ClassVar = {"service_point": _ServicePointField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        point = self.fields["service_point"]
        assert isinstance(point, forms.ModelChoiceField)
        point.queryset = ServicePoint.objects.select_related("library").order_by(
            "library__name", "name"
        )
        if self.instance.pk is not None:
            # The login name identifies the account at the kiosk and in the service.
            self.fields["username"].disabled = True
            self.password_form: _PasswordFields | None = None
        else:
            data = args[0] if args else kwargs.get("data")
            self.password_form = _PasswordFields(data=data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        library, point = data.get("library"), data.get("service_point")
        if library is not None and point is not None and point.library_id != library.pk:
            self.add_error("service_point", _("This service point belongs to another library."))
        return data

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.password_form is not None:
            password_valid = self.password_form.is_valid()
            return valid and password_valid
        return valid

    def settings(self) -> dict[str, Any]:
        """The kiosk fields the service takes (everything but the login name and library)."""
        return {name: self.cleaned_data[name] for name in KIOSK_FIELDS}

    def fieldsets(self) -> list[tuple[object, list[forms.BoundField]]]:
        sets: list[tuple[object, list[forms.BoundField]]] = [
            (legend, [self[name] for name in names]) for legend, names in self.groups
        ]
        if self.password_form is not None:
            form = self.password_form
            sets.insert(1, (_("Password"), [form[name] for name in PASSWORD_FIELDS]))
        return sets
