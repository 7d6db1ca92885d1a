"""Open obligations that keep a reader's data: loans, holds, debts.

The patrons app cannot know circulation (it sits above patrons), so circulation registers a
check here. Erasure and retention refuse a reader for whom any check returns a reason code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skaitykla.patrons.models import Reader

ObligationCheck = Callable[["Reader"], list[str]]

_CHECKS: dict[str, ObligationCheck] = {}


def register_obligation_check(name: str, check: ObligationCheck) -> None:
    """Register (or replace) a check that returns reason codes, e.g. ``["open_loans"]``."""
    _CHECKS[name] = check


def unregister_obligation_check(name: str) -> None:
    _CHECKS.pop(name, None)


def open_obligations(reader: Reader) -> list[str]:
    reasons: list[str] = []
    for check in _CHECKS.values():
        reasons.extend(check(reader))
    return reasons
