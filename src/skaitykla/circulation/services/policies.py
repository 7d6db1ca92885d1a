"""Editing the loan-policy table: every change bumps the policy version (ADR 0060)."""

from __future__ import annotations

from django.db import transaction

from skaitykla.accounts.models import User
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.models import LoanPolicy
from skaitykla.circulation.policies import bump_policy_version
from skaitykla.circulation.services.gate import audit

OBJECT_TYPE = "circulation.loanpolicy"


def save_loan_policy(*, policy: LoanPolicy, staff: User | None) -> LoanPolicy:
    """Create or change a rule; every process sees it from its next transaction."""
    policy.full_clean()
    with transaction.atomic():
        created = policy.pk is None
        policy.save()
        bump_policy_version()
        audit(
            "policy_created" if created else "policy_changed",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=policy.pk,
            library=policy.library,
        )
    return policy


def delete_loan_policy(*, policy: LoanPolicy, staff: User | None) -> None:
    with transaction.atomic():
        policy_id = policy.pk
        library = policy.library
        policy.delete()
        bump_policy_version()
        audit(
            "policy_deleted",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=policy_id,
            library=library,
        )
