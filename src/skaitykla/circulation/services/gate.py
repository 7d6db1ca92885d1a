"""Pieces every circulation service shares: row locks in one global order, the override
gate, the reader checks, the audit row and the de-identified statistics fact.

Lock order (every service, to rule out deadlocks): reader row → item row → record row →
anything else. On PostgreSQL rows are locked with ``SELECT … FOR NO KEY UPDATE``: it
serialises the services like ``FOR UPDATE`` but does not block the ``FOR KEY SHARE`` that a
foreign-key check takes. That matters: Django's foreign keys are deferred, so a transaction that
renumbers other readers' holds re-checks their reader keys at COMMIT; under ``FOR UPDATE`` that
check would wait for a reader locked by a transaction that waits for our record lock (a
deadlock seen in the 30-reader hold test). SQLite runs every transaction as
``BEGIN IMMEDIATE`` (core settings), so writers are serialised already.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection

from skaitykla.accounts.models import User
from skaitykla.catalogue.models import Item, Record
from skaitykla.catalogue.models import normalise_barcode as normalise_item_barcode
from skaitykla.circulation.choices import QUEUED_HOLD_STATUSES, CircChannel
from skaitykla.circulation.errors import (
    CardLostError,
    CirculationError,
    OverrideNotPermittedError,
    ReaderBlockedError,
    ReaderExpiredError,
    ReaderNotFoundError,
    ReaderPendingError,
)
from skaitykla.circulation.models import Hold
from skaitykla.circulation.selectors import reader_blocked
from skaitykla.core import hot_statements
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.joined_reads import JoinedRead
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Card, Reader
from skaitykla.patrons.normalisation import normalise_barcode
from skaitykla.patrons.selectors import age_band

OVERRIDE_PERMISSION = "circulation.override_refusal"

#: Statistics channel for each circulation channel.
STATS_CHANNEL: dict[str, str] = {
    CircChannel.DESK: Channel.IN_PERSON,
    CircChannel.SIP2: Channel.KIOSK,
    CircChannel.API: Channel.WEB,
    CircChannel.PORTAL: Channel.WEB,
    CircChannel.OFFLINE: Channel.IN_PERSON,
    CircChannel.SYSTEM: "",
}


def check_channel(channel: str) -> str:
    if channel not in CircChannel.values:
        raise ValueError(f"unknown circulation channel {channel!r}")
    return channel


# --- Locks -------------------------------------------------------------------------------------


#: Record columns circulation never reads: left in the database (the source MARC alone is
#: kilobytes a row, and every JSON column costs a decode).
UNUSED_RECORD_FIELDS = (
    "record__marc",
    "record__authors",
    "record__isbns",
    "record__issns",
    "record__subjects",
    "record__classification",
    "record__system_numbers",
)

# The locked reads every transaction makes, compiled once (core.joined_reads): the same rows,
# joins and locks as ``select_for_update(of=…, no_key=True).select_related(…)``.
_READER = JoinedRead(Reader, related=("category", "home_library"), lock_of=("self",))
_READER_BY_CARD = JoinedRead(
    Card, related=("reader__category", "reader__home_library"), lock_of=("reader",)
)
_ITEM = JoinedRead(
    Item,
    related=("record", "library", "reading_room"),
    defer=UNUSED_RECORD_FIELDS,
    lock_of=("self",),
)


def lock_reader(reader_id: int) -> Reader:
    reader = _READER.first("t0.id = %s", [reader_id])
    if reader is None:
        raise Reader.DoesNotExist(f"no reader {reader_id}")
    return reader


def lock_reader_by_card_then_item(
    card_barcode: str, item_barcode: str
) -> tuple[Reader, Card, Item | None]:
    """The card's reader, locked, then the scanned item, locked (None: no such item), in one
    statement: the reader is locked first, as everywhere."""
    found = _READER_BY_CARD.first_then(
        "t0.barcode = %s",
        _ITEM,
        "t0.barcode = %s",
        [normalise_barcode(card_barcode or ""), normalise_item_barcode(item_barcode or "")],
    )
    card, item = found if found is not None else (None, None)
    if card is None or card.reader.status == ReaderStatus.ANONYMISED:
        raise ReaderNotFoundError()
    if card.state != CardState.ACTIVE:
        raise CardLostError()
    return card.reader, card, item


def lock_reader_then_item(reader_id: int, item_barcode: str) -> tuple[Reader, Item | None]:
    """``lock_reader``, then the item by its barcode (None: no such item), in one statement."""
    found = _READER.first_then(
        "t0.id = %s",
        _ITEM,
        "t0.barcode = %s",
        [reader_id, normalise_item_barcode(item_barcode)],
    )
    if found is None:
        raise Reader.DoesNotExist(f"no reader {reader_id}")
    return found


def lock_reader_and_item(reader_id: int, item_id: int) -> tuple[Reader, Item]:
    """``lock_reader``, then ``lock_item``, in one statement."""
    found = _READER.first_then("t0.id = %s", _ITEM, "t0.id = %s", [reader_id, item_id])
    if found is None:
        raise Reader.DoesNotExist(f"no reader {reader_id}")
    reader, item = found
    if item is None:
        raise Item.DoesNotExist(f"no item {item_id}")
    return reader, item


def lock_borrower_and_item(reader_id: int | None, item_id: int) -> tuple[Reader | None, Item]:
    """The borrower (if the item has one) and the item, locked in that order: one statement
    with a borrower, the item alone without."""
    if reader_id is None:
        return None, lock_item(item_id)
    return lock_reader_and_item(reader_id, item_id)


def lock_item(item_id: int) -> Item:
    item = _ITEM.first("t0.id = %s", [item_id])
    if item is None:
        raise Item.DoesNotExist(f"no item {item_id}")
    return item


def lock_record(record_id: int) -> bool:
    """Lock the record row (it serialises its hold queue). Returns whether the record has
    queued holds (waiting or suspended), read in the same statement."""
    lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else ""
    statuses = [str(status) for status in QUEUED_HOLD_STATUSES]
    marks = ", ".join(["%s"] * len(statuses))
    with connection.cursor() as cursor:
        hot_statements.execute(
            cursor,
            f"SELECT EXISTS (SELECT 1 FROM {Hold._meta.db_table} h"  # noqa: S608 - identifiers
            f" WHERE h.record_id = r.id AND h.status IN ({marks}))"
            f" FROM {Record._meta.db_table} r WHERE r.id = %s{lock}",
            [*statuses, record_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Record.DoesNotExist(f"no record {record_id}")
    return bool(row[0])


# --- Overrides ---------------------------------------------------------------------------------


@dataclass
class Gate:
    """Collects refusals: an overridable one named in ``override`` by a permitted staff member
    passes (and is audited later); any other is raised."""

    override: frozenset[str]
    staff: User | None
    passed: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, *, override: Collection[str], staff: User | None) -> Gate:
        wanted = frozenset(override)
        if wanted and (staff is None or not staff.has_perm(OVERRIDE_PERMISSION)):
            raise OverrideNotPermittedError()
        return cls(override=wanted, staff=staff)

    def refuse(self, error: CirculationError) -> None:
        if error.overridable and error.code in self.override:
            if error.code not in self.passed:
                self.passed.append(error.code)
            return
        raise error

    def audit_overrides(
        self, *, object_type: str, object_id: object, library: Library, action: str
    ) -> None:
        for code in self.passed:
            record_audit(
                actor_kind=ActorKind.STAFF,
                actor_id=self.staff.pk if self.staff else "",
                action="circulation.override",
                object_type=object_type,
                object_id=object_id,
                library=library,
                detail={"code": code, "for": action},
            )


# --- Reader checks -----------------------------------------------------------------------------


def reader_by_card(card_barcode: str) -> tuple[Reader, Card]:
    card = (
        Card.objects.select_related("reader")
        .filter(barcode=normalise_barcode(card_barcode or ""))
        .first()
    )
    if card is None or card.reader.status == ReaderStatus.ANONYMISED:
        raise ReaderNotFoundError()
    if card.state != CardState.ACTIVE:
        raise CardLostError()
    return card.reader, card


def check_reader(
    gate: Gate | None,
    reader: Reader,
    *,
    day: date,
    action: str,
    card: Card | None = None,
    blocked: bool | None = None,
) -> None:
    """Status, expiry and manual blocks. ``action``: loans, holds or renewals. ``blocked``:
    the block check already made (``selectors.scan_standing``)."""
    if reader.status == ReaderStatus.ANONYMISED:
        raise ReaderNotFoundError()
    if reader.status == ReaderStatus.PENDING:
        raise ReaderPendingError()
    if card is not None and card.state != CardState.ACTIVE:
        raise CardLostError()
    valid_until = card.valid_until if card is not None else None
    if reader.status == ReaderStatus.EXPIRED or (valid_until is not None and valid_until < day):
        raise ReaderExpiredError()
    if blocked is None:
        blocked = _blocked(reader, day, action)
    if reader.status == ReaderStatus.BLOCKED or blocked:
        raise ReaderBlockedError()


def _blocked(reader: Reader, day: date, action: str) -> bool:
    return reader_blocked(reader_id=reader.pk, action=action, day=day)


def active_card(reader: Reader) -> Card | None:
    return Card.objects.filter(reader=reader, state=CardState.ACTIVE).first()


# --- Audit and statistics ----------------------------------------------------------------------


def actor_of(staff: User | None, reader: Reader | None, channel: str) -> tuple[str, Any]:
    if staff is not None:
        return ActorKind.STAFF, staff.pk
    if channel == CircChannel.SIP2:
        return ActorKind.KIOSK, ""
    if reader is not None and channel == CircChannel.PORTAL:
        return ActorKind.READER, reader.pk
    return ActorKind.SYSTEM, ""


def audit(
    action: str,
    *,
    staff: User | None,
    reader: Reader | None = None,
    channel: str = CircChannel.SYSTEM,
    object_type: str,
    object_id: object,
    library: Library | None,
    **detail: object,
) -> None:
    kind, actor_id = actor_of(staff, reader, channel)
    record_audit(
        actor_kind=kind,
        actor_id=actor_id,
        action=f"circulation.{action}",
        object_type=object_type,
        object_id=object_id,
        library=library,
        detail={"channel": channel, **detail},
    )


def reader_snapshot(reader: Reader | None, day: date) -> tuple[str, str]:
    """(category code, age band) for de-identified statistics."""
    if reader is None:
        return "", ""
    return reader.category.code, age_band(reader.age_on(day))


def fact(
    kind: str,
    *,
    library: Library,
    channel: str,
    at: datetime,
    category_code: str = "",
    band: str = "",
    category: str = "",
    place: str = "",
) -> None:
    record_service_event(
        kind=kind,
        library=library,
        channel=STATS_CHANNEL.get(channel, ""),
        reader_category=category_code,
        age_band=band,
        category=category,
        place=place,
        at=at,
    )
