"""Seed the reader policy row and the default reader categories (editable afterwards)."""

from django.db import migrations

CATEGORIES = [
    # code, name, name_en, loan limit, card validity (years; None: indefinite), min age, max age
    ("adult", "Suaugęs skaitytojas", "Adult", 10, 6, 16, None, True),
    ("student", "Studentas, moksleivis", "Student or pupil", 15, 6, 14, None, False),
    ("child", "Vaikas (iki 16 metų)", "Child (under 16)", 5, 6, None, 15, False),
    ("researcher", "Tyrėjas", "Researcher", 30, 6, 18, None, False),
    ("senior", "Senjoras", "Senior", 10, 6, 60, None, False),
    ("staff", "Bibliotekos darbuotojas", "Library staff", 30, None, 16, None, False),
    ("honorary", "Garbės skaitytojas", "Honorary reader", 30, None, None, None, False),
]


def forwards(apps, schema_editor):
    ReaderPolicy = apps.get_model("patrons", "ReaderPolicy")
    ReaderCategory = apps.get_model("patrons", "ReaderCategory")
    ReaderPolicy.objects.get_or_create(pk=1)
    for code, name, name_en, limit, years, min_age, max_age, default in CATEGORIES:
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


class Migration(migrations.Migration):
    dependencies = [("patrons", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
