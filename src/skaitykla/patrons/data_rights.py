"""What export and erasure do with each table that refers to a reader.

``patrons`` knows its own tables; an app above it (circulation, reference, events) that adds a
foreign key to ``Reader`` either is listed here or calls ``register_reader_relation`` from its
``AppConfig.ready``. ``tests/patrons`` fails while any relation found by introspection is
covered by neither; at run time an uncovered relation is exported in full and blocks erasure
(fail safe), never silently skipped.

Erasure actions: ``"delete"`` (the rows go), ``"refuse"`` (erasure is refused while rows
exist), or ``Anonymise(values)`` (the link to the reader is cleared and ``values`` overwrite
the personal fields; the de-identified row stays, e.g. for statistics or a published answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Anonymise:
    values: dict[str, object] = field(default_factory=dict)


ErasureAction = str | Anonymise


@dataclass(frozen=True)
class RelationRule:
    export_fields: tuple[str, ...]
    erasure: ErasureAction


#: Relations as ``app_label.model.field``.
RULES: dict[str, RelationRule] = {
    "patrons.card.reader": RelationRule(
        ("barcode", "state", "issued_on", "valid_until", "library__code"), "delete"
    ),
    "patrons.consent.reader": RelationRule(("kind", "value", "given_at", "withdrawn_at"), "delete"),
    "patrons.block.reader": RelationRule(
        (
            "reason",
            "starts_on",
            "ends_on",
            "blocks_loans",
            "blocks_holds",
            "blocks_renewals",
            "blocks_room_entry",
            "lifted_at",
        ),
        "delete",
    ),
    "patrons.roompermission.reader": RelationRule(
        ("room__code", "room__name", "allowed", "note", "decided_at"), "delete"
    ),
    "patrons.visit.reader": RelationRule(
        ("room__code", "room__name", "outcome", "denial_code", "at", "left_at"), "delete"
    ),
    "patrons.identityverification.reader": RelationRule(
        ("document_type", "verified_at", "library__code"), "delete"
    ),
    # A guardian is not erased while a ward depends on them.
    "patrons.reader.guardian": RelationRule(("id", "first_name", "last_name"), "refuse"),
    # Ask a Librarian (reference app): the reader's questions and answers are theirs to see;
    # on erasure the link and the contact data go, the de-identified question stays.
    "reference.question.reader": RelationRule(
        ("kind", "subject", "text", "status", "created_at", "answered_at", "answer_html"),
        Anonymise({"email": "", "name": "", "private_details": ""}),
    ),
    # Trainings and events: the reader's registrations are exported; on erasure the link and the
    # contact data go, the de-identified registration stays for attendance statistics.
    "events.registration.reader": RelationRule(
        (
            "event__title",
            "session__starts_at",
            "kind",
            "status",
            "head_count",
            "created_at",
            "cancelled_at",
        ),
        Anonymise(
            {
                "name": "",
                "email": "",
                "email_key": "",
                "organisation": "",
                "accessibility_needs": "",
            }
        ),
    ),
}


def register_reader_relation(
    key: str, *, export_fields: tuple[str, ...], erasure: ErasureAction
) -> None:
    """Called by an app above patrons for its own foreign key to ``Reader``."""
    RULES[key] = RelationRule(tuple(export_fields), erasure)
