"""The circulation app's periodic jobs: (job name, task path, interval)."""

from __future__ import annotations

from datetime import timedelta

PERIODIC = (
    (
        "circulation_send_due_notices",
        "skaitykla.circulation.tasks.send_due_notices",
        timedelta(hours=1),
    ),
    (
        "circulation_send_hold_notices",
        "skaitykla.circulation.tasks.send_hold_notices",
        timedelta(minutes=15),
    ),
    (
        "circulation_expire_stack_orders",
        "skaitykla.circulation.tasks.expire_stack_orders",
        timedelta(hours=1),
    ),
    ("circulation_expire_holds", "skaitykla.circulation.tasks.expire_holds", timedelta(days=1)),
    (
        "circulation_expire_hold_shelf",
        "skaitykla.circulation.tasks.expire_hold_shelf",
        timedelta(days=1),
    ),
    (
        "circulation_anonymise_loan_history",
        "skaitykla.circulation.tasks.anonymise_loan_history",
        timedelta(days=1),
    ),
)
