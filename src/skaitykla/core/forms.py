"""Forms of core's staff pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.core.choices import ActorKind


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    """The audit log's filters (all optional); dates are the library network's local dates."""

    action = forms.CharField(
        label=_("Action starts with"), max_length=80, required=False, strip=True
    )
    object_type = forms.CharField(label=_("Object type"), max_length=80, required=False)
    object_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
    actor_kind = forms.ChoiceField(
        label=_("Actor kind"),
        choices=[("", pgettext_lazy("actor kind", "Any")), *ActorKind.choices],
        required=False,
    )
    since = forms.DateField(
        label=_("From date"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    until = forms.DateField(
        label=_("To date"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since: date | None = cleaned.get("since")
        until: date | None = cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The cleaned filters as keyword arguments of ``selectors.list_audit_entries``."""
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}
