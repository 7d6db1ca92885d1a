"""Reads behind the staff settings pages: the loan-policy table, the order cut-offs and the
offline uploads (each list is a fixed number of queries whatever its length)."""

from __future__ import annotations

from django.db.models import QuerySet

from skaitykla.circulation.models import LoanPolicy, OfflineBatch, StackOrderCutoff
from skaitykla.core.models import Library

#: How many offline uploads the list shows (newest first).
OFFLINE_BATCHES_SHOWN = 100


def _specificity_key(rule: LoanPolicy) -> tuple[int, int, int, int]:
    """Most specific first, then the tie-breaking priority, then the active rules, then id —
    the order in which the policy table resolves (``policies._sort_key``)."""
    return (-rule.specificity, -rule.priority, 0 if rule.is_active else 1, rule.pk or 0)


def list_loan_policies() -> list[LoanPolicy]:
    """Every rule of the table (inactive ones too), most specific first."""
    rules = LoanPolicy.objects.select_related("library", "reader_category")
    return sorted(rules, key=_specificity_key)


def get_loan_policy(*, policy_id: int) -> LoanPolicy | None:
    return LoanPolicy.objects.filter(pk=policy_id).first()


def list_order_cutoffs() -> QuerySet[StackOrderCutoff]:
    return StackOrderCutoff.objects.select_related("library", "reading_room").order_by(
        "library__name", "reading_room__name", "weekday", "id"
    )


def get_order_cutoff(*, cutoff_id: int) -> StackOrderCutoff | None:
    return StackOrderCutoff.objects.select_related("library").filter(pk=cutoff_id).first()


def list_offline_batches(*, library: Library) -> QuerySet[OfflineBatch]:
    return (
        OfflineBatch.objects.select_related("uploaded_by")
        .filter(library=library)
        .order_by("-uploaded_at", "-id")[:OFFLINE_BATCHES_SHOWN]
    )


def get_offline_batch(*, batch_id: int, library: Library) -> OfflineBatch | None:
    return (
        OfflineBatch.objects.select_related("uploaded_by", "library")
        .filter(pk=batch_id, library=library)
        .first()
    )
