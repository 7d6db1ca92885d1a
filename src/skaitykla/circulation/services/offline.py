"""Offline transactions: a desk that lost its connection keeps a CSV file of what it did and
uploads it later; each row is replayed, in time order, through the same checkout and check-in
services with its real timestamp and the channel ``offline``.

File format (UTF-8, a byte-order mark is accepted; comma or semicolon separated; the header
line is optional)::

    timestamp,action,card,item
    2026-03-02T10:15:00+02:00,checkout,LNB0000001,LV00000001
    2026-03-02 10:40,checkin,,LV00000002

* ``timestamp``: ISO 8601; with an offset (``+02:00``, ``Z``) it is taken as is, without one it
  is the library's local time. Seconds are optional. Not in the future.
* ``action``: ``checkout`` or ``checkin`` (any case).
* ``card``: the reader's card number; required for a checkout, ignored for a check-in.
* ``item``: the item barcode.

Every row becomes an ``OfflineTransaction`` with its outcome: ``done``; ``conflict`` with the
refusal's code (the item is now on loan to someone else, the reader is blocked, …);
``duplicate`` (the same row earlier in this file, or already done from another upload). A line
that cannot be read is reported in the batch's ``error`` text with its line number and a code;
nothing raises. The same file uploaded twice (same SHA-256) returns the first upload and
changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from skaitykla.circulation.choices import (
    CircChannel,
    OfflineBatchStatus,
    OfflineKind,
    OfflineOutcome,
)
from skaitykla.circulation.models import OfflineBatch, OfflineTransaction
from skaitykla.circulation.services.loans import checkin_item, checkout_item
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit
from skaitykla.core.timezones import library_zone

if TYPE_CHECKING:
    from skaitykla.accounts.models import User

logger = logging.getLogger(__name__)

HEADER = ("timestamp", "action", "card", "item")
ACTIONS = {"checkout": OfflineKind.CHECKOUT, "checkin": OfflineKind.CHECKIN}
#: Clock skew tolerated between the offline desk and the server.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_ROWS = 20000


@dataclass(frozen=True)
class LineError:
    line: int
    code: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}"


@dataclass(frozen=True)
class ParsedRow:
    line: int
    at: datetime
    kind: str
    card: str
    item: str


def _parse_timestamp(value: str, library: Library) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=library_zone(library))
    return parsed


def _rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def parse_offline_file(
    file_bytes: bytes, *, library: Library, now: datetime
) -> tuple[list[ParsedRow], list[LineError]]:
    """Read the file into rows and line errors (never raises)."""
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [LineError(0, "not_utf8")]
    try:
        lines = _rows(text)
    except csv.Error:
        return [], [LineError(0, "not_csv")]
    rows: list[ParsedRow] = []
    errors: list[LineError] = []
    for number, fields in enumerate(lines, start=1):
        cells = [cell.strip() for cell in fields]
        if not any(cells):
            continue
        if number == 1 and tuple(cell.lower() for cell in cells[:4]) == HEADER:
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(LineError(number, "too_many_rows"))
            break
        if len(cells) != 4:
            errors.append(LineError(number, "wrong_number_of_fields"))
            continue
        stamp, action, card, item = cells
        at = _parse_timestamp(stamp, library)
        kind = ACTIONS.get(action.lower())
        if at is None:
            errors.append(LineError(number, "bad_timestamp"))
        elif at > now + FUTURE_TOLERANCE:
            errors.append(LineError(number, "timestamp_in_future"))
        elif kind is None:
            errors.append(LineError(number, "bad_action"))
        elif not item:
            errors.append(LineError(number, "item_missing"))
        elif kind == OfflineKind.CHECKOUT and not card:
            errors.append(LineError(number, "card_missing"))
        else:
            rows.append(
                ParsedRow(
                    line=number,
                    at=at,
                    kind=kind,
                    card=card if kind == OfflineKind.CHECKOUT else "",
                    item=item,
                )
            )
    return rows, errors


def import_offline_batch(
    *, file_bytes: bytes, filename: str, library: Library, staff: User | None
) -> OfflineBatch:
    """Store the upload and replay its rows in time order; returns the batch (the earlier one
    when the same file was uploaded before, unchanged)."""
    digest = hashlib.sha256(file_bytes).hexdigest()
    existing = OfflineBatch.objects.filter(digest=digest).first()
    if existing is not None:
        return existing
    now = timezone.now()
    rows, errors = parse_offline_file(file_bytes, library=library, now=now)
    try:
        with transaction.atomic():
            batch = OfflineBatch.objects.create(
                digest=digest,
                file_name=filename[:255],
                library=library,
                uploaded_by=staff,
                status=OfflineBatchStatus.PROCESSING,
                rows_total=len(rows) + len(errors),
                rows_failed=len(errors),
                error="\n".join(str(error) for error in errors),
            )
            OfflineTransaction.objects.bulk_create(
                [
                    OfflineTransaction(
                        batch=batch,
                        row_number=row.line,
                        at=row.at,
                        kind=row.kind,
                        card_barcode=row.card[:40],
                        item_barcode=row.item[:64],
                    )
                    for row in rows
                ]
            )
            record_audit(
                actor_kind="staff" if staff is not None else "system",
                actor_id=staff.pk if staff is not None else "",
                action="circulation.offline_uploaded",
                object_type="circulation.offlinebatch",
                object_id=batch.pk,
                library=library,
                detail={"rows": len(rows), "malformed": len(errors)},
            )
    except IntegrityError:  # the same file, uploaded at the same moment by someone else
        return OfflineBatch.objects.get(digest=digest)
    return process_offline_batch(batch=batch, staff=staff)


def _already_done(row: OfflineTransaction) -> bool:
    """The same transaction was replayed from another upload."""
    return (
        OfflineTransaction.objects.filter(
            at=row.at,
            kind=row.kind,
            item_barcode=row.item_barcode,
            card_barcode=row.card_barcode,
            outcome=OfflineOutcome.DONE,
        )
        .exclude(batch_id=row.batch_id)
        .exists()
    )


def _replay(row: OfflineTransaction, *, library: Library, staff: User | None) -> None:
    if row.kind == OfflineKind.CHECKOUT:
        loan = checkout_item(
            item_barcode=row.item_barcode,
            card_barcode=row.card_barcode,
            library=library,
            staff=staff,
            channel=CircChannel.OFFLINE,
            at=row.at,
        )
        row.loan = loan
        row.reader_id = loan.reader_id
    else:
        result = checkin_item(
            item_barcode=row.item_barcode,
            library=library,
            staff=staff,
            channel=CircChannel.OFFLINE,
            at=row.at,
        )
        row.loan = result.loan
        row.reader_id = result.loan.reader_id if result.loan is not None else None


def process_offline_batch(*, batch: OfflineBatch, staff: User | None = None) -> OfflineBatch:
    """Replay the batch's pending rows in time order (earliest first, then line order)."""
    library = batch.library
    seen: set[tuple[object, ...]] = set(
        batch.transactions.exclude(outcome=OfflineOutcome.PENDING).values_list(
            "at", "kind", "card_barcode", "item_barcode"
        )
    )
    pending = batch.transactions.filter(outcome=OfflineOutcome.PENDING).order_by("at", "row_number")
    for row in list(pending):
        key = (row.at, row.kind, row.card_barcode, row.item_barcode)
        if key in seen or _already_done(row):
            row.outcome = OfflineOutcome.DUPLICATE
            row.error_code = "duplicate_row"
        else:
            seen.add(key)
            try:
                _replay(row, library=library, staff=staff)
            except DomainError as refusal:
                row.outcome = OfflineOutcome.CONFLICT
                row.error_code = refusal.code[:60]
            except Exception as failure:  # a bug must not stop the rest of the file
                logger.exception("offline row %s of batch %s failed", row.row_number, batch.pk)
                row.outcome = OfflineOutcome.ERROR
                row.error_code = f"internal:{type(failure).__name__}"[:60]
            else:
                row.outcome = OfflineOutcome.DONE
        row.processed_at = timezone.now()
        row.save(update_fields=["outcome", "error_code", "processed_at", "loan", "reader"])
    rows = batch.transactions.all()
    batch.rows_done = rows.filter(outcome=OfflineOutcome.DONE).count()
    malformed = len([line for line in batch.error.splitlines() if line.strip()])
    batch.rows_failed = rows.exclude(outcome=OfflineOutcome.DONE).count() + malformed
    batch.status = OfflineBatchStatus.DONE
    batch.processed_at = timezone.now()
    batch.save(update_fields=["rows_done", "rows_failed", "status", "processed_at"])
    return batch


@dataclass(frozen=True)
class ExceptionLine:
    line: int
    code: str
    kind: str = ""
    item_barcode: str = ""


def offline_exceptions(batch: OfflineBatch) -> list[ExceptionLine]:
    """The exceptions report: every row that was not done, and every unreadable line, by
    line number."""
    report = [
        ExceptionLine(row.row_number, row.error_code or row.outcome, row.kind, row.item_barcode)
        for row in batch.transactions.exclude(outcome=OfflineOutcome.DONE)
    ]
    for text in batch.error.splitlines():
        head, _sep, code = text.partition(": ")
        number = head.removeprefix("line ").strip()
        report.append(ExceptionLine(int(number) if number.isdigit() else 0, code.strip()))
    return sorted(report, key=lambda entry: entry.line)
