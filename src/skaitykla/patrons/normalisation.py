"""Normal forms: card barcodes (unique across the network) and folded search keys.

A barcode is compared in one form only: NFKC (full-width ``ＡＢＣ１２３`` becomes ``ABC123``), with
format characters (zero-width space, joiners, BOM) and all white space removed, upper-cased.
A search key folds a name or an e-mail for accent- and case-insensitive prefix search:
NFKD, combining marks stripped, case-folded, white space collapsed ("Žemaitė" → "zemaite").
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
#: Letters that NFKD does not decompose but readers type without the stroke.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"})


def normalise_barcode(raw: str) -> str:
    """The one stored and compared form of a card barcode ("" when nothing is left)."""
    text = unicodedata.normalize("NFKC", raw or "")
    kept = [
        char
        for char in text
        if unicodedata.category(char) not in {"Cf", "Cc", "Zs", "Zl", "Zp"} and not char.isspace()
    ]
    return "".join(kept).upper()


def fold(text: str) -> str:
    """Accent- and case-insensitive key: NFKD, no combining marks, case-folded, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = stripped.casefold().translate(_EXTRA_FOLDS)
    cleaned = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    return _SPACE.sub(" ", cleaned).strip()


def name_keys(first_name: str, last_name: str) -> tuple[str, str]:
    """Two search keys, "last first" and "first last", so either order finds a reader."""
    return fold(f"{last_name} {first_name}"), fold(f"{first_name} {last_name}")


def search_keys(first_name: str, last_name: str, email: str) -> dict[str, str]:
    """The stored search keys of a reader, by field name (``name_key``, ``name_key_alt``,
    ``email_key``): for saving one reader and for bulk inserts alike."""
    name_key, name_key_alt = name_keys(first_name, last_name)
    return {"name_key": name_key, "name_key_alt": name_key_alt, "email_key": fold(email)}
