"""The events app's own catalogues: every Lithuanian message translated and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.utils import translation

import skaitykla.events
from tests.portal.test_locales import _entries

LOCALE = Path(skaitykla.events.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["lt", "en"])
def test_every_message_is_translated_and_the_mo_is_current(language):
    folder = LOCALE / language / "LC_MESSAGES"
    entries = [entry for entry in _entries(folder / "django.po") if entry["msgid"]]
    assert len(entries) > 300
    untranslated = [
        entry["msgid"]
        for entry in entries
        if "fuzzy" in entry["flags"]
        or not all(entry[key] for key in entry if key.startswith("msgstr"))
    ]
    assert untranslated == []
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        entry["msgid"]
        for entry in entries
        if "msgstr" in entry
        and "msgctxt" not in entry
        and compiled.gettext(entry["msgid"]) != entry["msgstr"]
    ]
    assert stale == []


def test_lithuanian_is_used_with_its_plural_forms():
    with translation.override("lt"):
        assert translation.gettext("Waiting list") == "Laukiančiųjų sąrašas"
        assert translation.ngettext("%(n)s session", "%(n)s sessions", 1) == "%(n)s užsiėmimas"
        assert translation.ngettext("%(n)s session", "%(n)s sessions", 3) == "%(n)s užsiėmimai"
        assert translation.ngettext("%(n)s session", "%(n)s sessions", 12) == "%(n)s užsiėmimų"
