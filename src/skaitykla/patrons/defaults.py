"""The default reader categories and policy row: seeded by migration 0002 and restored (without
touching edited rows) by ``ensure_default_categories`` for demo seeding and emptied databases."""

from __future__ import annotations

from skaitykla.patrons.models import ReaderCategory, ReaderPolicy

# code, name, name_en, loan limit, card years (None: indefinite), min age, max age, default
DEFAULT_CATEGORIES: tuple[
    tuple[str, str, str, int, int | None, int | None, int | None, bool], ...
] = (
    ("adult", "Suaugęs skaitytojas", "Adult", 10, 6, 16, None, True),
    ("student", "Studentas, moksleivis", "Student or pupil", 15, 6, 14, None, False),
    ("child", "Vaikas (iki 16 metų)", "Child (under 16)", 5, 6, None, 15, False),
    ("researcher", "Tyrėjas", "Researcher", 30, 6, 18, None, False),
    ("senior", "Senjoras", "Senior", 10, 6, 60, None, False),
    ("staff", "Bibliotekos darbuotojas", "Library staff", 30, None, 16, None, False),
    ("honorary", "Garbės skaitytojas", "Honorary reader", 30, None, None, None, False),
)


def ensure_default_categories() -> None:
    ReaderPolicy.objects.get_or_create(pk=1)
    for code, name, name_en, limit, years, min_age, max_age, default in DEFAULT_CATEGORIES:
        ReaderCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "loan_limit": limit,
                "card_validity_years": years,
                "min_age": min_age,
                "max_age": max_age,
                "is_default": default,
            },
        )
