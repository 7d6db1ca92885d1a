"""Reads of a reader's own loan history (what the anonymisation job has not yet cleared)."""

from __future__ import annotations

from django.db.models import QuerySet

from skaitykla.circulation.models import Loan
from skaitykla.patrons.choices import LoanHistoryChoice
from skaitykla.patrons.models import Reader


def keeps_history(reader: Reader) -> bool:
    return reader.loan_history == LoanHistoryChoice.KEEP


def my_history(*, reader: Reader) -> QuerySet[Loan]:
    """The reader's returned loans still linked to them, newest return first. Readers who keep
    their history see all of it; others see what is left before the job anonymises it."""
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=False, anonymised=False)
        .select_related("item__record", "library")
        .order_by("-returned_at", "-id")
    )
