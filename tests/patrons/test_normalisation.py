from __future__ import annotations

import pytest

from skaitykla.patrons.normalisation import fold, name_keys, normalise_barcode


@pytest.mark.parametrize(
    "raw",
    ["ABC123", " abc123 ", "ＡＢＣ１２３", "ABC\u200b123", "\ufeffabc 123\t", "a\u200dbc\u00a0123"],
)
def test_every_written_form_of_a_barcode_normalises_to_one(raw):
    assert normalise_barcode(raw) == "ABC123"


def test_empty_barcode_stays_empty():
    assert normalise_barcode(" \u200b ") == ""


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Žemaitė", "zemaite"),
        ("ŠIMONYTĖ  Ingrida", "simonyte ingrida"),
        ("Ąžuolas Čėsna", "azuolas cesna"),
        ("Łukasz", "lukasz"),
        ("Straße", "strasse"),
    ],
)
def test_fold_strips_accents_and_case(text, key):
    assert fold(text) == key


def test_name_keys_cover_both_orders():
    assert name_keys("Julija", "Žemaitė") == ("zemaite julija", "julija zemaite")
