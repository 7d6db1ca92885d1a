"""The reader's query → terms, phrases and prefixes (all through the analyzer).

Any input is accepted: quotes left open are ignored, operators and punctuation are word
separators, and the query is cut to :data:`MAX_QUERY` characters and :data:`MAX_TERMS` terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from skaitykla.catalogue.search.analyzer import STOP_WORDS, analyze, fold, prefix_term, words

MAX_QUERY = 500
MAX_TERMS = 16
_PHRASE = re.compile(r'"([^"]*)"')
_PREFIX = re.compile(r"([^\W_]+)\*", re.UNICODE)


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # folded, for suggestions
    only_stop_words: bool = False
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not (self.terms or self.phrases or self.prefixes)

    def postgres(self) -> str:
        """A ``to_tsquery('simple', …)`` string (terms are ``[^\\W_]+`` only, so it is safe)."""
        parts = list(self.terms)
        parts += ["(" + " <-> ".join(phrase) + ")" for phrase in self.phrases]
        parts += [f"{prefix}:*" for prefix in self.prefixes]
        return " & ".join(parts)

    def fts5(self) -> str:
        """An FTS5 MATCH expression (every term double-quoted)."""
        parts = [f'"{term}"' for term in self.terms]
        parts += ['"' + " ".join(phrase) + '"' for phrase in self.phrases]
        parts += [f'"{prefix}"*' for prefix in self.prefixes]
        return " AND ".join(parts)

    def fts5_title(self) -> str:
        return "{title} : (" + self.fts5() + ")"


def parse(text: str) -> ParsedQuery:
    query = ParsedQuery()
    text = (text or "").replace("\x00", " ")
    if len(text) > MAX_QUERY:
        text = text[:MAX_QUERY]
        query.truncated = True
    budget = MAX_TERMS
    for phrase_text in _PHRASE.findall(text):
        phrase = analyze(phrase_text)[:budget]
        budget -= len(phrase)
        if len(phrase) > 1:
            query.phrases.append(phrase)
        elif phrase:
            query.terms.extend(phrase)
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    for match in _PREFIX.finditer(rest):
        word = match.group(1).lower()
        if word in STOP_WORDS or budget <= 0:
            continue
        term = prefix_term(word)
        if len(term) >= 2:
            query.prefixes.append(term)
            budget -= 1
    rest = _PREFIX.sub(" ", rest)
    for term in analyze(rest):
        if budget <= 0:
            query.truncated = True
            break
        query.terms.append(term)
        budget -= 1
    query.terms = list(dict.fromkeys(query.terms))
    query.prefixes = list(dict.fromkeys(query.prefixes))
    all_words = words(text)
    query.words = [fold(word) for word in all_words if word not in STOP_WORDS][:MAX_TERMS]
    query.only_stop_words = query.empty and bool(all_words)
    return query
