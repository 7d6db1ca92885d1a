"""Forms of the events app: they validate input and hand it to one service."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.events.choices import Audience, EventKind, EventStatus, RegistrationMode
from skaitykla.events.models import LIKERT_QUESTIONS, Event, Room, Session, Topic
from skaitykla.events.services import EventData

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a refusal on the form: on its field when the error names one that the form has."""
    field = str(error.params.get("field", ""))
    if field in form.fields:
        form.add_error(field, str(error.message))
    else:
        form.add_error(None, str(error.message))


class EventFilterForm(forms.Form):
    library = forms.ModelChoiceField(
        label=_("Library"), queryset=Library.objects.filter(is_active=True), required=False
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.all(), required=False)
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[("", pgettext_lazy("audience filter", "All")), *Audience.choices],
        required=False,
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        return data


class RegistrationForm(forms.Form):
    """A guest's registration (a signed-in reader sees only the optional fields)."""

    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none())
    name = forms.CharField(label=_("Name and surname"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    organisation = forms.CharField(
        label=_("School or library (for a group)"), max_length=200, required=False
    )
    head_count = forms.IntegerField(
        label=_("Number of people"), min_value=1, max_value=500, initial=1
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs (e.g. sign-language interpreting)"),
        max_length=300,
        required=False,
    )

    def __init__(
        self,
        *args: object,
        event: Event,
        sessions: list[Session],
        reader: object = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.event = event
        if event.is_course:
            del self.fields["session"]
        else:
            self.fields["session"].queryset = Session.objects.filter(  # type: ignore[attr-defined]
                pk__in=[s.pk for s in sessions]
            )
            self.fields["session"].label_from_instance = _session_label  # type: ignore[attr-defined]
            if len(sessions) == 1:
                self.fields["session"].initial = sessions[0].pk
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if reader is not None:
            # one step: the reader's own name and e-mail (asked only when the record has none)
            self.fields["name"].required = False
            self.fields["name"].widget = forms.HiddenInput()
            if getattr(reader, "email", ""):
                self.fields["email"].required = False
                self.fields["email"].widget = forms.HiddenInput()


def _session_label(session: Session) -> str:
    local = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    return f"{local:%Y-%m-%d %H:%M}–{end:%H:%M}"


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.all(), required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("lt", _("Lithuanian")), ("en", _("English"))]
    )
    trainers = forms.CharField(label=_("Trainers"), max_length=300, required=False)
    registration_mode = forms.ChoiceField(label=_("Registration"), choices=RegistrationMode.choices)
    capacity = forms.IntegerField(label=_("Capacity"))
    accessibility_notes = forms.CharField(
        label=_("Accessibility notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    sign_language_on_request = forms.BooleanField(
        label=_("Sign-language interpreting on request"), required=False
    )
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    registration_opens_at = forms.DateTimeField(
        label=_("Registration opens"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    registration_closes_at = forms.DateTimeField(
        label=_("Registration closes"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=False)

    def event_data(self) -> EventData:
        data = self.cleaned_data
        return EventData(
            title=data["title"],
            kind=data["kind"],
            description=data["description"],
            topic=data["topic"],
            audience=data["audience"],
            language=data["language"],
            trainers=data["trainers"],
            registration_mode=data["registration_mode"],
            capacity=data["capacity"],
            accessibility_notes=data["accessibility_notes"],
            sign_language_on_request=data["sign_language_on_request"],
            online_link=data["online_link"],
            registration_opens_at=data["registration_opens_at"],
            registration_closes_at=data["registration_closes_at"],
            status=EventStatus.PUBLISHED if data["publish"] else EventStatus.DRAFT,
        )


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    is_online = forms.BooleanField(label=_("Online"), required=False)

    def __init__(self, *args: object, library: Library, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["room"].queryset = Room.objects.filter(  # type: ignore[attr-defined]
            library=library, is_active=True
        )


class CopyForm(forms.Form):
    weeks = forms.IntegerField(label=_("Move by weeks"), min_value=0, max_value=104, initial=1)

    def shift(self) -> timedelta:
        return timedelta(weeks=self.cleaned_data["weeks"])


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea, max_length=5000)
    include_waiting = forms.BooleanField(label=_("Also the waiting list"), required=False)


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to everyone)"), max_length=300, required=False)


class CardForm(forms.Form):
    card_number = forms.CharField(label=_("Reader card number"), max_length=40)


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Name and surname"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    head_count = forms.IntegerField(
        label=_("Number of people"), min_value=1, max_value=500, initial=1
    )


class SelfCheckInForm(forms.Form):
    code = forms.CharField(label=_("Code shown in the room"), max_length=6)
    email = forms.EmailField(label=_("E-mail you registered with"))


_SCALE = [(str(value), str(value)) for value in range(1, 6)]


def _likert(text: StrOrPromise) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=text,
        choices=_SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 — strongly disagree, 5 — strongly agree"),
    )


_QUESTIONS = dict(LIKERT_QUESTIONS)


class FeedbackForm(forms.Form):
    useful = _likert(_QUESTIONS["useful"])
    clear = _likert(_QUESTIONS["clear"])
    recommend = _likert(_QUESTIONS["recommend"])
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
