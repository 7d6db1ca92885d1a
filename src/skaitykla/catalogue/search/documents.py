"""What of a record goes into the index, and in which weight class."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from skaitykla.catalogue.search.analyzer import MAX_WORD, analyze_to_text, fold, words

#: What the search entry copies from its record for filters and facets: (language, material
#: type, year).
RecordFacts = tuple[str, str, int | None]


def entry_fields(
    *,
    title: str,
    subtitle: str = "",
    authors: Iterable[str] = (),
    responsibility: str = "",
    subjects: Iterable[str] = (),
    others: Iterable[str | int | None] = (),
) -> dict[str, str]:
    """The four weighted texts: title (A), authors (B), subjects (C), other (D)."""
    return {
        "title": analyze_to_text(title, subtitle),
        "authors": analyze_to_text(*authors, responsibility),
        "subjects": analyze_to_text(*subjects),
        "other": analyze_to_text(*(str(value) for value in others if value)),
    }


def record_entry(source: Any) -> dict[str, str]:
    """The four weighted texts of a record (a stored ``Record`` or freshly mapped MARC data:
    anything with the record's attributes)."""
    return entry_fields(
        title=source.title,
        subtitle=source.subtitle,
        authors=source.authors,
        responsibility=source.responsibility,
        subjects=source.subjects,
        others=(
            source.publisher,
            source.place,
            source.series,
            source.edition,
            source.udc,
            " ".join(source.classification),
            " ".join(source.isbns),
            " ".join(source.issns),
            source.year,
        ),
    )


def vocabulary(*texts: str) -> set[str]:
    """Folded words (unstemmed) for spelling suggestions."""
    found = set()
    for text in texts:
        for word in words(text or ""):
            if 3 <= len(word) <= MAX_WORD and not word.isdigit():
                found.add(fold(word))
    return found
