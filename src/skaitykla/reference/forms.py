"""Forms of the reference app: validation only (the services decide)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from skaitykla.accounts.models import User
from skaitykla.core.models import Library
from skaitykla.reference.choices import (
    AccessibleFormat,
    AskerAge,
    ConsultationTopic,
    DeskChannel,
    DurationBand,
    QuestionKind,
    QuestionType,
    RejectReason,
)
from skaitykla.reference.services import (
    PROFILE_LIMITS,
    Submission,
    Tally,
    profile_problems,
)

MAX_QUESTION = 5000
MAX_DETAILS = 5000
MAX_ANSWER = 50_000
MAX_ATTACHMENT = 5 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_SIGNER_SALT = "reference.form-started"
LANGUAGES = (("lt", _("Lithuanian")), ("en", _("English")))
#: The public form fields a ``Submission`` takes (its kind comes from the form class).
_SUBMITTED = frozenset(field.name for field in dataclasses.fields(Submission)) - {"kind"}


def started_token(now: float | None = None) -> str:
    return signing.dumps(int(now if now is not None else time.time()), salt=_SIGNER_SALT)


def fill_seconds(token: str, now: float | None = None) -> float:
    """Seconds since the form was rendered (0 when the token is missing or forged)."""
    try:
        started = signing.loads(token, salt=_SIGNER_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return 0.0
    return (now if now is not None else time.time()) - float(started)


class _PublicForm(forms.Form):
    """Anti-automation fields shared by the public forms (the honeypot is hidden from people)."""

    website = forms.CharField(required=False, label=_("Leave this field empty"))
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    kind: str

    def anti_spam(self) -> tuple[str, float]:
        return self.cleaned_data.get("website", ""), fill_seconds(self.data.get("started", ""))

    def submission(self) -> Submission:
        """The cleaned fields the service takes (the anti-automation fields are not among them)."""
        data = {name: value for name, value in self.cleaned_data.items() if name in _SUBMITTED}
        return Submission(kind=self.kind, **data)


class QuestionForm(_PublicForm):
    text = forms.CharField(
        label=_("Your question"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("This part may be published without your personal data."),
    )
    private_details = forms.CharField(
        label=_("Private details"),
        max_length=MAX_DETAILS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the librarian sees this; it is never published."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), help_text=_("The answer is sent here."))
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)
    age_group = forms.ChoiceField(label=_("Age group"), choices=AskerAge.choices, required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Language of the answer"), choices=LANGUAGES)
    allows_publication = forms.BooleanField(
        label=_("The question and answer may be published in the archive without my personal data"),
        required=False,
    )

    kind = QuestionKind.QUESTION


class AccessibleRequestForm(_PublicForm):
    kind = QuestionKind.ACCESSIBLE
    access_format = forms.ChoiceField(
        label=_("What do you need?"), choices=AccessibleFormat.choices
    )
    needed_on = forms.DateField(
        label=_("Date of the visit or consultation"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("An interpreter is booked at least 5 working days ahead."),
    )
    text = forms.CharField(
        label=_("What is it about?"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)


class ConsultationForm(_PublicForm):
    kind = QuestionKind.CONSULTATION
    requesting_library = forms.CharField(label=_("Your library"), max_length=200)
    consultation_topic = forms.ChoiceField(label=_("Topic"), choices=ConsultationTopic.choices)
    text = forms.CharField(
        label=_("What would you like to consult about?"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Contact person"), max_length=150, required=False)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=MAX_QUESTION, widget=forms.Textarea(attrs={"rows": 4})
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the answer?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=1000, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the answers"), max_length=200, required=False)


# --- Staff ---------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    answer_html = forms.CharField(
        label=_("Answer"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Allowed: paragraphs, lists, bold, italics, links (also to catalogue records)."
        ),
    )
    read_level = forms.TypedChoiceField(label=_("READ effort"), coerce=int, choices=())
    question_type = forms.ChoiceField(
        label=_("Question type"), choices=QuestionType.choices, initial=QuestionType.REFERENCE
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args: object, read_levels: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["read_level"].choices = read_levels  # type: ignore[attr-defined]

    def clean_attachment(self) -> object:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        name = upload.name.lower()
        extension = name[name.rfind(".") :] if "." in name else ""
        if extension not in ATTACHMENT_TYPES:
            raise forms.ValidationError(
                _("Attach a PDF, PNG, JPEG, TXT or DOCX file."), code="attachment_type"
            )
        if upload.size > MAX_ATTACHMENT:
            raise forms.ValidationError(_("The file is larger than 5 MB."), code="attachment_size")
        head = upload.read(8)
        upload.seek(0)
        magic = {".pdf": b"%PDF", ".png": b"\x89PNG", ".jpg": b"\xff\xd8", ".jpeg": b"\xff\xd8"}
        docx = b"PK"
        expected = magic.get(extension, docx if extension == ".docx" else b"")
        if expected and not head.startswith(expected):
            raise forms.ValidationError(
                _("The file's content does not match its type."), code="attachment_content"
            )
        return upload


class TemplateForm(forms.Form):
    title = forms.CharField(label=_("Template title"), max_length=200)
    body_html = forms.CharField(
        label=_("Template text"), max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 6})
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ClarifyForm(forms.Form):
    message = forms.CharField(
        label=_("Ask the reader"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferForm(forms.Form):
    to_library: forms.ModelChoiceField[Library] = forms.ModelChoiceField(
        label=_("Member library"), queryset=Library.objects.none()
    )
    note = forms.CharField(
        label=_("Note for the library"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, libraries: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_library"].queryset = libraries  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none()
    )

    def __init__(self, *args: object, users: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assignee"].queryset = users  # type: ignore[attr-defined]


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RejectReason.choices)
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of question no."), required=False, min_value=1
    )


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    question_text = forms.CharField(
        label=_("Question (de-identified)"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    answer_html = forms.CharField(
        label=_("Answer (de-identified)"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    keywords = forms.CharField(label=_("Subject keywords"), max_length=300, required=False)


class DeskTallyForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=DeskChannel.choices,
        widget=forms.RadioSelect,
        initial=DeskChannel.IN_PERSON,
    )
    question_type = forms.ChoiceField(
        label=_("Question type"), choices=QuestionType.choices, widget=forms.RadioSelect
    )
    read_level = forms.TypedChoiceField(
        label=_("READ effort"), coerce=int, choices=(), widget=forms.RadioSelect
    )
    duration = forms.ChoiceField(
        label=_("Duration"),
        choices=[("", _("Not recorded")), *DurationBand.choices],
        required=False,
    )
    reader_category = forms.CharField(
        label=_("Reader category (optional)"), max_length=40, required=False
    )
    at = forms.DateTimeField(
        label=_("When (leave empty for now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    count = forms.IntegerField(label=_("How many"), min_value=1, max_value=500, initial=1)
    notes = forms.CharField(label=_("Notes (no personal data)"), max_length=300, required=False)

    def __init__(self, *args: object, read_levels: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["read_level"].choices = read_levels  # type: ignore[attr-defined]

    def tally(self) -> Tally:
        data = self.cleaned_data
        return Tally(
            channel=data["channel"],
            question_type=data["question_type"],
            read_level=data["read_level"],
            duration=data.get("duration", ""),
            reader_category=data.get("reader_category", ""),
            notes=data.get("notes", ""),
            count=data.get("count") or 1,
        )


class DeskBatchForm(forms.Form):
    """A paper tally sheet: one line per group, ``channel,type,READ,count``."""

    day = forms.DateField(
        label=_("Day of the tally sheet"), widget=forms.DateInput(attrs={"type": "date"})
    )
    lines = forms.CharField(
        label=_("Lines"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One line per group: channel, question type, READ level, count — "
            "e.g. in_person,directional,1,12"
        ),
    )

    def clean_lines(self) -> list[Tally]:
        tallies: list[Tally] = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            parts = [p.strip() for p in line.split(",")]
            try:
                channel, question_type, level, count = parts
                tally = Tally(
                    channel=channel,
                    question_type=question_type,
                    read_level=int(level),
                    count=int(count),
                )
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(number)d is not “channel, type, READ, count”."),
                    params={"number": number},
                    code="desk_line",
                ) from None
            if (
                channel not in DeskChannel.values
                or question_type not in QuestionType.values
                or not 1 <= tally.read_level <= 6
                or not 1 <= tally.count <= 500
            ):
                raise forms.ValidationError(
                    _("Line %(number)d has an unknown channel, type, READ level or count."),
                    params={"number": number},
                    code="desk_line",
                )
            tallies.append(tally)
        if not tallies:
            raise forms.ValidationError(_("Nothing to log."), code="desk_empty")
        return tallies


# --- Staff: settings -----------------------------------------------------------------------


def _bounded(label: Any, name: str) -> forms.IntegerField:
    low, high = PROFILE_LIMITS[name]
    return forms.IntegerField(
        label=label, widget=forms.NumberInput(attrs={"min": low, "max": high})
    )


class ReferenceProfileForm(forms.Form):
    """The library's reference policy; the ranges and messages come from the service."""

    takes_questions = forms.BooleanField(
        label=_("This library answers questions from the whole network"), required=False
    )
    subjects = forms.CharField(
        label=_("Subject strengths"),
        max_length=1000,
        required=False,
        help_text=_("Separate subjects with commas, e.g. local history, law, genealogy."),
    )
    weekly_capacity = _bounded(_("Questions per week from other libraries"), "weekly_capacity")
    deadline_days = _bounded(_("Answer deadline (working days)"), "deadline_days")
    consultation_deadline_days = _bounded(
        _("Consultation deadline (working days)"), "consultation_deadline_days"
    )
    claim_minutes = _bounded(_("A claim lapses after (minutes)"), "claim_minutes")
    reminder_days = _bounded(
        _("Remind this many working days before the deadline"), "reminder_days"
    )
    retention_days = _bounded(_("Keep the asker's contact data (days)"), "retention_days")

    #: Fieldsets of the page: (legend, field names).
    groups = (
        (_("Taking part in the network"), ("takes_questions", "subjects", "weekly_capacity")),
        (
            _("Deadlines and reminders"),
            ("deadline_days", "consultation_deadline_days", "claim_minutes", "reminder_days"),
        ),
        (_("Privacy"), ("retention_days",)),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        present = {name: value for name, value in cleaned.items() if value is not None}
        for name, message in profile_problems(present).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def fieldsets(self) -> list[tuple[object, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.groups]


class ReadWordingsForm(forms.Form):
    """One optional wording per READ level; empty means the default wording."""

    def __init__(
        self, *args: object, defaults: dict[int, str], current: dict[int, str], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for level, default in defaults.items():
            self.fields[f"level_{level}"] = forms.CharField(
                label=_("Level %(level)d") % {"level": level},
                max_length=200,
                required=False,
                initial=current.get(level, ""),
                help_text=_("Default: %(wording)s") % {"wording": default},
            )

    def wordings(self) -> dict[int, str]:
        return {
            int(name.removeprefix("level_")): value.strip()
            for name, value in self.cleaned_data.items()
        }


class AnswerTemplateForm(forms.Form):
    title = forms.CharField(label=_("Template title"), max_length=200)
    body_html = forms.CharField(
        label=_("Template text"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Allowed: paragraphs, lists, bold, italics, links (also to catalogue records)."
        ),
    )
    shared = forms.BooleanField(label=_("Share with every library of the network"), required=False)

    def __init__(self, *args: object, can_share: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not can_share:
            del self.fields["shared"]
