"""Reads of the patrons app: readers, cards, search, blocks, occupancy and the data export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import F, Model, Q, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone

from skaitykla.core.choices import AgeBand
from skaitykla.core.models import ReadingRoom
from skaitykla.core.timezones import (
    library_today,  # noqa: F401 (used as selectors.library_today)
)
from skaitykla.patrons import data_rights
from skaitykla.patrons.choices import CardState, ReaderStatus, VisitOutcome
from skaitykla.patrons.errors import ReaderNotFoundError
from skaitykla.patrons.models import (
    Block,
    Card,
    Consent,
    IdentityVerification,
    Reader,
    ReaderCategory,
    ReaderPolicy,
    RoomPermission,
    Visit,
)
from skaitykla.patrons.normalisation import fold, normalise_barcode

SEARCH_LIMIT = 20
#: Larger than any character: ``key < prefix + _TOP`` closes a prefix range.
_TOP = "\U0010ffff"


def get_policy() -> ReaderPolicy:
    """The reader policy row (its defaults when the row is missing)."""
    return ReaderPolicy.objects.filter(pk=1).first() or ReaderPolicy(pk=1)


def get_reader(*, reader_id: int | str) -> Reader:
    try:
        return Reader.objects.select_related("category", "home_library", "guardian").get(
            pk=int(reader_id)
        )
    except (Reader.DoesNotExist, ValueError, TypeError):
        raise ReaderNotFoundError("No such reader.") from None


def get_card(*, barcode: str) -> Card | None:
    normalised = normalise_barcode(barcode)
    if not normalised:
        return None
    return (
        Card.objects.select_related("reader", "reader__category", "reader__home_library")
        .filter(barcode=normalised)
        .first()
    )


def list_categories(*, active_only: bool = True) -> QuerySet[ReaderCategory]:
    queryset = ReaderCategory.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def default_category() -> ReaderCategory | None:
    return ReaderCategory.objects.filter(is_default=True, is_active=True).first()


def _by_prefix(queryset: QuerySet[Any], field: str, prefix: str, limit: int) -> list[Any]:
    """Rows whose ``field`` starts with ``prefix``, in key order, read straight off an index.

    A range ``prefix <= key < prefix + U+10FFFF`` ordered by (key, id) lets the database walk
    the index and stop after ``limit`` rows, however many readers share a common surname.
    SQLite compares bytes (BINARY) and uses the column's index. PostgreSQL compares with the
    database's collation, so there the range and the order use ``COLLATE "C"`` (code point
    order) with the matching expression indexes from migration 0003.
    """
    upper = prefix + _TOP
    if connection.vendor == "postgresql":
        keyed = queryset.alias(key=Collate(F(field), "C"))
        return list(keyed.filter(key__gte=prefix, key__lt=upper).order_by("key", "id")[:limit])
    return list(
        queryset.filter(**{f"{field}__gte": prefix, f"{field}__lt": upper}).order_by(field, "id")[
            :limit
        ]
    )


def _search(base: QuerySet[Any], query: str, limit: int, pk_of: Any) -> list[Any]:
    """The search rules shared by ``search_readers`` and ``search_reader_rows``."""
    query = (query or "").strip()
    if not query:
        return []
    base = base.exclude(status=ReaderStatus.ANONYMISED)
    barcode = normalise_barcode(query)
    if barcode and any(char.isdigit() for char in barcode):
        by_card = list(base.filter(cards__barcode=barcode).order_by()[:1])
        if by_card:
            return by_card
    key = fold(query)
    if not key:
        return []
    if "@" in key:
        return _by_prefix(base, "email_key", key, limit)
    found = _by_prefix(base, "name_key", key, limit)
    if len(found) < limit:
        seen = {pk_of(row) for row in found}
        more = _by_prefix(base, "name_key_alt", key, limit)
        found.extend(row for row in more if pk_of(row) not in seen)
    return found[:limit]


def search_readers(*, query: str, limit: int = SEARCH_LIMIT) -> list[Reader]:
    """Find readers by card number (exact, any written form), e-mail or name prefix.

    Accent- and case-insensitive: "zemaite" finds "Žemaitė". Surname-first matches come first
    ("last first"), then first-name-first ones. Anonymised readers are never found.
    """
    base = Reader.objects.select_related("category", "home_library")
    return _search(base, query, limit, lambda reader: reader.pk)


class ReaderRow(NamedTuple):
    """One line of the staff search results: only what the list shows."""

    pk: int
    last_name: str
    first_name: str
    birth_date: date | None
    status: str
    category_name: str


def search_reader_rows(*, query: str, limit: int = SEARCH_LIMIT) -> list[ReaderRow]:
    """``search_readers`` for the staff results list: the same rules, plain rows, no objects.

    The search page answers in a few milliseconds because it fetches six columns as tuples
    instead of three joined models (benchmarks/readers_bench.py, "page").
    """
    base = Reader.objects.values_list(
        "pk", "last_name", "first_name", "birth_date", "status", "category__name"
    )
    return [ReaderRow(*row) for row in _search(base, query, limit, lambda row: row[0])]


def list_cards(*, reader: Reader) -> QuerySet[Card]:
    return Card.objects.filter(reader=reader).order_by("-issued_on", "-id")


def get_active_card(*, reader: Reader) -> Card | None:
    return Card.objects.filter(reader=reader, state=CardState.ACTIVE).first()


def list_blocks(*, reader: Reader) -> QuerySet[Block]:
    return Block.objects.filter(reader=reader).order_by("-starts_on", "-id")


def active_blocks(*, reader: Reader, day: date, action: str = "") -> list[Block]:
    """Blocks in force on ``day``; ``action`` (loans, holds, renewals, room_entry) narrows them."""
    queryset = Block.objects.filter(reader=reader, lifted_at__isnull=True, starts_on__lte=day)
    queryset = queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    if action:
        queryset = queryset.filter(**{f"blocks_{action}": True})
    return list(queryset)


def current_consents(*, reader: Reader) -> QuerySet[Consent]:
    return Consent.objects.filter(reader=reader, withdrawn_at__isnull=True).order_by("kind")


def list_consents(*, reader: Reader) -> QuerySet[Consent]:
    return Consent.objects.filter(reader=reader).order_by("-given_at", "-id")


def list_room_permissions(*, reader: Reader) -> QuerySet[RoomPermission]:
    return RoomPermission.objects.filter(reader=reader).select_related("room")


def list_visits(*, reader: Reader) -> QuerySet[Visit]:
    return Visit.objects.filter(reader=reader).select_related("room").order_by("-at", "-id")


def list_wards(*, reader: Reader) -> QuerySet[Reader]:
    """The readers this reader is the guardian of (anonymised ones are gone)."""
    return reader.wards.exclude(status=ReaderStatus.ANONYMISED)


def list_verifications(*, reader: Reader) -> QuerySet[IdentityVerification]:
    return IdentityVerification.objects.filter(reader=reader).select_related("verified_by")


def room_capacity(room: ReadingRoom) -> int | None:
    """How many readers may be in the room at once (None: no limit kept)."""
    if room.seats_per_session:
        return room.seats_per_session
    return room.seats or None


def room_occupancy(*, room: ReadingRoom, day: date) -> int:
    return Visit.objects.filter(
        room=room, day=day, outcome=VisitOutcome.ALLOWED, left_at__isnull=True
    ).count()


def age_band(age: int | None) -> str:
    if age is None:
        return AgeBand.UNKNOWN
    if age <= 13:
        return AgeBand.CHILD
    if age <= 17:
        return AgeBand.TEEN
    if age <= 29:
        return AgeBand.YOUNG_ADULT
    if age <= 64:
        return AgeBand.ADULT
    return AgeBand.SENIOR


# --- Data-subject access (GDPR Art. 15) ------------------------------------------------------

#: What the export shows of each table that refers to a reader: ``data_rights.RULES``.
#: A new model with a foreign key to ``Reader`` fails
#: ``test_export_and_erasure_cover_every_reader_relation`` until it has a rule there.
EXPORT_FIELDS = data_rights.RULES


READER_EXPORT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "birth_date",
    "personal_code",
    "email",
    "phone",
    "address",
    "preferred_language",
    "status",
    "registration_channel",
    "loan_history",
    "loan_history_days",
    "guardian_consent_at",
    "erasure_requested_at",
    "created_at",
    "updated_at",
)


def reader_relations() -> list[tuple[type[Model], str]]:
    """Every (model, field) whose foreign key points at ``Reader``, found by introspection."""
    relations: list[tuple[type[Model], str]] = []
    for field in Reader._meta.get_fields(include_hidden=True):
        if field.auto_created and not field.concrete and field.is_relation:
            related = field.related_model
            remote = getattr(field, "field", None)
            if related is not None and remote is not None:
                relations.append((related, remote.name))
    return relations


def relation_key(model: type[Model], field_name: str) -> str:
    return f"{model._meta.label_lower}.{field_name}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_reader_data(*, reader: Reader) -> dict[str, Any]:
    """All the data held about a reader, as plain JSON-ready values (never the PIN hash)."""
    policy = get_policy()
    record = {name: _plain(getattr(reader, name)) for name in READER_EXPORT_FIELDS}
    record["category"] = reader.category.code
    record["home_library"] = reader.home_library.code
    record["guardian_id"] = reader.guardian_id
    tables: dict[str, list[dict[str, Any]]] = {}
    for model, field_name in reader_relations():
        key = relation_key(model, field_name)
        rule = data_rights.RULES.get(key)
        queryset = model._default_manager.filter(**{field_name: reader})
        # An uncovered relation is exported in full rather than left out (fail safe).
        rows = queryset.values(*rule.export_fields) if rule is not None else queryset.values()
        tables[key] = [{name: _plain(value) for name, value in row.items()} for row in rows]
    return {
        "format": "skaitykla-reader-export/1",
        "exported_at": timezone.now().isoformat(),
        "reader": record,
        "tables": tables,
        "about": {
            "controller": reader.home_library.name,
            "purposes": [
                "library services: loans, holds, reading-room entry",
                "statistics from de-identified facts only",
            ],
            "recipients": [],
            "retention_years_after_card_expiry": policy.retention_years_after_expiry,
            "rights": ["access", "rectification", "erasure", "restriction", "objection"],
        },
    }


def list_pending_registrations() -> QuerySet[Reader]:
    """Online pre-registrations waiting for a librarian to see an identity document."""
    return Reader.objects.filter(status=ReaderStatus.PENDING).order_by("created_at")


def list_erasure_requests() -> QuerySet[Reader]:
    return Reader.objects.filter(erasure_requested_at__isnull=False).exclude(
        status=ReaderStatus.ANONYMISED
    )
