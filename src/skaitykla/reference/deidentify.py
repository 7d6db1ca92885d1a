"""The de-identification check run before a knowledge-base entry is published (and on desk notes).

It finds e-mail addresses, phone numbers, card-number patterns (long digit runs, Lithuanian
personal codes, library barcodes) and the asker's name in any grammatical form (the Lithuanian
stem of each name part is compared with the stems of the text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from skaitykla.catalogue.search.analyzer import fold, stem, words

EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
PHONE = re.compile(r"(?:\+|00)?\d[\d\s().-]{6,}\d")
CARD = re.compile(r"\b[A-Za-z]{0,3}\d{8,}\b")


@dataclass(frozen=True)
class Finding:
    kind: str  # "email" | "phone" | "card" | "name"
    text: str


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def find_personal_data(text: str, *, names: Iterable[str] = ()) -> list[Finding]:
    """Every piece of personal data found in ``text`` (empty when it is clean)."""
    findings: list[Finding] = []
    for match in EMAIL.finditer(text):
        findings.append(Finding("email", match.group(0)))
    without_emails = EMAIL.sub(" ", text)
    for match in CARD.finditer(without_emails):
        findings.append(Finding("card", match.group(0)))
    without_cards = CARD.sub(" ", without_emails)
    for match in PHONE.finditer(without_cards):
        value = match.group(0).strip()
        if 7 <= _digits(value) <= 15:
            findings.append(Finding("phone", value))
    text_words = words(text)
    stems = {stem(word) for word in text_words}
    folded = {fold(word) for word in text_words}
    for name in names:
        for part in words(name):
            if len(part) < 3:
                continue
            if stem(part) in stems or fold(part) in folded:
                findings.append(Finding("name", part))
    return findings
