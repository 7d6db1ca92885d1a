"""Every state change of the catalogue: MARC import, items, the search index, upload jobs.

The search index is written after commit (``transaction.on_commit``), never inside the
transaction that changed the records, and never by circulation: availability is read live.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from skaitykla.catalogue.bulk import fast_insert
from skaitykla.catalogue.choices import ImportStatus, ItemStatus, LoanType
from skaitykla.catalogue.errors import (
    DuplicateBarcodeError,
    InvalidBarcodeError,
    NotMarcError,
    UnknownLibraryError,
)
from skaitykla.catalogue.marc import readers
from skaitykla.catalogue.marc.mapping import BibData, ItemData, MappingError, map_record
from skaitykla.catalogue.models import (
    ImportJob,
    Item,
    Record,
    RecordKey,
    SearchEntry,
    SearchWord,
    normalise_barcode,
)
from skaitykla.catalogue.search.analyzer import fold
from skaitykla.catalogue.search.analyzer import words as analyzer_words
from skaitykla.catalogue.search.documents import entry_fields, vocabulary
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.selectors import get_portal_library
from skaitykla.core.services import record_audit, record_service_event

BATCH_SIZE = 1000
IMPORT_TASK = "skaitykla.catalogue.tasks.import_marc_file"
RECORD_FIELDS = [
    "title",
    "subtitle",
    "responsibility",
    "authors",
    "publisher",
    "place",
    "year",
    "language",
    "isbns",
    "issns",
    "edition",
    "series",
    "subjects",
    "udc",
    "classification",
    "material_type",
    "control_number",
    "control_source",
    "system_numbers",
    "record_format",
    "marc",
]
ITEM_IMPORT_FIELDS = [
    "call_number",
    "library",
    "reading_room",
    "location",
    "loan_type",
    "max_loan_days",
    "price",
    "note",
    "public_note",
]


# --- The import ---------------------------------------------------------------------------------


@dataclass
class ImportFailure:
    number: int
    offset: int
    control_number: str
    reason: str

    def line(self) -> str:
        control = f" 001={self.control_number}" if self.control_number else ""
        return f"record {self.number} (at {self.offset}){control}: {self.reason}"


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    items_created: int = 0
    items_updated: int = 0
    bytes_read: int = 0
    dry_run: bool = False
    failures: list[ImportFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "items_created": self.items_created,
            "items_updated": self.items_updated,
        }

    def report_text(self) -> str:
        lines = [
            "# Skaitykla MARC import report",
            "# " + " ".join(f"{key}={value}" for key, value in self.as_dict().items()),
        ]
        lines += [f"FAILED {failure.line()}" for failure in self.failures]
        lines += [f"WARNING {warning}" for warning in self.warnings]
        return "\n".join(lines) + "\n"


@dataclass
class _Pending:
    parsed: readers.Parsed
    bib: BibData
    marc: str
    target: int | None = None  # existing record id
    same_as: int | None = None  # index of an earlier pending record in this batch


class _Places:
    """Libraries and reading rooms by code, looked up once per import."""

    def __init__(self, default: Library | None) -> None:
        self.default = default
        self.libraries = {library.code.upper(): library for library in Library.objects.all()}
        self.rooms: dict[tuple[int, str], ReadingRoom] = {
            (room.library_id, room.code.upper()): room for room in ReadingRoom.objects.all()
        }

    def library(self, code: str) -> Library | None:
        code = code.strip().upper()
        if not code:
            return self.default
        return self.libraries.get(code) or self.libraries.get(f"LT-{code}") or self.default

    def room(self, library: Library, location: str) -> ReadingRoom | None:
        return self.rooms.get((library.pk, location.strip().upper())) if location else None


def import_marc(
    *,
    handle: IO[bytes],
    fmt: str = "auto",
    library: Library | None = None,
    items_from: str = "",
    dry_run: bool = False,
    actor_kind: str = ActorKind.SYSTEM,
    actor_id: object = "",
    progress: Callable[[ImportSummary], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import a MARC file, streaming, in batches. Raises :class:`NotMarcError` for a file that
    is not MARC at all; any single bad record becomes a line in ``summary.failures``."""
    if fmt not in readers.FORMATS:
        raise NotMarcError(_("Unknown MARC format."), code="unknown_format")
    summary = ImportSummary(dry_run=dry_run)
    places = _Places(library)
    batch: list[readers.Parsed] = []
    for parsed in readers.read(handle, fmt):
        summary.read += 1
        summary.bytes_read = max(summary.bytes_read, parsed.end)
        batch.append(parsed)
        if len(batch) >= batch_size:
            _import_batch(batch, summary, places, items_from=items_from, dry_run=dry_run)
            batch = []
            if progress:
                progress(summary)
    if batch:
        _import_batch(batch, summary, places, items_from=items_from, dry_run=dry_run)
    if progress:
        progress(summary)
    if not dry_run:
        record_audit(
            actor_kind=actor_kind,
            actor_id=actor_id,
            action="catalogue.import",
            object_type="catalogue.Record",
            library=library,
            detail=dict(summary.as_dict()),
        )
    return summary


def _prepare(
    batch: list[readers.Parsed], summary: ImportSummary, items_from: str
) -> list[_Pending]:
    pending = []
    for parsed in batch:
        if parsed.record is None:
            summary.failed += 1
            summary.failures.append(ImportFailure(parsed.number, parsed.offset, "", parsed.error))
            continue
        control = parsed.record.get("001")
        control_number = (control.data or "") if control is not None else ""
        try:
            bib = map_record(parsed.record, unimarc=parsed.unimarc, items_from=items_from)
            marc = json.dumps(parsed.record.as_dict(), ensure_ascii=False)
        except (MappingError, ValueError, TypeError, AttributeError, IndexError) as error:
            summary.failed += 1
            summary.failures.append(
                ImportFailure(parsed.number, parsed.offset, control_number, str(error)[:300])
            )
            continue
        for note in parsed.warnings:
            summary.warnings.append(f"record {parsed.number}: {note}")
        pending.append(_Pending(parsed=parsed, bib=bib, marc=marc))
    return pending


def _match(pending: list[_Pending]) -> None:
    """Find the existing record (or an earlier record of this batch) each record duplicates."""
    wanted: dict[str, set[str]] = {}
    for entry in pending:
        for kind, value in entry.bib.match_keys():
            wanted.setdefault(kind, set()).add(value)
    found: dict[tuple[str, str], int] = {}
    if wanted:
        query = Q(pk__in=[])
        for kind, values in wanted.items():
            query |= Q(kind=kind, value__in=values)
        for kind, value, record_id in (
            RecordKey.objects.filter(query)
            .order_by("record_id")
            .values_list("kind", "value", "record_id")
        ):
            found.setdefault((kind, value), record_id)
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(pending):
        keys = entry.bib.match_keys()
        for key in keys:
            if key in found:
                entry.target = found[key]
                break
            if key in seen:
                entry.same_as = seen[key]
                break
        for key in keys:
            seen.setdefault(key, index)


def _import_batch(
    batch: list[readers.Parsed],
    summary: ImportSummary,
    places: _Places,
    *,
    items_from: str,
    dry_run: bool,
) -> None:
    pending = _prepare(batch, summary, items_from)
    if not pending:
        return
    _match(pending)
    if dry_run:
        for entry in pending:
            if entry.target is None and entry.same_as is None:
                summary.created += 1
            else:
                summary.updated += 1
        return
    try:
        with transaction.atomic():
            _write(pending, summary, places)
    except (IntegrityError, DatabaseError):
        # Isolate the record the database refused; the others go in one by one.
        for entry in pending:
            entry.same_as = None
            single = [entry]
            _match(single)
            try:
                with transaction.atomic():
                    _write(single, summary, places)
            except (IntegrityError, DatabaseError) as error:
                summary.failed += 1
                summary.failures.append(
                    ImportFailure(
                        entry.parsed.number,
                        entry.parsed.offset,
                        entry.bib.control_number,
                        f"the database refused the record: {str(error).splitlines()[0][:200]}",
                    )
                )


def _record_values(bib: BibData, marc: str) -> dict[str, Any]:
    return {
        "title": bib.title,
        "subtitle": bib.subtitle,
        "responsibility": bib.responsibility,
        "authors": bib.authors,
        "publisher": bib.publisher,
        "place": bib.place,
        "year": bib.year if bib.year and 0 < bib.year < 32767 else None,
        "language": bib.language,
        "isbns": bib.isbns,
        "issns": bib.issns,
        "edition": bib.edition,
        "series": bib.series,
        "subjects": bib.subjects,
        "udc": bib.udc,
        "classification": bib.classification,
        "material_type": bib.material_type,
        "control_number": bib.control_number,
        "control_source": bib.control_source,
        "system_numbers": bib.system_numbers,
        "record_format": bib.record_format,
        "marc": marc,
    }


def _write(pending: list[_Pending], summary: ImportSummary, places: _Places) -> None:
    """Write one batch inside the caller's transaction; the index follows after commit."""
    existing_ids = {entry.target for entry in pending if entry.target is not None}
    existing = {
        record.pk: record
        for record in Record.objects.filter(pk__in=existing_ids).only("pk", "marc")
    }
    created: list[Record] = []
    updated: dict[int, Record] = {}
    records: list[Record | None] = []
    counts = {"created": 0, "updated": 0, "skipped": 0}
    for entry in pending:
        values = _record_values(entry.bib, entry.marc)
        if entry.same_as is not None:
            record = records[entry.same_as]
            assert record is not None
            for name, value in values.items():
                setattr(record, name, value)
            if record.pk:
                updated[record.pk] = record
            counts["updated"] += 1
        elif entry.target is not None and entry.target in existing:
            record = existing[entry.target]
            if record.marc == entry.marc and not entry.bib.items:
                counts["skipped"] += 1
            else:
                for name, value in values.items():
                    setattr(record, name, value)
                updated[record.pk] = record
                counts["updated"] += 1
        else:
            record = Record(**values)
            created.append(record)
            counts["created"] += 1
        records.append(record)
    fast_insert(created, assign_ids=True)
    if updated:
        Record.objects.bulk_update(list(updated.values()), RECORD_FIELDS, batch_size=500)
        RecordKey.objects.filter(record_id__in=list(updated)).delete()
    # The last version of each record in this batch wins; only new or changed records get keys
    # and a fresh search entry.
    latest: dict[int, tuple[Record, BibData]] = {}
    for entry, record in zip(pending, records, strict=True):
        assert record is not None
        latest[record.pk] = (record, entry.bib)
    created_ids = {record.pk for record in created}
    changed = [
        (record, bib) for pk, (record, bib) in latest.items() if pk in created_ids or pk in updated
    ]
    keys = [
        RecordKey(record=record, kind=kind, value=value)
        for record, bib in changed
        for kind, value in bib.match_keys()
    ]
    fast_insert(keys, assign_ids=True)
    items_created, items_updated = _write_items(
        [(record, entry.bib.items) for entry, record in zip(pending, records, strict=True)],
        summary,
        places,
    )
    summary.created += counts["created"]
    summary.updated += counts["updated"]
    summary.skipped += counts["skipped"]
    summary.items_created += items_created
    summary.items_updated += items_updated
    transaction.on_commit(lambda: _index([(record.pk, bib) for record, bib in changed]))


def _loan_type(data: ItemData, room: ReadingRoom | None) -> str:
    if data.loan_condition in ("IN_PLACE", "IN-PLACE", "READING_ROOM"):
        return LoanType.READING_ROOM
    if data.loan_condition in ("TO_HOME", "HOME", "HOME_LOAN"):
        return LoanType.HOME_LOAN
    if data.loan_condition in ("STACK", "CLOSED_STACK"):
        return LoanType.CLOSED_STACK
    if data.loan_condition in ("REFERENCE", "REF"):
        return LoanType.REFERENCE
    return LoanType.READING_ROOM if room is not None else LoanType.HOME_LOAN


def _write_items(
    pairs: list[tuple[Record | None, list[ItemData]]], summary: ImportSummary, places: _Places
) -> tuple[int, int]:
    wanted: dict[str, tuple[Record, ItemData]] = {}
    for record, datas in pairs:
        for data in datas:
            barcode = normalise_barcode(data.barcode)
            if not barcode or len(barcode) > 64:
                summary.warnings.append(f"item {data.barcode!r}: unusable barcode, not imported")
                continue
            assert record is not None
            wanted[barcode] = (record, data)
    if not wanted:
        return 0, 0
    existing = {item.barcode: item for item in Item.objects.filter(barcode__in=list(wanted))}
    new_items: list[Item] = []
    changed: list[Item] = []
    for barcode, (record, data) in wanted.items():
        library = places.library(data.library_code)
        if library is None:
            summary.warnings.append(
                f"item {barcode}: unknown library {data.library_code!r}, not imported"
            )
            continue
        room = places.room(library, data.location)
        values = {
            "call_number": data.call_number[:120],
            "library": library,
            "reading_room": room,
            "location": data.location[:120],
            "loan_type": _loan_type(data, room),
            "max_loan_days": data.max_loan_days,
            "price": data.price if data.price is None or data.price < Decimal("1e8") else None,
            "note": data.note,
            "public_note": data.public_note,
        }
        item = existing.get(barcode)
        if item is not None:
            if item.record_id != record.pk:
                summary.warnings.append(
                    f"item {barcode}: the barcode belongs to record {item.record_id}, not imported"
                )
                continue
            for name, value in values.items():
                setattr(item, name, value)
            changed.append(item)
        else:
            on_shelf = room is not None and values["loan_type"] == LoanType.READING_ROOM
            status = ItemStatus.ON_SHELF if on_shelf else ItemStatus.AVAILABLE
            new_items.append(Item(record=record, barcode=barcode, status=status, **values))
    Item.objects.bulk_create(new_items, batch_size=BATCH_SIZE)
    if changed:
        Item.objects.bulk_update(changed, ITEM_IMPORT_FIELDS, batch_size=500)
    return len(new_items), len(changed)


def _index(sources: list[tuple[int, BibData | Record]]) -> None:
    """Replace the search entries of records, and add their words to the suggestion vocabulary
    (after the transaction that changed the records committed)."""
    entries = [SearchEntry(record_id=pk, **_entry_for(source)) for pk, source in sources]
    words: set[str] = set()
    for _pk, source in sources:
        words |= vocabulary(source.title, source.subtitle, *source.authors)
    with transaction.atomic():
        SearchEntry.objects.filter(record_id__in=[pk for pk, _source in sources]).delete()
        fast_insert(entries)
        SearchWord.objects.bulk_create(
            [SearchWord(word=word) for word in sorted(words)],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )


def _entry_for(bib: BibData | Record) -> dict[str, str]:
    return entry_fields(
        title=bib.title,
        subtitle=bib.subtitle,
        authors=bib.authors,
        responsibility=bib.responsibility,
        subjects=bib.subjects,
        others=(
            bib.publisher,
            bib.place,
            bib.series,
            bib.edition,
            bib.udc,
            " ".join(bib.classification),
            " ".join(bib.isbns),
            " ".join(bib.issns),
            bib.year,
        ),
    )


def reindex_records(*, record_ids: Iterable[int] | None = None) -> int:
    """Rebuild the search entries of some records (all when ``record_ids`` is None)."""
    queryset = Record.objects.order_by("pk")
    if record_ids is not None:
        queryset = queryset.filter(pk__in=list(record_ids))
    done = 0
    batch: list[Record] = []
    for record in queryset.defer("marc").iterator(chunk_size=BATCH_SIZE):
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            _index([(record.pk, record) for record in batch])
            done += len(batch)
            batch = []
    if batch:
        _index([(record.pk, record) for record in batch])
        done += len(batch)
    return done


# --- Staff upload, processed in the background --------------------------------------------------


def start_marc_upload(
    *, upload: UploadedFile, fmt: str, library: Library | None, staff_user: Any
) -> ImportJob:
    """Store an uploaded file and queue its import after commit."""
    if fmt not in readers.FORMATS:
        raise NotMarcError(_("Unknown MARC format."), code="unknown_format")
    with transaction.atomic():
        job = ImportJob(
            original_name=Path(upload.name or "upload.mrc").name[:255],
            format=fmt,
            library=library,
            size=upload.size or 0,
            started_by=staff_user,
        )
        job.file.save(job.original_name, upload, save=False)
        job.save()
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=staff_user.pk,
            action="catalogue.import_uploaded",
            object_type="catalogue.ImportJob",
            object_id=job.pk,
            library=library,
            detail={"format": fmt, "size": job.size},
        )
        job_id = job.pk

        def enqueue() -> None:
            # Named by path: tasks sit above services in the layers and import them.
            import_string(IMPORT_TASK).enqueue(job_id)

        transaction.on_commit(enqueue)
    return job


def run_import_job(*, job_id: int) -> ImportJob:
    """Run a queued upload (called by the worker task); progress is saved after every batch."""
    # Queued → running in one conditional UPDATE: of two workers given the same job, one runs it.
    started = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    )
    job = ImportJob.objects.select_related("library", "started_by").get(pk=job_id)
    if not started:
        return job

    def progress(summary: ImportSummary) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            processed_bytes=summary.bytes_read,
            read=summary.read,
            created=summary.created,
            updated=summary.updated,
            skipped=summary.skipped,
            failed=summary.failed,
            items=summary.items_created + summary.items_updated,
        )

    try:
        with job.file.open("rb") as handle:
            summary = import_marc(
                handle=handle,
                fmt=job.format,
                library=job.library,
                actor_kind=ActorKind.STAFF if job.started_by_id else ActorKind.SYSTEM,
                actor_id=job.started_by_id or "",
                progress=progress,
            )
    except NotMarcError as error:
        job.refresh_from_db()
        job.status = ImportStatus.FAILED
        job.error = str(error)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.refresh_from_db()
    job.status = ImportStatus.DONE
    job.processed_bytes = job.size
    job.report = summary.report_text()[:1_000_000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "processed_bytes", "report", "finished_at"])
    return job


# --- Items --------------------------------------------------------------------------------------


@dataclass
class ItemChanges:
    call_number: str | None = None
    reading_room: ReadingRoom | None = None
    location: str | None = None
    loan_type: str | None = None
    status: str | None = None
    due_back: date | None = None
    price: Decimal | None = None
    acquired_on: date | None = None
    note: str | None = None
    public_note: str | None = None


def add_item(
    *,
    record: Record,
    barcode: str,
    library: Library,
    staff_user: Any,
    call_number: str = "",
    reading_room: ReadingRoom | None = None,
    location: str = "",
    loan_type: str = LoanType.HOME_LOAN,
    status: str = ItemStatus.AVAILABLE,
    price: Decimal | None = None,
    acquired_on: date | None = None,
    note: str = "",
    public_note: str = "",
) -> Item:
    """Add a copy. The unique normalised barcode is the guard against duplicates."""
    normalised = normalise_barcode(barcode)
    if not normalised or len(normalised) > 64:
        raise InvalidBarcodeError(_("The barcode is empty or too long."))
    if reading_room is not None and reading_room.library_id != library.pk:
        raise UnknownLibraryError(_("The reading room belongs to another library."))
    try:
        with transaction.atomic():
            item = Item.objects.create(
                record=record,
                barcode=normalised,
                library=library,
                call_number=call_number,
                reading_room=reading_room,
                location=location,
                loan_type=loan_type,
                status=status,
                price=price,
                acquired_on=acquired_on,
                note=note,
                public_note=public_note,
            )
            record_audit(
                actor_kind=ActorKind.STAFF,
                actor_id=staff_user.pk,
                action="catalogue.item_added",
                object_type="catalogue.Item",
                object_id=item.pk,
                library=library,
                detail={"record": record.pk, "barcode_item": normalised},
            )
    except IntegrityError as error:
        raise DuplicateBarcodeError(
            _("Another item already has the barcode %(barcode)s.") % {"barcode": normalised}
        ) from error
    return item


def change_item(*, item: Item, changes: ItemChanges, staff_user: Any) -> Item:
    """Change an item's place, loan type or status (staff only)."""
    fields = [name for name, value in vars(changes).items() if value is not None]
    if changes.reading_room is not None and changes.reading_room.library_id != item.library_id:
        raise UnknownLibraryError(_("The reading room belongs to another library."))
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        for name in fields:
            setattr(locked, name, getattr(changes, name))
        if changes.status is not None and changes.status != ItemStatus.ON_LOAN:
            locked.due_back = changes.due_back
            if "due_back" not in fields:
                fields.append("due_back")
        locked.save(update_fields=[*fields, "updated_at"])
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=staff_user.pk,
            action="catalogue.item_changed",
            object_type="catalogue.Item",
            object_id=locked.pk,
            library=locked.library,
            detail={"fields": ",".join(sorted(fields))},
        )
    return locked


# --- Search facts (de-identified) ---------------------------------------------------------------


def record_search(
    *, query: str, found: int, channel: str = Channel.WEB, library: Library | None = None
) -> None:
    """Count a search for ``library`` (by default the portal's); a zero-result search is also a
    demand signal for collection review, kept with its words (folded, at most 60 characters) and
    never with who searched. Both facts are written in one transaction."""
    library = library or get_portal_library()
    if library is None:
        return
    with transaction.atomic():
        record_service_event(kind="search", library=library, channel=channel)
        if found == 0:
            words = " ".join(fold(word) for word in analyzer_words(query))[:60]
            record_service_event(
                kind="search_zero_result", library=library, channel=channel, category=words
            )
