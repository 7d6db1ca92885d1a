"""Loan-history anonymisation: each reader's choice (``Reader.loan_history``) is honoured by a
scheduled job.

* ``keep``: nothing is touched while the reader keeps the choice;
* ``after_days``: a returned loan loses its reader link ``loan_history_days`` after its return;
* ``on_return``: at the next run after the return;
* an anonymised reader (retention, erasure): every returned loan, whatever the choice was.

Open loans are never touched. An anonymised loan keeps its de-identified columns (item,
library, dates, channel, reader category and age band snapshots) for statistics and collection
work; the reader link is cleared, as are the links that would lead back to the reader: the
reader and card number on the offline-upload row that made the loan. Concluded closed-stack
orders of the same loans are deleted (an order row cannot exist without its reader; the
statistics fact of each order was written de-identified at delivery). See ADR 0061.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from skaitykla.circulation.choices import ACTIVE_ORDER_STATUSES
from skaitykla.circulation.models import Loan, OfflineTransaction, StackOrder
from skaitykla.core.services import record_audit
from skaitykla.patrons.choices import LoanHistoryChoice, ReaderStatus

BATCH = 1000


def _closed() -> QuerySet[Loan]:
    return Loan.objects.filter(returned_at__isnull=False, anonymised=False, reader__isnull=False)


def loans_due_for_anonymisation(*, now: datetime) -> list[int]:
    """Ids of returned loans whose reader's choice says they should lose the reader link."""
    due: set[int] = set()
    due.update(
        _closed()
        .filter(reader__loan_history=LoanHistoryChoice.ON_RETURN)
        .values_list("pk", flat=True)
    )
    due.update(
        _closed().filter(reader__status=ReaderStatus.ANONYMISED).values_list("pk", flat=True)
    )
    after = _closed().filter(reader__loan_history=LoanHistoryChoice.ANONYMISE_AFTER)
    for days in after.values_list("reader__loan_history_days", flat=True).distinct():
        due.update(
            after.filter(
                reader__loan_history_days=days, returned_at__lte=now - timedelta(days=days)
            ).values_list("pk", flat=True)
        )
    return sorted(due)


def anonymise_loan_history(*, now: datetime | None = None) -> int:
    """Anonymise every returned loan the readers' choices say is due; returns how many."""
    now = now or timezone.now()
    ids = loans_due_for_anonymisation(now=now)
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            # The open-loan guard is in the UPDATE itself: a loan is never anonymised open.
            updated = Loan.objects.filter(
                pk__in=chunk, returned_at__isnull=False, anonymised=False
            ).update(reader=None, anonymised=True, anonymised_at=now)
            OfflineTransaction.objects.filter(loan_id__in=chunk).update(
                reader=None, card_barcode=""
            )
            StackOrder.objects.filter(loan_id__in=chunk).exclude(
                status__in=ACTIVE_ORDER_STATUSES
            ).delete()
            done += updated
    if done:
        record_audit(
            actor_kind="system",
            action="circulation.loan_history_anonymised",
            object_type="circulation.loan",
            detail={"loans": done},
        )
    return done
