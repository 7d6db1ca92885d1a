"""The loan-policy table, compiled and cached per process, and the rules it drives: due dates
(library calendar, closed-day strategy, hard due date, time zone) and overdue fines.

Cache (ADR 0060): every circulation transaction calls :func:`policy_table` once. It runs one
tiny query, ``(PolicyVersion.version, COUNT(*), MAX(updated_at))`` over the policy table, and
recompiles only when that fingerprint changed. The service that edits policies bumps the
counter; the count and the latest change time also catch edits made around it (admin bulk
actions, a shell, fixtures), so no process ever lends under a stale rule.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F

from skaitykla.circulation.choices import ClosedDayStrategy
from skaitykla.circulation.models import LoanPolicy, PolicyVersion
from skaitykla.core.calendar import LibraryCalendar, local_datetime
from skaitykla.core.errors import CalendarError

#: A day loan is due at this local wall time on its due day (RERO's choice: the whole day is
#: the reader's; a book drop emptied next morning is not late). See ADR 0060.
DUE_TIME = time(23, 59)
#: Open days counted for a fine at most (ten years); the cap usually stops earlier.
MAX_FINE_DAYS = 3660

Fingerprint = tuple[object, object, object]


@dataclass(frozen=True)
class PolicyTable:
    """The active rules, most specific first."""

    fingerprint: Fingerprint
    rules: tuple[LoanPolicy, ...]

    def resolve(
        self,
        *,
        library_id: int | None,
        category_id: int | None,
        loan_type: str = "",
        material_type: str = "",
    ) -> LoanPolicy:
        """The most specific matching rule, or the built-in defaults when none matches."""
        for rule in self.rules:
            if (
                (rule.library_id is None or rule.library_id == library_id)
                and (rule.reader_category_id is None or rule.reader_category_id == category_id)
                and (not rule.loan_type or rule.loan_type == loan_type)
                and (not rule.material_type or rule.material_type == material_type)
            ):
                return rule
        return DEFAULT_POLICY


#: Used when no rule matches (an empty table after a flush, a new loan type).
DEFAULT_POLICY = LoanPolicy(name="default")

_lock = threading.Lock()
_table: PolicyTable | None = None


#: The fingerprint as three select-list expressions, for statements that read it along with
#: other things (``selectors.scan_standing``, ``selectors.item_and_borrower``).
POLICY_FINGERPRINT_SQL = (
    f"(SELECT version FROM {PolicyVersion._meta.db_table} WHERE id = 1), "  # noqa: S608
    f"(SELECT COUNT(*) FROM {LoanPolicy._meta.db_table}), "
    f"(SELECT MAX(updated_at) FROM {LoanPolicy._meta.db_table})"
)


def fingerprint_of(row: Sequence[object]) -> Fingerprint:
    """The fingerprint from the three values ``POLICY_FINGERPRINT_SQL`` reads."""
    return (row[0], row[1], str(row[2]))


def _fingerprint() -> Fingerprint:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {POLICY_FINGERPRINT_SQL}")
        return fingerprint_of(cursor.fetchone())


def _sort_key(rule: LoanPolicy) -> tuple[int, int, int]:
    return (-rule.specificity, -rule.priority, rule.pk or 0)


def policy_table(fingerprint: Fingerprint | None = None) -> PolicyTable:
    """The compiled table, re-read only when its fingerprint changed (one tiny query, or none
    when the caller read the ``fingerprint`` in one of its own statements)."""
    global _table
    if fingerprint is None:
        fingerprint = _fingerprint()
    table = _table
    if table is not None and table.fingerprint == fingerprint:
        return table
    rules = sorted(LoanPolicy.objects.filter(is_active=True), key=_sort_key)
    table = PolicyTable(fingerprint=fingerprint, rules=tuple(rules))
    with _lock:
        _table = table
    return table


def bump_policy_version() -> None:
    """Called by every service that changes the policy table, inside its transaction."""
    if not PolicyVersion.objects.filter(pk=1).update(version=F("version") + 1):
        PolicyVersion.objects.get_or_create(pk=1, defaults={"version": 2})


def forget_cached_policies() -> None:
    global _table
    with _lock:
        _table = None


# --- Due dates -------------------------------------------------------------------------------


def _move_to_open_day(
    calendar: LibraryCalendar, day: date, strategy: str, *, not_before: date
) -> date:
    if strategy == ClosedDayStrategy.KEEP:
        return day
    try:
        if calendar.is_open_day(day):
            return day
        if strategy == ClosedDayStrategy.PREVIOUS_OPEN:
            earlier = calendar.previous_open_day(day)
            if earlier > not_before:
                return earlier
        return calendar.next_open_day(day)
    except CalendarError:  # a library without opening hours: keep the date
        return day


def end_of_day(calendar: LibraryCalendar, day: date) -> datetime:
    return local_datetime(day, DUE_TIME, calendar.zone)


def due_at_for(
    *,
    policy: LoanPolicy,
    calendar: LibraryCalendar,
    start: datetime,
    from_due: datetime | None = None,
    period_days: int | None = None,
) -> datetime:
    """When a loan (or renewal) under ``policy`` that starts at ``start`` is due.

    Day loans: ``period_days`` (default the policy's loan period) after the local start day,
    moved by the closed-day strategy, capped by the hard due date, due at 23:59 local time.
    ``from_due`` counts the period from an earlier due date (renewal from the due date).
    Hourly loans: ``start`` + hours, but no later than the closing time of the current open
    day; started while the library is closed, due at the next closing time.
    """
    zone = calendar.zone
    local_start = start.astimezone(zone)
    if policy.loan_period_hours and from_due is None:
        candidate = start + timedelta(hours=policy.loan_period_hours)
        try:
            closing = calendar.closing_time(local_start.date())
            if closing is not None and closing > start:
                due = min(candidate, closing)
            else:  # lent while closed (a kiosk, an override): due when the next open day ends
                due = calendar.closing_time(calendar.next_open_day(local_start.date())) or candidate
        except CalendarError:
            due = candidate
        return _cap_hard(policy, calendar, due, start)
    days = policy.loan_period_days if period_days is None else period_days
    base_day = (from_due.astimezone(zone) if from_due is not None else local_start).date()
    due_day = base_day + timedelta(days=max(days, 1))
    due_day = _move_to_open_day(
        calendar, due_day, policy.closed_day_strategy, not_before=local_start.date()
    )
    return _cap_hard(policy, calendar, end_of_day(calendar, due_day), start)


def _cap_hard(
    policy: LoanPolicy, calendar: LibraryCalendar, due: datetime, start: datetime
) -> datetime:
    if policy.hard_due_date is None:
        return due
    hard = end_of_day(calendar, policy.hard_due_date)
    if due <= hard:
        return due
    day = policy.hard_due_date
    if policy.closed_day_strategy != ClosedDayStrategy.KEEP:
        try:
            if not calendar.is_open_day(day):
                day = calendar.previous_open_day(day)
        except CalendarError:
            pass
    capped = end_of_day(calendar, day)
    # A hard due date already past still leaves the loan a moment after its start.
    return capped if capped > start else start + timedelta(minutes=1)


def reading_room_due_at(*, calendar: LibraryCalendar, start: datetime) -> datetime:
    """A reading-room use is due back at the desk when the library closes that day."""
    try:
        closing = calendar.closing_time(start.astimezone(calendar.zone).date())
    except CalendarError:
        closing = None
    if closing is None or closing <= start:
        return end_of_day(calendar, start.astimezone(calendar.zone).date())
    return closing


# --- Fines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FineQuote:
    open_days_late: int
    charged_days: int
    amount: Decimal


def overdue_fine(
    *,
    policy: LoanPolicy,
    calendar: LibraryCalendar,
    due_at: datetime,
    returned_on: date,
) -> FineQuote:
    """The fine for a loan due at ``due_at`` and returned on the local day ``returned_on``.

    Counts the library's open days after the due day up to and including the return day (a
    library without opening hours counts every day). Within the grace period (in open days)
    nothing is charged; past it every late open day is. The cap limits the total.
    """
    due_day = due_at.astimezone(calendar.zone).date()
    if returned_on <= due_day or policy.fine_per_day <= 0:
        return FineQuote(0, 0, Decimal("0.00"))
    try:
        calendar.next_open_day(due_day)
        counts_every_day = False
    except CalendarError:
        counts_every_day = True
    late = 0
    day = due_day
    cap_days = None
    if policy.fine_cap is not None:
        cap_days = int(policy.fine_cap / policy.fine_per_day) + 1 + policy.grace_days
    while day < returned_on and late < MAX_FINE_DAYS:
        day += timedelta(days=1)
        if counts_every_day or calendar.is_open_day(day):
            late += 1
            if cap_days is not None and late >= cap_days:
                break
    if late <= policy.grace_days:
        return FineQuote(late, 0, Decimal("0.00"))
    amount = (policy.fine_per_day * late).quantize(Decimal("0.01"))
    if policy.fine_cap is not None:
        amount = min(amount, policy.fine_cap)
    return FineQuote(late, late, amount)
