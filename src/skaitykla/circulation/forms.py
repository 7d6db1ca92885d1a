"""Forms of the circulation desk: they validate the shape of a scan; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

#: A scanned barcode: scanners send at most a few dozen characters and press Enter.
BARCODE_MAX = 64
_SCAN_ATTRS = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}


class CardScanForm(forms.Form):
    card = forms.CharField(
        label=_("Reader card number"),
        max_length=40,
        widget=forms.TextInput(attrs={**_SCAN_ATTRS, "autofocus": True}),
    )


class ItemScanForm(forms.Form):
    """An item barcode, and the refusal code staff chose to override (re-posted)."""

    item_barcode = forms.CharField(
        label=_("Item barcode"),
        max_length=BARCODE_MAX,
        widget=forms.TextInput(attrs={**_SCAN_ATTRS, "autofocus": True}),
    )
    override = forms.CharField(max_length=60, required=False, widget=forms.HiddenInput)

    def override_codes(self) -> tuple[str, ...]:
        code = self.cleaned_data.get("override") or ""
        return (code,) if code else ()


class CheckinForm(forms.Form):
    item_barcode = forms.CharField(
        label=_("Item barcode"),
        max_length=BARCODE_MAX,
        widget=forms.TextInput(attrs={**_SCAN_ATTRS, "autofocus": True}),
    )
    backdate_to = forms.DateField(
        label=_("Returned through the book drop on"),
        required=False,
        help_text=_("Leave empty for a return now."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class InHouseUseForm(forms.Form):
    item_barcode = forms.CharField(
        label=_("Item barcode"),
        max_length=BARCODE_MAX,
        widget=forms.TextInput(attrs={**_SCAN_ATTRS, "autofocus": True}),
    )


class OverrideForm(forms.Form):
    """A renewal from the desk, optionally overriding the refusal named by its code."""

    override = forms.CharField(max_length=60, required=False)

    def override_codes(self) -> tuple[str, ...]:
        code = self.cleaned_data.get("override") or ""
        return (code,) if code else ()


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount paid (EUR)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )


class WaiverForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the waiver"), max_length=300)
