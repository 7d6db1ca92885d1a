"""Bibliographic records, items (copies) and the search index."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skaitykla.catalogue.choices import (
    LANGUAGE_NAMES,
    ImportStatus,
    ItemStatus,
    KeyKind,
    LoanType,
    MaterialType,
    RecordFormat,
)
from skaitykla.core.models import Library, ReadingRoom

_BARCODE_JUNK = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def normalise_barcode(value: str) -> str:
    """``' abc123\u200b'`` and full-width ``ＡＢＣ１２３`` both → ``ABC123``.

    NFKC, whitespace and zero-width characters removed, upper case."""
    return _BARCODE_JUNK.sub("", unicodedata.normalize("NFKC", value or "")).upper()


class Record(models.Model):
    """A bibliographic record: its source MARC (as MARC-in-JSON, Unicode NFC) and the fields we
    display, filter and index."""

    title = models.TextField(_("title"))
    subtitle = models.TextField(_("subtitle"), blank=True)
    responsibility = models.TextField(_("statement of responsibility"), blank=True)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    place = models.CharField(_("place of publication"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=3, blank=True, db_index=True)
    isbns = models.JSONField(_("ISBN"), default=list, blank=True)
    issns = models.JSONField(_("ISSN"), default=list, blank=True)
    edition = models.CharField(_("edition"), max_length=200, blank=True)
    series = models.TextField(_("series"), blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    udc = models.CharField(_("UDC class"), max_length=200, blank=True)
    classification = models.JSONField(_("other classification"), default=list, blank=True)
    material_type = models.CharField(
        _("material type"),
        max_length=20,
        choices=MaterialType.choices,
        default=MaterialType.BOOK,
        db_index=True,
    )
    control_number = models.CharField(_("control number (001)"), max_length=100, blank=True)
    control_source = models.CharField(_("control number source (003)"), max_length=100, blank=True)
    system_numbers = models.JSONField(_("system control numbers (035)"), default=list, blank=True)
    record_format = models.CharField(
        _("source format"), max_length=10, choices=RecordFormat.choices, default=RecordFormat.MARC21
    )
    marc = models.TextField(_("source MARC (MARC-in-JSON)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bibliographic record")
        verbose_name_plural = _("bibliographic records")
        ordering: ClassVar = ["id"]
        permissions: ClassVar = [("import_marc", _("Can import MARC files"))]

    def __str__(self) -> str:
        return self.title

    @property
    def marc_dict(self) -> dict[str, Any]:
        return json.loads(self.marc)

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.language, self.language))

    @property
    def full_title(self) -> str:
        return f"{self.title} : {self.subtitle}" if self.subtitle else self.title


class RecordKey(models.Model):
    """A key duplicates are matched on: the control number with its source, a 035, an ISBN."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=10, choices=KeyKind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("record key")
        verbose_name_plural = _("record keys")
        indexes: ClassVar = [models.Index(fields=["kind", "value"], name="record_key_lookup")]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=Q(kind=KeyKind.CONTROL),
                name="record_key_control_unique",
            ),
            models.UniqueConstraint(fields=["record", "kind", "value"], name="record_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Item(models.Model):
    """One physical copy with a barcode, a call number and a place."""

    record = models.ForeignKey(
        Record, verbose_name=_("record"), on_delete=models.CASCADE, related_name="items"
    )
    barcode = models.CharField(
        _("barcode"), max_length=64, unique=True, help_text=_("Stored normalised (upper case).")
    )
    call_number = models.CharField(_("call number"), max_length=120, blank=True)
    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="items"
    )
    reading_room = models.ForeignKey(
        ReadingRoom,
        verbose_name=_("reading room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    loan_type = models.CharField(
        _("loan type"), max_length=20, choices=LoanType.choices, default=LoanType.HOME_LOAN
    )
    max_loan_days = models.PositiveSmallIntegerField(_("maximum loan days"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.AVAILABLE
    )
    due_back = models.DateField(_("due back"), null=True, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    acquired_on = models.DateField(_("acquisition date"), null=True, blank=True)
    note = models.CharField(_("staff note"), max_length=500, blank=True)
    public_note = models.CharField(_("public note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering: ClassVar = ["library", "call_number", "barcode"]
        indexes: ClassVar = [
            # Covering on PostgreSQL: facets and availability read items by record, index-only.
            models.Index(
                fields=["record", "status"],
                include=["library", "reading_room"],
                name="item_record_status",
            ),
            models.Index(fields=["library", "status"], name="item_library_status"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(barcode=""), name="item_barcode_not_empty")
        ]

    def __str__(self) -> str:
        return self.barcode

    @property
    def is_available(self) -> bool:
        return self.status in (ItemStatus.AVAILABLE, ItemStatus.ON_SHELF)


class SearchEntry(models.Model):
    """The analyzed text of one record, by field weight (title > author > subject > other).

    PostgreSQL adds a generated ``document tsvector`` column with a GIN index; SQLite keeps an
    FTS5 table (``catalogue_fts``) in step with triggers. Both are created in migration 0002.

    ``language``, ``material_type`` and ``year`` are copies of the record's (migration 0005,
    ADR 0023): the rows the full-text scan fetches anyway carry what the record filters and
    facets need, so a search does not look the records up. Every writer of an entry writes them
    from the record (the entry is rebuilt whenever the record changes).
    """

    record = models.OneToOneField(
        Record, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    title = models.TextField(blank=True)
    authors = models.TextField(blank=True)
    subjects = models.TextField(blank=True)
    other = models.TextField(blank=True)
    language = models.CharField(max_length=3, blank=True, default="")
    material_type = models.CharField(max_length=20, default=MaterialType.BOOK)
    year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return str(self.record_id)


class SearchWord(models.Model):
    """A folded word seen in titles and authors, for spelling-tolerant suggestions."""

    word = models.CharField(max_length=60, unique=True)
    frequency = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self) -> str:
        return self.word


class ImportJob(models.Model):
    """A MARC file uploaded by staff and imported in the background, with its progress."""

    file = models.FileField(_("file"), upload_to="marc-imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=10, default="auto")
    library = models.ForeignKey(
        Library, verbose_name=_("library"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    processed_bytes = models.PositiveBigIntegerField(_("bytes processed"), default=0)
    read = models.PositiveIntegerField(_("read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    items = models.PositiveIntegerField(_("items"), default=0)
    error = models.TextField(_("error"), blank=True)
    report = models.TextField(_("failure report"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("MARC import")
        verbose_name_plural = _("MARC imports")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_bytes / self.size) if self.size else 0
