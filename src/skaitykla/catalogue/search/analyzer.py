"""The one analyzer used for indexing and for queries, on both databases.

A word goes through: Unicode NFC, lower case, the Lithuanian Snowball stemmer (which needs the
diacritics), diacritics folded (``ž`` → ``z``), then the English Snowball stemmer. The same chain
runs on both sides, so "knygų", "knygos" and "knygu" all become ``knyg`` and "Žemaitė" and
"zemaite" both become ``zemait``. Tokens are plain ``[a-z0-9]`` (or letters of other scripts) so
PostgreSQL's ``simple`` parser and SQLite's ``unicode61`` tokenizer keep them whole.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_LT = snowballstemmer.stemmer("lithuanian")
_EN = snowballstemmer.stemmer("english")

#: Letters that NFKD does not decompose but readers type without their marks.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: Words too common to search by (Lithuanian and English); a query of only these is refused.
STOP_WORDS = frozenset(
    {
        "ir",
        "ar",
        "bei",
        "o",
        "kad",
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
    }
)

#: The longest word we index or search for (longer ones are cut).
MAX_WORD = 60


def normalise(text: str) -> str:
    """Unicode NFC, as stored and displayed."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower case with diacritics removed: ``Žemaitė`` → ``zemaite``."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_EXTRA_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """One lower-case word → its index term (Lithuanian stem, folded, English stem)."""
    word = word[:MAX_WORD]
    if word.isdigit():
        return word
    lithuanian = _LT.stemWord(word)
    folded = fold(lithuanian)
    if not folded:
        return ""
    english = _EN.stemWord(folded)
    return english or folded


def words(text: str) -> list[str]:
    """The words of a text, lower case, NFC; punctuation and symbols split words."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _WORD.findall(text.lower())


def analyze(text: str, *, keep_stop_words: bool = False) -> list[str]:
    """Text → index terms in order (stop words dropped unless asked)."""
    terms = []
    for word in words(text):
        if not keep_stop_words and word in STOP_WORDS:
            continue
        term = stem(word)
        if term:
            terms.append(term)
    return terms


def analyze_to_text(*texts: str) -> str:
    """Several texts → one space-separated string of terms (what the index stores)."""
    return " ".join(term for text in texts if text for term in analyze(text))


def prefix_term(word: str) -> str:
    """The indexed form to prefix-match for a typed prefix (``knygos*`` → ``knyg``)."""
    stemmed = stem(word)
    folded = fold(word)
    return stemmed if len(stemmed) <= len(folded) and folded.startswith(stemmed) else folded


def suggestion_key(word: str) -> str:
    """A word folded for spelling suggestions (no stemming)."""
    return fold(word)
