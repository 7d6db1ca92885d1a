"""The loan-policy table (specificity, cache), due dates on the library calendar, fines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from skaitykla.circulation import services
from skaitykla.circulation.models import LoanPolicy, PolicyVersion
from skaitykla.circulation.policies import (
    DEFAULT_POLICY,
    due_at_for,
    overdue_fine,
    policy_table,
    reading_room_due_at,
)
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.models import AuditEntry
from tests.circulation.conftest import NOW, set_rule
from tests.patrons.factories import ReaderCategoryFactory

VILNIUS = ZoneInfo("Europe/Vilnius")


def local(year, month, day, hour=23, minute=59):
    return datetime(year, month, day, hour, minute, tzinfo=VILNIUS)


def resolve(circ, **kwargs):
    return policy_table().resolve(
        library_id=kwargs.get("library", circ.library).pk,
        category_id=kwargs.get("category", circ.category).pk,
        loan_type=kwargs.get("loan_type", "home_loan"),
        material_type=kwargs.get("material_type", "book"),
    )


# --- Table ---------------------------------------------------------------------------------


def test_most_specific_rule_wins(circ):
    assert resolve(circ) == circ.policy
    by_category = LoanPolicy.objects.create(name="adults", reader_category=circ.category)
    assert resolve(circ) == by_category
    by_type = LoanPolicy.objects.create(name="home books", loan_type="home_loan")
    assert resolve(circ) == by_category  # category (4) outranks loan type (2)
    by_library = LoanPolicy.objects.create(name="branch", library=circ.library)
    assert resolve(circ) == by_library
    both = LoanPolicy.objects.create(
        name="branch adults", library=circ.library, reader_category=circ.category
    )
    assert resolve(circ) == both
    assert resolve(circ, library=circ.other_library) == by_category
    other_category = ReaderCategoryFactory(code="student")
    assert resolve(circ, category=other_category, library=circ.other_library) == by_type
    assert resolve(circ, category=other_category, library=circ.other_library, loan_type="x") == (
        circ.policy
    )


def test_priority_breaks_ties_and_inactive_rules_do_not_match(circ):
    low = LoanPolicy.objects.create(name="low", reader_category=circ.category, priority=1)
    high = LoanPolicy.objects.create(name="high", reader_category=circ.category, priority=5)
    assert resolve(circ) == high
    high.is_active = False
    high.save()
    assert resolve(circ) == low


def test_empty_table_falls_back_to_built_in_defaults(circ):
    LoanPolicy.objects.all().delete()
    policy = resolve(circ)
    assert policy is DEFAULT_POLICY
    assert policy.fine_per_day == Decimal("0.03")
    assert policy.loan_period_days == 30


def test_policy_service_bumps_the_version_and_the_cache_follows(circ, django_assert_num_queries):
    policy_table()
    with django_assert_num_queries(1):  # only the fingerprint: the rules are cached
        policy_table()
    before = PolicyVersion.objects.get(pk=1).version
    rule = LoanPolicy(name="students", reader_category=circ.category, loan_period_days=14)
    services.save_loan_policy(policy=rule, staff=circ.staff)
    assert PolicyVersion.objects.get(pk=1).version == before + 1
    assert resolve(circ).loan_period_days == 14
    assert AuditEntry.objects.filter(action="circulation.policy_created").count() == 1
    # An update through QuerySet.update() changes neither count nor updated_at: the counter does.
    LoanPolicy.objects.filter(pk=rule.pk).update(loan_period_days=7)
    assert resolve(circ).loan_period_days == 14
    services.save_loan_policy(policy=LoanPolicy.objects.get(pk=rule.pk), staff=circ.staff)
    assert resolve(circ).loan_period_days == 7
    services.delete_loan_policy(policy=rule, staff=circ.staff)
    assert resolve(circ) == circ.policy


def test_edits_around_the_service_are_seen_too(circ):
    assert resolve(circ).loan_period_days == 30
    circ.policy.loan_period_days = 21
    circ.policy.save()  # admin or shell: updated_at changes the fingerprint
    assert resolve(circ).loan_period_days == 21


def test_seeded_defaults_are_national_library_like(circ):
    # The fixture reset the seeded rows in place (same scope), so the seed created them.
    assert LoanPolicy.objects.filter(library=None, reader_category=None).count() == 4
    reference = LoanPolicy.objects.get(loan_type="reference", library=None)
    assert reference.loanable is False


# --- Due dates -----------------------------------------------------------------------------


def due(circ, start=NOW, **rule):
    policy = set_rule(**rule)
    return due_at_for(
        policy=policy, calendar=LibraryCalendar.for_library(circ.library), start=start
    )


def test_day_loan_is_due_at_2359_local_time_across_dst(circ):
    result = due(circ)
    assert result == local(2026, 4, 1)  # summer time began on 29 March
    assert result.utcoffset() == timedelta(hours=3)
    assert result.astimezone(UTC) == datetime(2026, 4, 1, 20, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("next_open", date(2026, 3, 30)),  # Sunday 29 March → Monday
        ("previous_open", date(2026, 3, 28)),  # → Saturday
        ("keep", date(2026, 3, 29)),
    ],
)
def test_closed_day_strategy(circ, strategy, expected):
    result = due(circ, loan_period_days=27, closed_day_strategy=strategy)
    assert result.astimezone(VILNIUS).date() == expected


def test_public_holiday_moves_the_due_date(circ):
    # 11 March is the Restoration of Independence day: the library is closed.
    result = due(circ, loan_period_days=9)
    assert result.astimezone(VILNIUS).date() == date(2026, 3, 12)


def test_hard_due_date_caps_and_lands_on_an_open_day(circ):
    result = due(circ, hard_due_date=date(2026, 3, 15))  # a Sunday
    assert result == local(2026, 3, 14)
    kept = due(circ, hard_due_date=date(2026, 3, 15), closed_day_strategy="keep")
    assert kept == local(2026, 3, 15)
    assert due(circ, hard_due_date=date(2026, 6, 1)) == local(2026, 4, 1)


def test_hourly_loans_end_at_closing_time(circ):
    assert due(circ, loan_period_hours=3) == local(2026, 3, 2, 15, 0)
    evening = local(2026, 3, 2, 18, 30)
    assert due(circ, start=evening, loan_period_hours=3) == local(2026, 3, 2, 20, 0)
    sunday = local(2026, 3, 8, 12, 0)
    assert due(circ, start=sunday, loan_period_hours=3) == local(2026, 3, 9, 20, 0)


def test_reading_room_use_is_due_at_closing(circ):
    calendar = LibraryCalendar.for_library(circ.library)
    assert reading_room_due_at(calendar=calendar, start=NOW) == local(2026, 3, 2, 20, 0)
    late = local(2026, 3, 2, 21, 0)
    assert reading_room_due_at(calendar=calendar, start=late) == local(2026, 3, 2)


# --- Fines ---------------------------------------------------------------------------------


def fine(circ, returned_on, due_day=date(2026, 3, 2), **rule):
    policy = set_rule(**rule)
    return overdue_fine(
        policy=policy,
        calendar=LibraryCalendar.for_library(circ.library),
        due_at=local(due_day.year, due_day.month, due_day.day),
        returned_on=returned_on,
    )


def test_fine_counts_open_days_only(circ):
    quote = fine(circ, date(2026, 3, 9))  # Tue–Sat, (Sunday closed), Monday
    assert (quote.open_days_late, quote.amount) == (6, Decimal("0.18"))
    across_holiday = fine(circ, date(2026, 3, 12))  # 11 March closed
    assert (across_holiday.open_days_late, across_holiday.amount) == (8, Decimal("0.24"))
    assert fine(circ, date(2026, 3, 2)).amount == Decimal("0.00")
    assert fine(circ, date(2026, 2, 27)).amount == Decimal("0.00")


def test_fine_grace_period_and_cap(circ):
    assert fine(circ, date(2026, 3, 9), grace_days=6).amount == Decimal("0.00")
    assert fine(circ, date(2026, 3, 9), grace_days=5).amount == Decimal("0.18")
    assert fine(circ, date(2026, 3, 9), fine_cap=Decimal("0.10")).amount == Decimal("0.10")
    long = fine(circ, date(2027, 3, 9), fine_cap=Decimal("3.00"))
    assert long.amount == Decimal("3.00")
    assert fine(circ, date(2027, 3, 9), fine_cap=None).amount > Decimal("9.00")
    assert fine(circ, date(2026, 3, 9), fine_per_day=Decimal("0")).amount == Decimal("0.00")


def test_the_services_refuse_inconsistent_rules_and_cutoffs_whatever_the_caller(circ):
    from datetime import time

    from django.core.exceptions import ValidationError

    from skaitykla.circulation.models import StackOrderCutoff
    from skaitykla.core.models import ReadingRoom

    version = PolicyVersion.objects.get().version
    rule = LoanPolicy(
        name="inconsistent",
        library=circ.library,
        fine_per_day=Decimal("0.10"),
        fine_cap=Decimal("0.05"),
        overdue_notice_1_days=7,
        overdue_notice_2_days=7,
        overdue_notice_3_days=3,
    )
    with pytest.raises(ValidationError) as refused:
        services.save_loan_policy(policy=rule, staff=circ.supervisor)
    assert set(refused.value.message_dict) >= {
        "fine_cap",
        "overdue_notice_2_days",
        "overdue_notice_3_days",
    }
    assert not LoanPolicy.objects.filter(name="inconsistent").exists()
    assert PolicyVersion.objects.get().version == version

    elsewhere = ReadingRoom.objects.create(library=circ.other_library, code="R2", name="Kita")
    cutoff = StackOrderCutoff(
        library=circ.library, reading_room=elsewhere, weekday=0, last_order_at=time(16)
    )
    with pytest.raises(ValidationError) as refused:
        services.save_order_cutoff(cutoff=cutoff, staff=circ.supervisor)
    assert list(refused.value.message_dict) == ["reading_room"]
    assert not StackOrderCutoff.objects.exists()
