"""Forms of the patrons app: they validate shapes; the services decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.patrons import services
from skaitykla.patrons.choices import (
    DocumentType,
    Language,
    LoanHistoryChoice,
    RegistrationChannel,
)
from skaitykla.patrons.errors import InvalidBirthDateError
from skaitykla.patrons.models import ReaderCategory, ReaderPolicy

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{5,19}$",
    _("Enter a phone number of digits, e.g. +370 600 00000."),
)

#: Which form field shows a refusal with this code (others go to the top of the form).
ERROR_FIELDS = {
    "birth_date_invalid": "birth_date",
    "guardian_required": "guardian_card",
    "guardian_invalid": "guardian_card",
    "card_duplicate": "card_barcode",
    "card_invalid": "card_barcode",
    "pin_invalid": "pin",
    "consent": "privacy_policy",
}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it concerns, in the user's language."""
    field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, str(error.message))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReaderSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Card number, name or e-mail"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "type": "search"}),
    )


class _NameFields(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput({"autocomplete": "bday"}))

    def clean_birth_date(self) -> date | None:
        """The service's rule, checked here too so it shows beside the other field errors."""
        value: date | None = self.cleaned_data.get("birth_date")
        try:
            services.check_birth_date(value, timezone.localdate())
        except InvalidBirthDateError as error:
            raise forms.ValidationError(str(error.message)) from None
        return value


class _ContactFields(forms.Form):
    """The fields a reader may change themself (``services.READER_EDITABLE``)."""

    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput({"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput({"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.TextInput({"autocomplete": "street-address"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, initial=Language.LITHUANIAN
    )


class _PersonFields(_ContactFields, _NameFields):
    """Names first, then contact fields (Django orders fields from the last base class)."""

    def reader_data(self) -> services.ReaderData:
        data = self.cleaned_data
        return services.ReaderData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            address=data.get("address", ""),
            personal_code=data.get("personal_code", ""),
            preferred_language=data.get("preferred_language", "lt"),
        )


class _GuardianFields(forms.Form):
    guardian_card = forms.CharField(
        label=_("Guardian's card number"),
        max_length=60,
        required=False,
        help_text=_("Needed for readers under the age set by the library (16)."),
    )
    guardian_consent = forms.BooleanField(
        label=_("The guardian agrees to this registration"), required=False
    )


class ReaderCreateForm(_PersonFields, _GuardianFields):
    """Desk registration: identity document seen, card handed over, PIN typed by the reader."""

    personal_code = forms.CharField(
        label=_("Personal code"),
        max_length=20,
        required=False,
        help_text=_("Only if the library needs it."),
    )
    category = forms.ModelChoiceField(
        label=_("Reader category"), queryset=ReaderCategory.objects.filter(is_active=True)
    )
    registration_channel = forms.ChoiceField(
        label=_("Registration channel"),
        choices=[
            (RegistrationChannel.DESK, RegistrationChannel.DESK.label),
            (RegistrationChannel.NETWORK, RegistrationChannel.NETWORK.label),
        ],
        initial=RegistrationChannel.DESK,
    )
    document_type = forms.ChoiceField(
        label=_("Identity document seen"), choices=DocumentType.choices
    )
    card_barcode = forms.CharField(label=_("Card number"), max_length=60)
    pin = forms.CharField(
        label=_("PIN"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
        help_text=_("4 to 12 digits; the reader types it."),
    )
    marketing_email = forms.BooleanField(label=_("News and events by e-mail"), required=False)
    loan_history = forms.ChoiceField(
        label=_("Loan history"),
        choices=LoanHistoryChoice.choices,
        initial=LoanHistoryChoice.ANONYMISE_AFTER,
    )


class ReaderEditForm(_PersonFields):
    personal_code = forms.CharField(label=_("Personal code"), max_length=20, required=False)
    category = forms.ModelChoiceField(
        label=_("Reader category"), queryset=ReaderCategory.objects.filter(is_active=True)
    )
    home_library = forms.ModelChoiceField(
        label=_("Home library"), queryset=Library.objects.filter(is_active=True)
    )
    protected = forms.BooleanField(
        label=_("Protected from retention (e.g. legal hold)"), required=False
    )


class VerifyForm(forms.Form):
    document_type = forms.ChoiceField(
        label=_("Identity document seen"), choices=DocumentType.choices
    )
    card_barcode = forms.CharField(label=_("Card number"), max_length=60)


class CardForm(forms.Form):
    card_barcode = forms.CharField(label=_("New card number"), max_length=60)
    lost = forms.BooleanField(label=_("The old card was lost"), required=False)


class PinSetForm(forms.Form):
    pin = forms.CharField(
        label=_("New PIN"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )


class BlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    starts_on = forms.DateField(label=_("From"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    blocks_loans = forms.BooleanField(label=_("Blocks loans"), required=False, initial=True)
    blocks_holds = forms.BooleanField(label=_("Blocks holds"), required=False, initial=True)
    blocks_renewals = forms.BooleanField(label=_("Blocks renewals"), required=False, initial=True)
    blocks_room_entry = forms.BooleanField(label=_("Blocks reading-room entry"), required=False)


class RoomPermissionForm(forms.Form):
    room = forms.ModelChoiceField(
        label=_("Reading room"),
        queryset=ReadingRoom.objects.filter(is_active=True, entry_requires_permission=True),
    )
    allowed = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Allowed")), ("0", _("Not allowed"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class EntryScanForm(forms.Form):
    room = forms.ModelChoiceField(
        label=_("Reading room"), queryset=ReadingRoom.objects.filter(is_active=True)
    )
    card = forms.CharField(
        label=_("Card number"),
        max_length=60,
        widget=forms.TextInput({"autocomplete": "off", "autofocus": True}),
    )
    direction = forms.ChoiceField(
        label=_("Scan"), choices=[("in", _("Entry")), ("out", _("Exit"))], initial="in"
    )


# --- Public and reader forms -----------------------------------------------------------------


class PreRegistrationForm(_PersonFields, _GuardianFields):
    pin = forms.CharField(
        label=_("Choose a PIN"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
        help_text=_("4 to 12 digits, or a password of at least 8 characters."),
    )
    pin_again = forms.CharField(
        label=_("PIN again"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )
    loan_history = forms.ChoiceField(
        label=_("Loan history"),
        choices=LoanHistoryChoice.choices,
        initial=LoanHistoryChoice.ANONYMISE_AFTER,
        widget=forms.RadioSelect,
    )
    marketing_email = forms.BooleanField(
        label=_("Send me news and events by e-mail"), required=False
    )
    privacy_policy = forms.BooleanField(
        label=_("I have read and accept the privacy policy"),
        error_messages={"required": _("The privacy policy must be accepted to register.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("pin") and cleaned.get("pin") != cleaned.get("pin_again"):
            self.add_error("pin_again", _("The two PINs are not the same."))
        return cleaned


class ReaderLoginForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=60,
        widget=forms.TextInput({"autocomplete": "username"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )


class ContactForm(_ContactFields):
    pass


class ChangePinForm(forms.Form):
    current_pin = forms.CharField(
        label=_("Current PIN"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )
    new_pin = forms.CharField(
        label=_("New PIN"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
        help_text=_("4 to 12 digits, or a password of at least 8 characters."),
    )
    new_pin_again = forms.CharField(
        label=_("New PIN again"),
        max_length=128,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("new_pin") and cleaned.get("new_pin") != cleaned.get("new_pin_again"):
            self.add_error("new_pin_again", _("The two PINs are not the same."))
        return cleaned


class PrivacyChoicesForm(forms.Form):
    marketing_email = forms.BooleanField(
        label=_("Send me news and events by e-mail"), required=False
    )
    loan_history = forms.ChoiceField(
        label=_("Loan history"), choices=LoanHistoryChoice.choices, widget=forms.RadioSelect
    )
    loan_history_days = forms.IntegerField(
        label=_("Anonymise loan history after (days)"), min_value=1, max_value=3650
    )


class CategoryForm(forms.ModelForm[ReaderCategory]):
    class Meta:
        model = ReaderCategory
        fields = list(services.CATEGORY_FIELDS)

    def _get_validation_exclusions(self) -> set[str]:
        # ``save_category`` moves the online default from the old category to this one: the
        # one-default constraint is kept by the service, it is no reason to refuse the form.
        exclusions: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        return {*exclusions, "is_default"}


class PolicyForm(forms.ModelForm[ReaderPolicy]):
    class Meta:
        model = ReaderPolicy
        fields = list(services.POLICY_FIELDS)
