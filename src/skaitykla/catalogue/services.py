"""Every state change of the catalogue: MARC import, items, the search index, upload jobs.

The search index is written after commit (``transaction.on_commit``), never inside the
transaction that changed the records, and never by circulation: availability is read live.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from skaitykla.catalogue.bulk import insert_rows
from skaitykla.catalogue.choices import ImportStatus, ItemStatus, LoanType
from skaitykla.catalogue.errors import (
    DuplicateBarcodeError,
    InvalidBarcodeError,
    NotMarcError,
    UnknownLibraryError,
)
from skaitykla.catalogue.marc import readers
from skaitykla.catalogue.marc.mapping import BibData, ItemData
from skaitykla.catalogue.marc.prepare import RECORD_FIELDS as PREPARED_RECORD_FIELDS
from skaitykla.catalogue.marc.prepare import Prepared, prepare, prepare_chunks, record_values
from skaitykla.catalogue.models import (
    ImportJob,
    Item,
    Record,
    RecordKey,
    SearchEntry,
    SearchWord,
    normalise_barcode,
)
from skaitykla.catalogue.search.analyzer import MAX_WORD, fold
from skaitykla.catalogue.search.analyzer import words as analyzer_words
from skaitykla.catalogue.search.documents import RecordFacts, record_entry, vocabulary
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.selectors import get_portal_library
from skaitykla.core.services import record_audit, record_service_event

BATCH_SIZE = 1000
#: ISO 2709 files from this size on are parsed, mapped and analysed in worker processes.
PARALLEL_FROM_BYTES = 16 * 1024 * 1024
#: Records per worker task, and tasks in flight per worker (bounds memory on a huge file).
WORKER_TASK = 250
WORKER_BACKLOG = 4
#: The most suggestion words one import remembers having written (then it forgets them).
KNOWN_WORDS_LIMIT = 1_000_000
#: Committed batches whose search entries may wait for the index writer.
INDEX_BACKLOG = 2
#: One record's search entry: id, weighted texts, suggestion words, the copied record facts.
IndexEntry = tuple[int, dict[str, str], set[str], RecordFacts]
IMPORT_TASK = "skaitykla.catalogue.tasks.import_marc_file"
RECORD_FIELDS = list(PREPARED_RECORD_FIELDS)
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
    prepared: Prepared
    target: int | None = None  # existing record id
    same_as: int | None = None  # index of an earlier pending record in this batch

    @property
    def bib(self) -> BibData:
        assert self.prepared.bib is not None  # failures never become pending records
        return self.prepared.bib


class _IndexWriter:
    """Writes the search entries of committed batches in a thread on its own connection, in
    order, while the importing thread goes on with the next batch (PostgreSQL: the second
    backend's index upkeep overlaps with this one's writing). Still after each commit, as
    everywhere. At most :data:`INDEX_BACKLOG` batches wait; the first error stops the writing
    and the import (raised in the importing thread before its next batch, or at the end).
    A reindex (``reindex_records``) rebuilds what is missing."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.error: BaseException | None = None
        self.queue: queue.Queue[list[IndexEntry] | None] = queue.Queue(maxsize=INDEX_BACKLOG)
        self.thread = threading.Thread(target=self._run, name="catalogue-index", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (entries := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        _index(entries, known=self.known)
                    except BaseException as error:  # handed to the importing thread
                        self.error = error
        finally:
            connection.close()  # this thread's own connection

    def submit(self, entries: list[IndexEntry]) -> None:
        self.queue.put(entries)

    def check(self) -> None:
        """Raise the writer's error, if any (between batches: never inside a transaction)."""
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


class _Places:
    """Libraries and reading rooms by code, looked up once per import (and the suggestion words
    this import already wrote, and where its search entries go)."""

    def __init__(self, default: Library | None) -> None:
        self.default = default
        self.known_words: set[str] = set()
        self.index_writer: _IndexWriter | None = None
        self.outside_transaction = not connection.in_atomic_block
        self.index_error: DatabaseError | None = None
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

    def index(self, entries: list[IndexEntry]) -> None:
        """Write the search entries of a committed batch (here, or by the index writer). An
        import that runs outside a transaction keeps an error for :meth:`check`: raised from
        here it would look like a refused batch to ``_import_batch``."""
        if self.index_writer is not None:
            self.index_writer.submit(entries)
            return
        if not self.outside_transaction:
            _index(entries, known=self.known_words)  # an error reaches the outer commit
            return
        if self.index_error is None:
            try:
                _index(entries, known=self.known_words)
            except DatabaseError as error:
                self.index_error = error

    def check(self) -> None:
        """Raise the first error in writing the search entries (between batches)."""
        if self.index_writer is not None:
            self.index_writer.check()
        if self.index_error is not None:
            raise self.index_error


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
    workers: int | None = None,
) -> ImportSummary:
    """Import a MARC file, streaming, in batches. Raises :class:`NotMarcError` for a file that
    is not MARC at all; any single bad record becomes a line in ``summary.failures``.

    ``workers``: processes that parse, map and analyse an ISO 2709 file while this one writes
    (default: two for a file of :data:`PARALLEL_FROM_BYTES` or more on a multi-core machine, else
    none: everything runs here)."""
    if fmt not in readers.FORMATS:
        raise NotMarcError(_("Unknown MARC format."), code="unknown_format")
    summary = ImportSummary(dry_run=dry_run)
    places = _Places(library)
    batch: list[Prepared] = []
    if not dry_run and connection.vendor == "postgresql" and places.outside_transaction:
        places.index_writer = _IndexWriter(places.known_words)
    try:
        for prepared in _prepared_records(handle, fmt, items_from, workers):
            summary.read += 1
            summary.bytes_read = max(summary.bytes_read, prepared.end)
            batch.append(prepared)
            if len(batch) >= batch_size:
                places.check()
                _import_batch(batch, summary, places, dry_run=dry_run)
                batch = []
                if progress:
                    progress(summary)
        if batch:
            _import_batch(batch, summary, places, dry_run=dry_run)
        if places.index_writer:
            places.index_writer.stop()  # every entry written (or its error kept) here
        places.check()
    finally:
        if places.index_writer:
            places.index_writer.stop()
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


def _size(handle: IO[bytes]) -> int:
    try:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(0)
    except (OSError, ValueError):
        return 0
    return size


def _prepared_records(
    handle: IO[bytes], fmt: str, items_from: str, workers: int | None
) -> Iterator[Prepared]:
    """Every record of the file, prepared for the writer, in file order."""
    container = readers.container(handle, fmt)
    if workers is None:
        big = _size(handle) >= PARALLEL_FROM_BYTES
        workers = 2 if big and (os.cpu_count() or 1) > 1 else 0
    pool = None
    if container == "iso2709" and workers > 0:
        # Spawned (not forked) workers: nothing of this process (connections, threads) is copied.
        try:
            pool = multiprocessing.get_context("spawn").Pool(workers)
        except OSError:  # no processes here (a sandbox, no /dev/shm): read in this one
            pool = None
    if pool is None:
        for parsed in readers.read(handle, fmt):
            yield prepare(parsed, items_from)
        return
    force = readers.force_unimarc(fmt)
    with pool:
        in_flight: deque[Any] = deque()
        task: list[readers.RawChunk] = []
        for raw in readers.raw_iso2709(handle):
            task.append(raw)
            if len(task) >= WORKER_TASK:
                in_flight.append(pool.apply_async(prepare_chunks, ((task, force, items_from),)))
                task = []
                if len(in_flight) >= workers * WORKER_BACKLOG:
                    yield from in_flight.popleft().get()
        if task:
            in_flight.append(pool.apply_async(prepare_chunks, ((task, force, items_from),)))
        while in_flight:
            yield from in_flight.popleft().get()


def _pending(batch: list[Prepared], summary: ImportSummary) -> list[_Pending]:
    pending = []
    for prepared in batch:
        if prepared.bib is None:
            summary.failed += 1
            summary.failures.append(
                ImportFailure(
                    prepared.number, prepared.offset, prepared.control_number, prepared.error
                )
            )
            continue
        for note in prepared.warnings:
            summary.warnings.append(f"record {prepared.number}: {note}")
        pending.append(_Pending(prepared=prepared))
    return pending


def _match(pending: list[_Pending]) -> None:
    """Find the existing record (or an earlier record of this batch) each record duplicates."""
    wanted: dict[str, set[str]] = {}
    for entry in pending:
        for kind, value in entry.prepared.keys:
            wanted.setdefault(kind, set()).add(value)
    found: dict[tuple[str, str], int] = {}
    for kind, value, record_id in _existing_keys(wanted):
        found.setdefault((kind, value), record_id)
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(pending):
        keys = entry.prepared.keys
        for key in keys:
            if key in found:
                entry.target = found[key]
                break
            if key in seen:
                entry.same_as = seen[key]
                break
        for key in keys:
            seen.setdefault(key, index)


def _existing_keys(wanted: dict[str, set[str]]) -> list[tuple[str, str, int]]:
    """(kind, value, record) of the stored keys among ``wanted``, oldest record first: one
    set-based lookup per batch (an array per key kind on PostgreSQL)."""
    if not wanted:
        return []
    if connection.vendor == "postgresql":
        parts = []
        params: list[Any] = []
        for kind, values in wanted.items():
            parts.append(
                "SELECT kind, value, record_id FROM catalogue_recordkey "
                "WHERE kind = %s AND value = ANY(%s::text[])"
            )
            params += [kind, sorted(values)]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 3", params)
            return cursor.fetchall()
    query = Q(pk__in=[])
    for kind, values in wanted.items():
        query |= Q(kind=kind, value__in=values)
    return list(
        RecordKey.objects.filter(query)
        .order_by("record_id")
        .values_list("kind", "value", "record_id")
    )


def _import_batch(
    batch: list[Prepared],
    summary: ImportSummary,
    places: _Places,
    *,
    dry_run: bool,
) -> None:
    pending = _pending(batch, summary)
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
                        entry.prepared.number,
                        entry.prepared.offset,
                        entry.bib.control_number,
                        f"the database refused the record: {str(error).splitlines()[0][:200]}",
                    )
                )


@dataclass
class _NewRecord:
    """A record this batch creates: the last version of it in the batch wins."""

    prepared: Prepared
    pk: int = 0


def _set_values(record: Record, prepared: Prepared) -> None:
    assert prepared.bib is not None  # failures never become pending records
    for name, value in record_values(prepared.bib, prepared.marc).items():
        setattr(record, name, value)


def _write(pending: list[_Pending], summary: ImportSummary, places: _Places) -> None:
    """Write one batch inside the caller's transaction; the index follows after commit."""
    existing_ids = {entry.target for entry in pending if entry.target is not None}
    existing = {
        record.pk: record
        for record in Record.objects.filter(pk__in=existing_ids).only("pk", "marc")
    }
    created: list[_NewRecord] = []  # no model instances: speed
    updated: dict[int, Record] = {}
    slots: list[Record | _NewRecord] = []  # the record each pending entry became
    counts = {"created": 0, "updated": 0, "skipped": 0}
    for entry in pending:
        slot: Record | _NewRecord
        if entry.same_as is not None:
            slot = slots[entry.same_as]
            if isinstance(slot, _NewRecord):
                slot.prepared = entry.prepared
            else:
                _set_values(slot, entry.prepared)
                updated[slot.pk] = slot
            counts["updated"] += 1
        elif entry.target is not None and entry.target in existing:
            slot = existing[entry.target]
            if slot.marc == entry.prepared.marc and not entry.bib.items:
                counts["skipped"] += 1
            else:
                _set_values(slot, entry.prepared)
                updated[slot.pk] = slot
                counts["updated"] += 1
        else:
            slot = _NewRecord(entry.prepared)
            created.append(slot)
            counts["created"] += 1
        slots.append(slot)
    new_ids = _insert_records([new.prepared for new in created])
    for new, new_id in zip(created, new_ids, strict=True):
        new.pk = new_id
    if updated:
        Record.objects.bulk_update(list(updated.values()), RECORD_FIELDS, batch_size=500)
        RecordKey.objects.filter(record_id__in=list(updated)).delete()
    pks = [slot.pk for slot in slots]
    # The last version of each record in this batch wins; only new or changed records get keys
    # and a fresh search entry.
    latest: dict[int, Prepared] = {}
    for entry, pk in zip(pending, pks, strict=True):
        latest[pk] = entry.prepared
    changed_ids = set(new_ids) | set(updated)
    changed = [(pk, prepared) for pk, prepared in latest.items() if pk in changed_ids]
    keys = [(pk, kind, value) for pk, prepared in changed for kind, value in prepared.keys]
    insert_rows(RecordKey, ("record_id", "kind", "value"), keys)
    items_created, items_updated = _write_items(
        [(pk, entry.bib.items) for entry, pk in zip(pending, pks, strict=True)],
        summary,
        places,
    )
    summary.created += counts["created"]
    summary.updated += counts["updated"]
    summary.skipped += counts["skipped"]
    summary.items_created += items_created
    summary.items_updated += items_updated
    entries = [(pk, prepared.entry, prepared.words, prepared.facts) for pk, prepared in changed]
    transaction.on_commit(lambda: places.index(entries))


def _insert_records(records: list[Prepared]) -> list[int]:
    """Insert new records, their ids back in order. On PostgreSQL the rows the workers made
    ready for ``COPY`` go as they are (the timestamps are converted once per batch)."""
    now = timezone.now()
    names = ("created_at", "updated_at", *RECORD_FIELDS)
    if connection.vendor == "postgresql":
        stamp = Record._meta.get_field("created_at").get_db_prep_save(now, connection)
        rows = [(stamp, stamp, *prepared.row) for prepared in records]
        return insert_rows(Record, names, rows, returning_ids=True, ready=True)
    values = [
        record_values(prepared.bib, prepared.marc)
        for prepared in records
        if prepared.bib is not None
    ]
    rows = [(now, now, *(value[name] for name in RECORD_FIELDS)) for value in values]
    return insert_rows(Record, names, rows, returning_ids=True)


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
    pairs: list[tuple[int, list[ItemData]]], summary: ImportSummary, places: _Places
) -> tuple[int, int]:
    wanted: dict[str, tuple[int, ItemData]] = {}
    for record_id, datas in pairs:
        for data in datas:
            barcode = normalise_barcode(data.barcode)
            if not barcode or len(barcode) > 64:
                summary.warnings.append(f"item {data.barcode!r}: unusable barcode, not imported")
                continue
            wanted[barcode] = (record_id, data)
    if not wanted:
        return 0, 0
    existing = {item.barcode: item for item in Item.objects.filter(barcode__in=list(wanted))}
    new_items: list[Item] = []
    changed: list[Item] = []
    for barcode, (record_id, data) in wanted.items():
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
            if item.record_id != record_id:
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
            new_items.append(Item(record_id=record_id, barcode=barcode, status=status, **values))
    Item.objects.bulk_create(new_items, batch_size=BATCH_SIZE)
    if changed:
        Item.objects.bulk_update(changed, ITEM_IMPORT_FIELDS, batch_size=500)
    return len(new_items), len(changed)


_ENTRY_FIELDS = (
    "record_id",
    "title",
    "authors",
    "subjects",
    "other",
    "language",
    "material_type",
    "year",
)


def _index(
    entries: list[IndexEntry],
    *,
    known: set[str] | None = None,
) -> None:
    """Replace the search entries of records, and add their words to the suggestion vocabulary
    (after the transaction that changed the records committed; an entry written in between, by
    a reindex in the same transaction, is replaced too). ``known``: words this import already
    wrote (skipped, then remembered)."""
    rows = [
        (pk, entry["title"], entry["authors"], entry["subjects"], entry["other"], *facts)
        for pk, entry, _words, facts in entries
    ]
    words: set[str] = set()
    for _pk, _entry, entry_words, _facts in entries:
        words |= entry_words
    if known is not None:
        words -= known
        if len(known) > KNOWN_WORDS_LIMIT:
            known.clear()
        known |= words
    with transaction.atomic():
        _delete_entries([pk for pk, _entry, _words, _facts in entries])
        insert_rows(SearchEntry, _ENTRY_FIELDS, rows)
        _add_words(sorted(words))


def _delete_entries(record_ids: list[int]) -> None:
    if connection.vendor == "postgresql":  # one array, not 1,000 quoted parameters
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM catalogue_searchentry WHERE record_id = ANY(%s::bigint[])",
                ["{" + ",".join(str(int(pk)) for pk in record_ids) + "}"],
            )
        return
    SearchEntry.objects.filter(record_id__in=record_ids).delete()


def _add_words(words: list[str]) -> None:
    words = [word for word in words if len(word) <= MAX_WORD]
    if not words:
        return
    if connection.vendor == "postgresql":  # one set-based statement instead of 1,000-row INSERTs
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO catalogue_searchword (word, frequency) "
                "SELECT unnest(%s::text[]), 1 ON CONFLICT (word) DO NOTHING",
                [words],
            )
        return
    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in words], batch_size=BATCH_SIZE, ignore_conflicts=True
    )


def _stored_entry(record: Record) -> IndexEntry:
    words = vocabulary(record.title, record.subtitle, *record.authors)
    facts = (record.language, record.material_type, record.year)
    return record.pk, record_entry(record), words, facts


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
            _index([_stored_entry(record) for record in batch])
            done += len(batch)
            batch = []
    if batch:
        _index([_stored_entry(record) for record in batch])
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
