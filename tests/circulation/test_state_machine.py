"""A Hypothesis state machine over checkout, check-in, renewal, holds (place, cancel, suspend,
resume), trapping, expiry, blocks, lost and claimed-returned items and the clock. After every
step the invariants hold: at most one open loan per item; each item's status agrees with its
loan, holds and transits; hold positions are 1..k per record; no loan was made for a blocked or
expired reader; loan and hold limits hold. Runs on both databases (each example in a savepoint).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.catalogue.models import Item
from skaitykla.circulation import errors, services
from skaitykla.circulation.choices import (
    ACTIVE_HOLD_STATUSES,
    QUEUED_HOLD_STATUSES,
    HoldStatus,
)
from skaitykla.circulation.models import Hold, Loan, Transit
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Block, Reader
from tests.circulation.conftest import NOW, set_rule

VILNIUS = ZoneInfo("Europe/Vilnius")
LOAN_LIMIT = 3
HOLD_LIMIT = 2
#: Overridable refusals the machine's staff may pass (never the limits it checks).
OVERRIDES = (
    "item_on_hold_for_other",
    "item_in_transit",
    "renewal_limit",
    "hold_cannot_be_met",
    "item_available_here",
)

idx = st.integers(min_value=0, max_value=50)
#: What the actions came to over a run (the test checks the machine reached real states).
OUTCOMES: Counter[str] = Counter()


def build_world(circ):
    circ.category.loan_limit = LOAN_LIMIT
    circ.category.save()
    set_rule(
        max_holds=HOLD_LIMIT,
        renewals_allowed=2,
        max_overdue_items_before_block=None,
        max_balance_before_block=None,
        hold_shelf_open_days=2,
    )
    readers = [circ.reader] + [circ.new_reader()[0] for _ in range(3)]
    first, first_items = circ.record_with_items(2)
    first_items[1].library = circ.other_library
    first_items[1].save()
    second, second_items = circ.record_with_items(1)
    third, third_items = circ.record_with_items(2)
    items = first_items + second_items + third_items
    return readers, [first, second, third], items


class Circulation(RuleBasedStateMachine):
    world: tuple = ()
    circ = None

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.now = NOW
        self.readers, self.records, self.items = self.world
        self.libraries = [self.circ.library, self.circ.other_library]

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers -------------------------------------------------------------------------

    def pick(self, seq, index):
        return seq[index % len(seq)] if seq else None

    def today(self):
        return self.now.astimezone(VILNIUS).date()

    def attempt(self, call):
        try:
            result = call()
        except errors.CirculationError as error:
            OUTCOMES[error.code] += 1
            return error
        OUTCOMES[type(result).__name__] += 1
        return result

    # --- rules ---------------------------------------------------------------------------

    @rule(reader=idx, item=idx, library=idx, override=st.booleans())
    def checkout(self, reader, item, library, override):
        who = self.pick(self.readers, reader)
        what = self.pick(self.items, item)
        result = self.attempt(
            lambda: services.checkout_item(
                item_barcode=what.barcode,
                reader=who,
                library=self.pick(self.libraries, library),
                staff=self.circ.supervisor if override else self.circ.staff,
                override=OVERRIDES if override else (),
                channel="desk",
                at=self.now,
            )
        )
        if isinstance(result, Loan):
            who = Reader.objects.get(pk=who.pk)
            assert who.status == ReaderStatus.ACTIVE
            assert not self.blocked(who, "loans")

    @rule(item=idx, library=idx, backdate=st.booleans())
    def checkin(self, item, library, backdate):
        services.checkin_item(
            item_barcode=self.pick(self.items, item).barcode,
            library=self.pick(self.libraries, library),
            channel="desk",
            at=self.now,
            backdate_to=self.today() - timedelta(days=1) if backdate else None,
        )

    @rule(index=idx, override=st.booleans())
    def renew(self, index, override):
        loan = self.pick(list(Loan.objects.filter(returned_at__isnull=True).order_by("id")), index)
        if loan is None:
            return
        before = loan.due_at
        result = self.attempt(
            lambda: services.renew_loan(
                loan=loan.pk,
                staff=self.circ.supervisor if override else None,
                override=OVERRIDES if override else (),
                channel="desk" if override else "portal",
                at=self.now,
            )
        )
        if isinstance(result, Loan):
            assert result.due_at > before
            assert not self.blocked(Reader.objects.get(pk=loan.reader_id), "renewals")

    @rule(reader=idx, record=idx, pickup=idx, item_level=st.booleans(), override=st.booleans())
    def place_hold(self, reader, record, pickup, item_level, override):
        who = self.pick(self.readers, reader)
        title = self.pick(self.records, record)
        copy = Item.objects.filter(record=title).order_by("id").first() if item_level else None
        self.attempt(
            lambda: services.place_hold(
                reader=who,
                record=None if copy else title,
                item=copy,
                pickup_library=self.pick(self.libraries, pickup),
                staff=self.circ.supervisor if override else None,
                override=OVERRIDES if override else (),
                channel="desk" if override else "portal",
                at=self.now,
            )
        )

    @rule(index=idx)
    def cancel_hold(self, index):
        hold = self.pick(
            list(Hold.objects.filter(status__in=ACTIVE_HOLD_STATUSES).order_by("id")), index
        )
        if hold is not None:
            services.cancel_hold(hold=hold, staff=self.circ.staff, at=self.now)

    @rule(index=idx, days=st.integers(min_value=0, max_value=5))
    def suspend_or_resume(self, index, days):
        hold = self.pick(
            list(Hold.objects.filter(status__in=QUEUED_HOLD_STATUSES).order_by("id")), index
        )
        if hold is None:
            return
        if hold.status == HoldStatus.SUSPENDED:
            services.resume_hold(hold=hold, staff=self.circ.staff)
        else:
            services.suspend_hold(
                hold=hold,
                until=self.today() + timedelta(days=days),
                staff=self.circ.staff,
                at=self.now,
            )

    @rule(index=idx, position=st.integers(min_value=1, max_value=5))
    def move_hold(self, index, position):
        hold = self.pick(
            list(Hold.objects.filter(status__in=QUEUED_HOLD_STATUSES).order_by("id")), index
        )
        if hold is not None:
            services.move_hold(hold=hold, position=position, staff=self.circ.staff)

    @rule(days=st.integers(min_value=0, max_value=12), hours=st.integers(min_value=0, max_value=23))
    def advance_clock_and_expire(self, days, hours):
        self.now += timedelta(days=days, hours=hours)
        services.expire_holds(today=self.today())
        services.expire_hold_shelf(today=self.today(), at=self.now)

    @rule(reader=idx, lift=st.booleans())
    def block(self, reader, lift):
        who = self.pick(self.readers, reader)
        if lift:
            Block.objects.filter(reader=who, lifted_at__isnull=True).update(lifted_at=self.now)
        else:
            Block.objects.create(
                reader=who, reason="test", starts_on=self.today() - timedelta(days=1)
            )

    @rule(reader=idx, expired=st.booleans())
    def expire_reader(self, reader, expired):
        who = self.pick(self.readers, reader)
        Reader.objects.filter(pk=who.pk).update(
            status=ReaderStatus.EXPIRED if expired else ReaderStatus.ACTIVE
        )

    @rule(index=idx, lost=st.booleans())
    def lose_or_claim(self, index, lost):
        loan = self.pick(list(Loan.objects.filter(returned_at__isnull=True).order_by("id")), index)
        if loan is None:
            return
        action = services.declare_lost if lost else services.claim_returned
        self.attempt(lambda: action(loan=loan.pk, staff=self.circ.staff, at=self.now))

    # --- invariants ----------------------------------------------------------------------

    def blocked(self, reader, action):
        day = self.today()
        return Block.objects.filter(
            reader=reader, lifted_at__isnull=True, starts_on__lte=day, **{f"blocks_{action}": True}
        ).exists()

    @invariant()
    def one_open_loan_per_item(self):
        assert not (
            Loan.objects.filter(returned_at__isnull=True)
            .values("item")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .exists()
        )

    @invariant()
    def item_status_agrees(self):
        for item in Item.objects.all():
            loan = Loan.objects.filter(item=item, returned_at__isnull=True).first()
            trapped = Hold.objects.filter(
                trapped_item=item, status__in=(HoldStatus.READY, HoldStatus.IN_TRANSIT)
            ).first()
            transit = Transit.objects.filter(
                item=item, received_at__isnull=True, cancelled_at__isnull=True
            ).first()
            if loan is not None:
                expected = (
                    ItemStatus.LOST
                    if loan.lost_at
                    else ItemStatus.CLAIMED_RETURNED
                    if loan.claimed_returned_at
                    else ItemStatus.ON_LOAN
                )
                assert item.status == expected, (item.status, expected)
                assert trapped is None
                assert transit is None
            elif trapped is not None:
                if trapped.status == HoldStatus.READY:
                    assert item.status == ItemStatus.ON_HOLD_SHELF
                    assert transit is None
                else:
                    assert item.status == ItemStatus.IN_TRANSIT
                    assert transit is not None
                    assert transit.hold_id == trapped.pk
                    assert transit.to_library_id == trapped.pickup_library_id
            elif transit is not None:
                assert item.status == ItemStatus.IN_TRANSIT
                assert transit.to_library_id == item.library_id
            else:
                assert item.status == ItemStatus.AVAILABLE, item.status

    @invariant()
    def positions_contiguous(self):
        for record in self.records:
            positions = list(
                Hold.objects.filter(record=record, status__in=QUEUED_HOLD_STATUSES)
                .order_by("position")
                .values_list("position", flat=True)
            )
            assert positions == list(range(1, len(positions) + 1)), positions
        assert (
            not Hold.objects.exclude(status__in=QUEUED_HOLD_STATUSES)
            .filter(position__isnull=False)
            .exists()
        )

    @invariant()
    def limits_held(self):
        for reader in self.readers:
            assert (
                Loan.objects.filter(reader=reader, returned_at__isnull=True).count() <= LOAN_LIMIT
            )
            assert Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES).count() <= (
                HOLD_LIMIT
            )


def test_circulation_state_machine(circ):
    Circulation.world = build_world(circ)
    Circulation.circ = circ
    run_state_machine_as_test(
        Circulation,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
    print(dict(OUTCOMES))
    assert OUTCOMES["Loan"], OUTCOMES
    assert OUTCOMES["Hold"], OUTCOMES
