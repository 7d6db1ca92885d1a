"""Models of the reference app: questions (and requests) on one queue, the knowledge base, the
information-desk log and the per-library reference policy."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.reference.choices import (
    AccessibleFormat,
    AskerAge,
    ConsultationTopic,
    DeskChannel,
    DurationBand,
    EventKind,
    QuestionKind,
    QuestionStatus,
    QuestionType,
    RejectReason,
)


class ReferenceProfile(models.Model):
    """A member library's part in the network: policy, subject strengths and capacity."""

    library = models.OneToOneField(
        "core.Library",
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        related_name="reference_profile",
    )
    takes_questions = models.BooleanField(_("answers network questions"), default=True)
    subjects = models.CharField(
        _("subject strengths"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated subjects this library answers best."),
    )
    weekly_capacity = models.PositiveIntegerField(_("questions per week"), default=20)
    deadline_days = models.PositiveSmallIntegerField(
        _("answer deadline (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    consultation_deadline_days = models.PositiveSmallIntegerField(
        _("consultation deadline (working days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    claim_minutes = models.PositiveIntegerField(_("a claim lapses after (minutes)"), default=240)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many working days before the deadline"), default=1
    )
    retention_days = models.PositiveIntegerField(
        _("keep the asker's contact data (days)"), default=730
    )

    class Meta:
        verbose_name = _("reference profile")
        verbose_name_plural = _("reference profiles")

    def __str__(self) -> str:
        return str(self.library)

    def subject_list(self) -> list[str]:
        return [s.strip().casefold() for s in self.subjects.split(",") if s.strip()]


class Question(models.Model):
    """One question or request on the queue of its answering library."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.QUESTION
    )
    token = models.UUIDField(_("reader's access key"), default=uuid.uuid4, unique=True)
    library = models.ForeignKey(
        "core.Library",
        verbose_name=_("answering library"),
        on_delete=models.PROTECT,
        related_name="reference_questions",
    )
    received_via = models.ForeignKey(
        "core.Library",
        verbose_name=_("received via"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.NEW
    )
    reject_reason = models.CharField(
        _("reason"), max_length=16, choices=RejectReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), on_delete=models.SET_NULL, null=True, blank=True
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("question"))
    private_details = models.TextField(_("private details"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=150, blank=True)
    age_group = models.CharField(_("age group"), max_length=8, choices=AskerAge.choices, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, default="lt")
    allows_publication = models.BooleanField(_("allows publication"), default=False)
    reader = models.ForeignKey(
        "patrons.Reader",
        verbose_name=_("reader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reference_questions",
    )
    # Accessible communication requests and consultations.
    access_format = models.CharField(
        _("format"), max_length=20, choices=AccessibleFormat.choices, blank=True
    )
    needed_on = models.DateField(_("needed on"), null=True, blank=True)
    consultation_topic = models.CharField(
        _("consultation topic"), max_length=20, choices=ConsultationTopic.choices, blank=True
    )
    requesting_library = models.CharField(_("requesting library"), max_length=200, blank=True)
    # Queue.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claim_expires_at = models.DateTimeField(_("claim lapses at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on (library time)"))
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    remaining_days = models.PositiveSmallIntegerField(
        _("working days left when paused"), null=True, blank=True
    )
    reminded_for = models.DateField(_("reminder sent for deadline"), null=True, blank=True)
    # Answer.
    answer_html = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    read_level = models.PositiveSmallIntegerField(
        _("READ effort"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    contact_erased_at = models.DateTimeField(_("contact data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ("deadline", "created_at")
        indexes = [models.Index(fields=("library", "status", "deadline"))]
        permissions = [
            ("answer_question", _("Can answer Ask a Librarian questions")),
            ("coordinate_network", _("Can see and route every library's queue")),
            ("publish_kbentry", _("Can publish knowledge-base entries")),
            ("log_desk_transaction", _("Can log information-desk transactions")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in {QuestionStatus.NEW, QuestionStatus.CLAIMED, QuestionStatus.WAITING}


class QuestionEvent(models.Model):
    """The question's history: notes, claims, transfers, replies, answers (never published)."""

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    at = models.DateTimeField(_("when"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    from_library = models.ForeignKey(
        "core.Library",
        verbose_name=_("from library"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("question event")
        verbose_name_plural = _("question events")
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.question_id}: {self.kind}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"reference/{instance.question_id}/{uuid.uuid4().hex}-{filename[-80:]}"


class Attachment(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class AnswerTemplate(models.Model):
    library = models.ForeignKey(
        "core.Library",
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: shared by the whole network."),
    )
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("text"))

    class Meta:
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title


class KnowledgeBaseEntry(models.Model):
    """A published, de-identified question and answer. No link back to the asker is shown."""

    question = models.OneToOneField(
        Question,
        verbose_name=_("source question"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_entry",
    )
    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    question_text = models.TextField(_("question"))
    answer_html = models.TextField(_("answer"))
    keywords = models.CharField(_("subject keywords"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, default="lt")
    published_at = models.DateTimeField(_("published at"), db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    terms = models.TextField(_("index terms"), blank=True, editable=False)

    class Meta:
        verbose_name = _("knowledge-base entry")
        verbose_name_plural = _("knowledge-base entries")
        ordering = ("-published_at", "-pk")

    def __str__(self) -> str:
        return self.title


class ReadLevelWording(models.Model):
    """Editable wording of a READ scale level (the defaults live in ``choices.READ_LEVELS``)."""

    level = models.PositiveSmallIntegerField(
        _("level"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    wording = models.CharField(_("wording"), max_length=200)

    class Meta:
        verbose_name = _("READ level wording")
        verbose_name_plural = _("READ level wordings")
        ordering = ("level",)

    def __str__(self) -> str:
        return f"{self.level}: {self.wording}"


class DeskTransaction(models.Model):
    """One consultation at a service point (or an answered question), without personal data."""

    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    service_point = models.ForeignKey(
        "core.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=DeskChannel.choices)
    question_type = models.CharField(
        _("question type"), max_length=20, choices=QuestionType.choices
    )
    read_level = models.PositiveSmallIntegerField(
        _("READ effort"), validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    duration = models.CharField(
        _("duration"), max_length=6, choices=DurationBand.choices, blank=True
    )
    reader_category = models.CharField(_("reader category"), max_length=40, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    question = models.OneToOneField(
        Question,
        verbose_name=_("question"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="desk_transaction",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("desk transaction")
        verbose_name_plural = _("desk transactions")
        ordering = ("-at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(read_level__gte=1) & Q(read_level__lte=6), name="desk_read_level_1_6"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.question_type}"
