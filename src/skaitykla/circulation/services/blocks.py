"""Automatic blocks (computed, never stored: ADR 0060) and the checks that apply them.

A reader is refused loans while their overdue items or their unpaid balance exceed the limits
of the rule for their category (``max_overdue_items_before_block``,
``max_balance_before_block``). The refusals are overridable by permitted staff.
"""

from __future__ import annotations

from datetime import datetime

from skaitykla.circulation.errors import BalanceOverLimitError, OverdueItemsError
from skaitykla.circulation.policies import PolicyTable
from skaitykla.circulation.selectors import LoanStanding, circulation_refusals_for
from skaitykla.circulation.services.gate import Gate
from skaitykla.core.models import Library
from skaitykla.patrons.models import Reader

_ERRORS = {"overdue_items": OverdueItemsError, "balance_over_limit": BalanceOverLimitError}


def apply_automatic_blocks(
    gate: Gate,
    reader: Reader,
    *,
    library: Library,
    at: datetime,
    table: PolicyTable,
    standing: LoanStanding | None = None,
) -> None:
    """Raise (or pass, when overridden) each automatic block in force for ``reader``."""
    for code in circulation_refusals_for(
        reader, library=library, at=at, table=table, standing=standing
    ):
        gate.refuse(_ERRORS[code]())
