"""Both locales ship for the project and every app: each Lithuanian message is translated and each
compiled .mo is current."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

import skaitykla

PACKAGE = Path(skaitykla.__file__).parent
LOCALE = PACKAGE / "locale"
#: The project's catalogue and every app's own (``src/skaitykla/<app>/locale``).
CATALOGUES = sorted([LOCALE, *PACKAGE.glob("*/locale")])
_ENTRY = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$')


def _entries(po: Path) -> list[dict[str, str]]:
    """The PO file's entries as {keyword: text}, with flags under ``"flags"``."""
    entries: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", po.read_text(encoding="utf-8").strip()):
        entry: dict[str, str] = {"flags": ""}
        keyword = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line[2:]
            elif match := _ENTRY.match(line):
                keyword = match.group(1)
                entry[keyword] = ast.literal_eval(match.group(2))
            elif line.startswith('"'):
                entry[keyword] += ast.literal_eval(line)
        if "msgid" in entry and not entry["msgid"].startswith("#~"):
            entries.append(entry)
    return entries


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parent.name)
@pytest.mark.parametrize("language", ["lt", "en"])
def test_both_locales_ship_compiled(catalogue, language):
    assert (catalogue / language / "LC_MESSAGES" / "django.po").is_file()
    assert (catalogue / language / "LC_MESSAGES" / "django.mo").is_file()


def test_every_app_with_strings_has_its_catalogue():
    assert {path.parent.name for path in CATALOGUES} >= {
        "skaitykla",
        "patrons",
        "catalogue",
        "reference",
        "events",
        "stats",
    }


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parent.name)
def test_every_lithuanian_message_is_translated_and_compiled(catalogue):
    folder = catalogue / "lt" / "LC_MESSAGES"
    entries = [entry for entry in _entries(folder / "django.po") if entry["msgid"]]
    assert len(entries) > (100 if catalogue == LOCALE else 20)
    untranslated = [
        entry["msgid"]
        for entry in entries
        if "fuzzy" in entry["flags"]
        or not all(entry[key] for key in entry if key.startswith("msgstr"))
    ]
    assert untranslated == [], f"translate these in {folder} (then compilemessages)"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        entry["msgid"]
        for entry in entries
        if "msgstr" in entry
        and "msgctxt" not in entry
        and compiled.gettext(entry["msgid"]) != entry["msgstr"]
    ]
    assert stale == [], f"{folder}/django.mo is older than django.po: run compilemessages"


def test_the_lithuanian_catalogue_is_in_use():
    with translation.override("lt"):
        assert translation.gettext("Opening hours") == "Darbo laikas"
        assert translation.gettext("Skip to main content") == "Pereiti prie pagrindinio turinio"
        assert translation.gettext("Administrator") == "Administratorius"
    with translation.override("en"):
        assert translation.gettext("Opening hours") == "Opening hours"


@pytest.mark.parametrize("language", ["lt", "en"])
def test_no_message_has_two_translations_across_catalogues(language):
    """Django merges every catalogue into one per language, so one (context, message) pair
    translated differently in two catalogues is silently wrong in one of them: a different
    meaning needs its own context (pgettext), the same meaning one wording."""
    translations: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for catalogue in CATALOGUES:
        for entry in _entries(catalogue / language / "LC_MESSAGES" / "django.po"):
            if not entry["msgid"]:
                continue
            texts = tuple(entry[key] for key in sorted(entry) if key.startswith("msgstr"))
            if any(texts):
                key = (entry.get("msgctxt", ""), entry["msgid"])
                translations.setdefault(key, {})[catalogue.parent.name] = texts
    collisions = {
        key: by_catalogue
        for key, by_catalogue in translations.items()
        if len(set(by_catalogue.values())) > 1
    }
    assert collisions == {}, "one wording per message, or a context for a different meaning"
