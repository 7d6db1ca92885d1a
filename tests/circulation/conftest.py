"""Fixtures for circulation tests (others may reuse them): a library open Monday to Saturday,
reader categories, a reader with a card, items, a default loan policy, staff users."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from skaitykla.accounts.models import User
from skaitykla.catalogue.choices import ItemStatus, LoanType
from skaitykla.catalogue.models import Item, Record
from skaitykla.circulation.models import Fee, Hold, Loan, LoanPolicy, Transit
from skaitykla.circulation.policies import forget_cached_policies
from skaitykla.core.models import AuditEntry, Library, OpeningHours, ServiceFact
from skaitykla.patrons.models import Card, Reader, ReaderCategory
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.factories import LibraryFactory, StaffUserFactory
from tests.patrons.factories import CardFactory, ReaderCategoryFactory, ReaderFactory

#: Monday 2 March 2026, 12:00 in Vilnius (UTC+2): every test's "now" unless it says otherwise.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

DEFAULT_RULE = {
    "loan_period_days": 30,
    "loan_period_hours": None,
    "renewals_allowed": 3,
    "renewal_period_days": 30,
    "renew_from": "due_date",
    "closed_day_strategy": "next_open",
    "hard_due_date": None,
    "max_holds": 10,
    "hold_shelf_open_days": 3,
    "fine_per_day": Decimal("0.03"),
    "fine_cap": Decimal("3.00"),
    "grace_days": 0,
    "max_overdue_items_before_block": 2,
    "max_balance_before_block": Decimal("5.00"),
    "max_loans_total": None,
    "max_loans_per_loan_type": None,
    "max_loans_per_library": None,
    "no_renewal_before_days": None,
    "one_copy_per_title": False,
    "loanable": True,
    "home_loan_allowed": True,
    "holds_allowed": True,
    "is_active": True,
}


def open_mon_to_sat(library: Library) -> None:
    OpeningHours.objects.bulk_create(
        OpeningHours(library=library, weekday=day, opens=time(10), closes=time(20))
        for day in range(6)
    )


def set_rule(loan_type: str = "", **values: Any) -> LoanPolicy:
    """Create or reset the network-wide rule for ``loan_type`` (the seeded ones included)."""
    defaults = {**DEFAULT_RULE, **values}
    if loan_type in (LoanType.READING_ROOM, LoanType.CLOSED_STACK):
        defaults.setdefault("home_loan_allowed", False)
    policy, _ = LoanPolicy.objects.update_or_create(
        library=None,
        reader_category=None,
        loan_type=loan_type,
        material_type="",
        defaults={"name": f"rule {loan_type or 'default'}", **defaults},
    )
    return policy


@dataclass
class Circ:
    """A ready circulation world."""

    library: Library
    other_library: Library
    category: ReaderCategory
    reader: Reader
    card: Card
    staff: User
    supervisor: User
    policy: LoanPolicy

    def item(self, **values: Any) -> Item:
        values.setdefault("library", self.library)
        return ItemFactory(**values)

    def record_with_items(self, count: int, **values: Any) -> tuple[Record, list[Item]]:
        record = RecordFactory()
        return record, [self.item(record=record, **values) for _ in range(count)]

    def new_reader(self, **values: Any) -> tuple[Reader, Card]:
        values.setdefault("category", self.category)
        values.setdefault("home_library", self.library)
        reader = ReaderFactory(**values)
        return reader, CardFactory(reader=reader, library=self.library)


def with_permission(user: User, *codenames: str) -> User:
    for codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="circulation", codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def circ(db: None) -> Circ:
    forget_cached_policies()
    library = LibraryFactory(code="LT-CIRC", name="Centrinė biblioteka")
    other = LibraryFactory(code="LT-CIRC2", name="Filialas")
    open_mon_to_sat(library)
    open_mon_to_sat(other)
    category = ReaderCategoryFactory(code="adult", loan_limit=10)
    if category.loan_limit != 10:
        category.loan_limit = 10
        category.save(update_fields=["loan_limit"])
    reader = ReaderFactory(category=category, home_library=library)
    card = CardFactory(reader=reader, library=library, barcode="CIRC0001")
    policy = set_rule()
    set_rule(LoanType.READING_ROOM, home_loan_allowed=False, renewals_allowed=0)
    set_rule(LoanType.CLOSED_STACK, home_loan_allowed=False, renewals_allowed=0)
    set_rule(LoanType.REFERENCE, loanable=False, home_loan_allowed=False, holds_allowed=False)
    staff = StaffUserFactory(username="desk")
    supervisor = with_permission(
        StaffUserFactory(username="supervisor"), "override_refusal", "manage_fees"
    )
    return Circ(library, other, category, reader, card, staff, supervisor, policy)


@pytest.fixture
def make_item(circ: Circ) -> Callable[..., Item]:
    return circ.item


def state_of(*items: Item) -> dict[str, object]:
    """Everything a refused action must leave as it was."""
    return {
        "loans": list(
            Loan.objects.order_by("id").values_list("id", "returned_at", "due_at", "renewals_count")
        ),
        "holds": list(Hold.objects.order_by("id").values_list("id", "status", "position")),
        "fees": list(Fee.objects.order_by("id").values_list("id", "outstanding")),
        "transits": Transit.objects.count(),
        "audit": AuditEntry.objects.count(),
        "facts": ServiceFact.objects.count(),
        "items": [
            Item.objects.filter(pk=item.pk).values_list("status", "due_back").get()
            for item in items
        ],
    }


def item_status(item: Item) -> str:
    return Item.objects.values_list("status", flat=True).get(pk=item.pk)


AVAILABLE = ItemStatus.AVAILABLE
