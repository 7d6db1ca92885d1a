"""Seed the policy version counter and national-library-like default loan policies.

Values follow the LNB's public rules where known (EUR 0.03 per item per open day); the rest
are common defaults. Staff edit them afterwards.
"""

from decimal import Decimal

from django.db import migrations

POLICIES: list[tuple[str, str, dict[str, object]]] = [
    # name, loan type, overrides
    (
        "Numatytoji taisyklė / Default",
        "",
        {
            "loan_period_days": 30,
            "renewals_allowed": 3,
            "renewal_period_days": 30,
            "max_holds": 10,
            "hold_shelf_open_days": 3,
            "fine_per_day": Decimal("0.03"),
            "fine_cap": Decimal("3.00"),
            "grace_days": 0,
            "max_overdue_items_before_block": 2,
            "max_balance_before_block": Decimal("5.00"),
        },
    ),
    (
        "Tik skaitykloje / Reading room only",
        "reading_room",
        {"home_loan_allowed": False, "renewals_allowed": 0, "loan_period_days": 1},
    ),
    (
        "Saugykla: užsakymas į skaityklą / Closed stack to a reading room",
        "closed_stack",
        {"home_loan_allowed": False, "renewals_allowed": 0, "loan_period_days": 1},
    ),
    (
        "Informaciniai leidiniai / Reference",
        "reference",
        {"loanable": False, "home_loan_allowed": False, "holds_allowed": False},
    ),
]


def forwards(apps, schema_editor):
    PolicyVersion = apps.get_model("circulation", "PolicyVersion")
    LoanPolicy = apps.get_model("circulation", "LoanPolicy")
    PolicyVersion.objects.get_or_create(pk=1)
    for name, loan_type, values in POLICIES:
        if not LoanPolicy.objects.filter(
            library=None, reader_category=None, loan_type=loan_type, material_type=""
        ).exists():
            LoanPolicy.objects.create(name=name, loan_type=loan_type, **values)


class Migration(migrations.Migration):
    dependencies = [("circulation", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
