"""The reference app's Lithuanian catalogue is complete, compiled and current."""

from __future__ import annotations

import ast
import re
from gettext import GNUTranslations
from pathlib import Path

import skaitykla.reference

LOCALE = Path(skaitykla.reference.__file__).parent / "locale"
_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$')


def _entries(po: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in po.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            key = match.group(1)
            if key in ("msgctxt", "msgid") and "msgid" in current:
                entries.append(current)
                current = {}
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif line.startswith("#,"):
            current["flags"] = line
    if current:
        entries.append(current)
    return [e for e in entries if e.get("msgid")]


def test_every_lithuanian_message_is_translated_and_compiled():
    po = LOCALE / "lt" / "LC_MESSAGES" / "django.po"
    entries = _entries(po)
    assert len(entries) > 300
    untranslated = [
        e["msgid"]
        for e in entries
        if "fuzzy" in e.get("flags", "") or not all(e[k] for k in e if k.startswith("msgstr"))
    ]
    assert untranslated == []
    with (LOCALE / "lt" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = GNUTranslations(handle)
    stale = [
        e["msgid"]
        for e in entries
        if "msgstr" in e
        and (
            compiled.pgettext(e["msgctxt"], e["msgid"])
            if "msgctxt" in e
            else compiled.gettext(e["msgid"])
        )
        != e["msgstr"]
    ]
    assert stale == []
