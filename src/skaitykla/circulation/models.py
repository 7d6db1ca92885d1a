"""Loan policies, loans, holds, closed-stack orders, fees, transits, in-house use, offline
uploads and the notices sent.

Invariants kept by the database on both engines:

* one open loan per item (``loan_one_open_per_item``);
* one live trapped hold per item and one live hold per reader and record;
* unique queue positions per record among queued holds (``hold_queue_position_unique``);
  positions are renumbered 1..k by ``services.holds`` under a lock on the record row;
* one active closed-stack order and one open transit per item;
* a notice of a kind is sent once per loan, hold or order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skaitykla.catalogue.choices import LoanType, MaterialType
from skaitykla.circulation.choices import (
    ACTIVE_HOLD_STATUSES,
    ACTIVE_ORDER_STATUSES,
    QUEUED_HOLD_STATUSES,
    TRAPPED_HOLD_STATUSES,
    ActorRole,
    CircChannel,
    ClosedDayStrategy,
    FeeKind,
    FeeTransactionKind,
    HoldStatus,
    LoanKind,
    NoticeKind,
    OfflineBatchStatus,
    OfflineKind,
    OfflineOutcome,
    RenewFrom,
    StackOrderStatus,
    TransitReason,
)
from skaitykla.core.choices import AgeBand


class PolicyVersion(models.Model):
    """One row: bumped by every change of the loan-policy table.

    Each process keeps the compiled rules in memory and compares this counter once per
    circulation transaction (one indexed single-row read); see ADR 0060.
    """

    version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loan policy version")
        verbose_name_plural = _("loan policy version")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(pk=1), name="policy_version_single_row")
        ]

    def __str__(self) -> str:
        return str(self.version)


class LoanPolicy(models.Model):
    """One rule of the loan-policy table. Empty scope fields match anything; the most specific
    matching rule wins (library > reader category > loan type > material type), ties by
    ``priority`` then id."""

    name = models.CharField(_("name"), max_length=120)
    library = models.ForeignKey(
        "core.Library",
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="loan_policies",
        help_text=_("Empty: any library."),
    )
    reader_category = models.ForeignKey(
        "patrons.ReaderCategory",
        verbose_name=_("reader category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="loan_policies",
        help_text=_("Empty: any category."),
    )
    loan_type = models.CharField(
        _("loan type"), max_length=20, choices=LoanType.choices, blank=True
    )
    material_type = models.CharField(
        _("material type"), max_length=20, choices=MaterialType.choices, blank=True
    )
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Breaks ties between equally specific rules.")
    )
    is_active = models.BooleanField(pgettext_lazy("loan policy", "active"), default=True)

    # Loans
    loanable = models.BooleanField(
        _("may be lent"), default=True, help_text=_("Off: reference only, no loan of any kind.")
    )
    home_loan_allowed = models.BooleanField(
        _("may go home"),
        default=True,
        help_text=_("Off: only for use in a reading room (through an order or the room desk)."),
    )
    loan_period_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=30)
    loan_period_hours = models.PositiveSmallIntegerField(
        _("loan period (hours)"),
        null=True,
        blank=True,
        help_text=_("Set for short loans: replaces the period in days."),
    )
    closed_day_strategy = models.CharField(
        _("due on a closed day"),
        max_length=16,
        choices=ClosedDayStrategy.choices,
        default=ClosedDayStrategy.NEXT_OPEN,
    )
    hard_due_date = models.DateField(_("hard due date"), null=True, blank=True)
    renewals_allowed = models.PositiveSmallIntegerField(_("renewals allowed"), default=3)
    renewal_period_days = models.PositiveSmallIntegerField(
        _("renewal period (days)"), null=True, blank=True, help_text=_("Empty: the loan period.")
    )
    renew_from = models.CharField(
        _("renew from"), max_length=10, choices=RenewFrom.choices, default=RenewFrom.DUE_DATE
    )
    no_renewal_before_days = models.PositiveSmallIntegerField(
        _("renewal not earlier than (days before due)"),
        null=True,
        blank=True,
        help_text=_("Empty: any time."),
    )
    max_loans_total = models.PositiveSmallIntegerField(
        _("loan limit (total)"), null=True, blank=True, help_text=_("Empty: the category's limit.")
    )
    max_loans_per_loan_type = models.PositiveSmallIntegerField(
        _("loan limit per loan type"), null=True, blank=True
    )
    max_loans_per_library = models.PositiveSmallIntegerField(
        _("loan limit per library"), null=True, blank=True
    )
    one_copy_per_title = models.BooleanField(_("one copy of a title at a time"), default=False)

    # Holds
    holds_allowed = models.BooleanField(_("may be reserved"), default=True)
    max_holds = models.PositiveSmallIntegerField(_("hold limit"), default=10)
    hold_shelf_open_days = models.PositiveSmallIntegerField(
        _("days on the hold shelf (open days)"), default=3
    )
    hold_max_days = models.PositiveSmallIntegerField(
        _("unfilled hold expires after (days)"), default=180
    )

    # Closed-stack orders to reading rooms
    max_orders_per_day = models.PositiveSmallIntegerField(
        _("closed-stack orders per reader per day"), default=10
    )
    order_pickup_open_days = models.PositiveSmallIntegerField(
        _("order waits on the shelf (open days)"), default=3
    )
    order_keep_open_days = models.PositiveSmallIntegerField(
        _("kept for the next visit (open days)"), default=3
    )

    # Fines and automatic blocks
    fine_per_day = models.DecimalField(
        _("fine per open day"), default=Decimal("0.03"), max_digits=10, decimal_places=2
    )
    fine_cap = models.DecimalField(
        _("fine cap per loan"),
        null=True,
        blank=True,
        help_text=_("Empty: no cap."),
        max_digits=10,
        decimal_places=2,
    )
    grace_days = models.PositiveSmallIntegerField(_("grace period (open days)"), default=0)
    lost_fee = models.DecimalField(
        _("lost item fee"),
        null=True,
        blank=True,
        help_text=_("Empty: the item's price."),
        max_digits=10,
        decimal_places=2,
    )
    max_overdue_items_before_block = models.PositiveSmallIntegerField(
        _("overdue items that block loans"), null=True, blank=True
    )
    max_balance_before_block = models.DecimalField(
        _("balance that blocks loans"), null=True, blank=True, max_digits=10, decimal_places=2
    )

    # Notices
    due_soon_days = models.PositiveSmallIntegerField(_("due-soon notice (days before)"), default=3)
    overdue_notice_1_days = models.PositiveSmallIntegerField(
        _("first overdue notice (days after)"), default=1
    )
    overdue_notice_2_days = models.PositiveSmallIntegerField(
        _("second overdue notice (days after)"), default=14
    )
    overdue_notice_3_days = models.PositiveSmallIntegerField(
        _("third overdue notice (days after)"), default=30
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("loan policy")
        verbose_name_plural = _("loan policies")
        ordering: ClassVar = ["library", "reader_category", "loan_type", "material_type", "id"]
        permissions: ClassVar = [
            ("override_refusal", _("Can override circulation refusals")),
            ("manage_fees", _("Can take payments and waive fees")),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(loan_period_hours__isnull=True) | Q(loan_period_hours__gt=0),
                name="loan_policy_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(fine_per_day__gte=0), name="loan_policy_fine_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Rules checked by ``save_loan_policy`` (through ``full_clean``) and the rule form."""
        errors: dict[str, object] = {}
        first, second, third = (
            self.overdue_notice_1_days,
            self.overdue_notice_2_days,
            self.overdue_notice_3_days,
        )
        if first is not None and second is not None and second <= first:
            errors["overdue_notice_2_days"] = _("The second notice must come later than the first.")
        if second is not None and third is not None and third <= second:
            errors["overdue_notice_3_days"] = _("The third notice must come later than the second.")
        fine, cap = self.fine_per_day, self.fine_cap
        if fine is not None and cap is not None and cap < fine:
            errors["fine_cap"] = _("The cap cannot be lower than the fine for one day.")
        if errors:
            raise ValidationError(errors)

    @property
    def specificity(self) -> int:
        return (
            (8 if self.library_id else 0)
            + (4 if self.reader_category_id else 0)
            + (2 if self.loan_type else 0)
            + (1 if self.material_type else 0)
        )


class Loan(models.Model):
    """An item lent to a reader: home loan or use in a reading room. ``returned_at`` empty: open."""

    item = models.ForeignKey(
        "catalogue.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="loans"
    )
    reader = models.ForeignKey(
        "patrons.Reader",
        verbose_name=_("reader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="loans",
    )
    library = models.ForeignKey(
        "core.Library", verbose_name=_("lent at"), on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey(
        LoanPolicy,
        verbose_name=_("loan policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LoanKind.choices, default="home")
    checked_out_at = models.DateTimeField(_("checked out"))
    due_at = models.DateTimeField(_("due"))
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    renewals_count = models.PositiveSmallIntegerField(_("renewals"), default=0)
    last_renewed_at = models.DateTimeField(_("last renewed"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=CircChannel.choices)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked out by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at_library = models.ForeignKey(
        "core.Library",
        verbose_name=_("returned at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_channel = models.CharField(
        _("return channel"), max_length=10, choices=CircChannel.choices, blank=True
    )
    claimed_returned_at = models.DateTimeField(_("claimed returned"), null=True, blank=True)
    lost_at = models.DateTimeField(_("declared lost"), null=True, blank=True)
    anonymised = models.BooleanField(_("anonymised"), default=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    reader_category_code = models.CharField(_("reader category"), max_length=40, blank=True)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering: ClassVar = ["-checked_out_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["reader", "returned_at"], name="loan_reader_open_idx"),
            models.Index(fields=["returned_at", "due_at"], name="loan_open_due_idx"),
            models.Index(fields=["anonymised", "returned_at"], name="loan_history_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(returned_at__isnull=True),
                name="loan_one_open_per_item",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("checked_out_at")), name="loan_due_after_checkout"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class Hold(models.Model):
    """A reader's request for a title (any copy) or for one item, picked up at a library.

    Queued holds (waiting, suspended) have ``position`` 1..k per record; a trapped hold (in
    transit, ready) has an item set aside and no position.
    """

    reader = models.ForeignKey(
        "patrons.Reader", verbose_name=_("reader"), on_delete=models.CASCADE, related_name="holds"
    )
    record = models.ForeignKey(
        "catalogue.Record",
        verbose_name=_("record"),
        on_delete=models.CASCADE,
        related_name="holds",
    )
    item = models.ForeignKey(
        "catalogue.Item",
        verbose_name=_("item (item-level hold)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="item_holds",
    )
    pickup_library = models.ForeignKey(
        "core.Library", verbose_name=_("pickup library"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=HoldStatus.choices, default=HoldStatus.WAITING
    )
    position = models.IntegerField(_("queue position"), null=True, blank=True)
    placed_at = models.DateTimeField(_("placed"))
    not_needed_after = models.DateField(_("not needed after"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    trapped_item = models.ForeignKey(
        "catalogue.Item",
        verbose_name=_("item set aside"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trapped_holds",
    )
    trapped_at = models.DateTimeField(_("item set aside at"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    shelf_expires_on = models.DateField(_("on the shelf until"), null=True, blank=True)
    fulfilled_loan = models.ForeignKey(
        Loan,
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fulfilled_holds",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=10, choices=ActorRole.choices, blank=True
    )
    cancelled_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=CircChannel.choices)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering: ClassVar = ["record", "position", "placed_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["reader", "status"], name="hold_reader_status_idx"),
            models.Index(fields=["status", "shelf_expires_on"], name="hold_status_shelf_idx"),
            models.Index(fields=["record", "status"], name="hold_record_status_idx"),
        ]
        constraints: ClassVar = [
            # NULL positions are distinct on both engines, so only queued holds compete.
            models.UniqueConstraint(
                fields=["record", "position"], name="hold_queue_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=QUEUED_HOLD_STATUSES, position__isnull=False)
                | (~Q(status__in=QUEUED_HOLD_STATUSES) & Q(position__isnull=True)),
                name="hold_position_iff_queued",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=TRAPPED_HOLD_STATUSES) | Q(trapped_item__isnull=False),
                name="hold_trapped_has_item",
            ),
            models.UniqueConstraint(
                fields=["trapped_item"],
                condition=Q(status__in=TRAPPED_HOLD_STATUSES),
                name="hold_one_trapped_per_item",
            ),
            models.UniqueConstraint(
                fields=["reader", "record"],
                condition=Q(status__in=ACTIVE_HOLD_STATUSES),
                name="hold_one_active_per_reader_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} #{self.position or '-'} {self.status}"

    @property
    def is_item_level(self) -> bool:
        return self.item_id is not None


class StackOrder(models.Model):
    """A closed-stack order: an item fetched from storage to a reading room for a day."""

    reader = models.ForeignKey(
        "patrons.Reader",
        verbose_name=_("reader"),
        on_delete=models.CASCADE,
        related_name="stack_orders",
    )
    item = models.ForeignKey(
        "catalogue.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="stack_orders",
    )
    room = models.ForeignKey(
        "core.ReadingRoom",
        verbose_name=_("reading room"),
        on_delete=models.PROTECT,
        related_name="stack_orders",
    )
    for_day = models.DateField(_("for the day"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=StackOrderStatus.choices,
        default=StackOrderStatus.ORDERED,
    )
    ordered_at = models.DateTimeField(_("ordered"))
    status_changed_at = models.DateTimeField(_("status changed"))
    delivered_at = models.DateTimeField(_("delivered to the room"), null=True, blank=True)
    pickup_until = models.DateField(_("wait on the shelf until"), null=True, blank=True)
    keep_until = models.DateField(_("kept until"), null=True, blank=True)
    loan = models.ForeignKey(
        Loan,
        verbose_name=_("reading-room loan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stack_orders",
    )
    slip_printed_at = models.DateTimeField(_("slip printed"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=CircChannel.choices)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=10, choices=ActorRole.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("closed-stack order")
        verbose_name_plural = _("closed-stack orders")
        ordering: ClassVar = ["for_day", "ordered_at", "id"]
        permissions: ClassVar = [("handle_stack_orders", _("Can fetch and hand out orders"))]
        indexes: ClassVar = [
            models.Index(fields=["room", "for_day", "status"], name="order_room_day_idx"),
            models.Index(fields=["reader", "status"], name="order_reader_status_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=ACTIVE_ORDER_STATUSES),
                name="order_one_active_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.room_id} {self.for_day}"


class StackOrderCutoff(models.Model):
    """Until when on a weekday orders are taken for that day, and how long delivery takes.

    ``reading_room`` empty: every room of the library."""

    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.CASCADE, related_name="+"
    )
    reading_room = models.ForeignKey(
        "core.ReadingRoom",
        verbose_name=_("reading room"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="order_cutoffs",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"))
    last_order_at = models.TimeField(_("orders taken until"))
    delivery_minutes = models.PositiveSmallIntegerField(_("delivery time (minutes)"), default=60)

    class Meta:
        verbose_name = _("order cut-off")
        verbose_name_plural = _("order cut-offs")
        ordering: ClassVar = ["library", "reading_room", "weekday"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="order_cutoff_weekday"),
            models.UniqueConstraint(
                fields=["library", "reading_room", "weekday"],
                condition=Q(reading_room__isnull=False),
                name="order_cutoff_room_unique",
            ),
            models.UniqueConstraint(
                fields=["library", "weekday"],
                condition=Q(reading_room__isnull=True),
                name="order_cutoff_library_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.last_order_at:%H:%M}"

    def clean(self) -> None:
        """A room's cut-off belongs to the room's own library (``save_order_cutoff``, form)."""
        room = self.reading_room if self.reading_room_id is not None else None
        if room is not None and self.library_id is not None and room.library_id != self.library_id:
            raise ValidationError(
                {"reading_room": _("This reading room belongs to another library.")}
            )


class Transit(models.Model):
    """An item on its way between libraries: to a hold's pickup library or back home."""

    item = models.ForeignKey(
        "catalogue.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="transits"
    )
    from_library = models.ForeignKey(
        "core.Library",
        verbose_name=pgettext_lazy("transit", "from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_library = models.ForeignKey(
        "core.Library",
        verbose_name=pgettext_lazy("transit", "to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=8, choices=TransitReason.choices)
    hold = models.ForeignKey(
        Hold,
        verbose_name=_("hold"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transits",
    )
    sent_at = models.DateTimeField(_("sent"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("transit")
        verbose_name_plural = _("transits")
        ordering: ClassVar = ["-sent_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(received_at__isnull=True, cancelled_at__isnull=True),
                name="transit_one_open_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_library_id} → {self.to_library_id}"


class Fee(models.Model):
    """A charge to a reader. ``outstanding`` falls with payments and waivers (``FeeTransaction``);
    the balance is the sum of what is outstanding."""

    reader = models.ForeignKey(
        "patrons.Reader",
        verbose_name=_("reader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fees",
    )
    loan = models.ForeignKey(
        Loan,
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fees",
    )
    item = models.ForeignKey(
        "catalogue.Item",
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FeeKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    outstanding = models.DecimalField(_("outstanding"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("charged"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("charged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["reader", "outstanding"], name="fee_reader_outstanding_idx")
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_amount_positive"),
            models.CheckConstraint(
                condition=Q(outstanding__gte=0) & Q(outstanding__lte=models.F("amount")),
                name="fee_outstanding_range",
            ),
            models.UniqueConstraint(
                fields=["loan", "kind"],
                condition=Q(loan__isnull=False, kind__in=["overdue", "lost"]),
                name="fee_one_overdue_or_lost_per_loan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class FeeTransaction(models.Model):
    """A payment, waiver or cancellation against one fee, by staff (audited)."""

    fee = models.ForeignKey(
        Fee, verbose_name=_("fee"), on_delete=models.CASCADE, related_name="transactions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FeeTransactionKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    at = models.DateTimeField(_("when"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    library = models.ForeignKey(
        "core.Library",
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fee transaction")
        verbose_name_plural = _("fee transactions")
        ordering: ClassVar = ["at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_transaction_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class InHouseUse(models.Model):
    """An item used on the premises without a loan (a scan at a desk or a check-in)."""

    item = models.ForeignKey(
        "catalogue.Item",
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="in_house_uses",
    )
    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=10, choices=CircChannel.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("in-house use")
        verbose_name_plural = _("in-house uses")
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.at:%Y-%m-%d %H:%M}"


class OfflineBatch(models.Model):
    """An uploaded file of offline transactions; the same file (by digest) is taken once."""

    digest = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    library = models.ForeignKey(
        "core.Library", verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OfflineBatchStatus.choices,
        default=OfflineBatchStatus.UPLOADED,
    )
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("done"), default=0)
    rows_failed = models.PositiveIntegerField(_("exceptions"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("offline upload")
        verbose_name_plural = _("offline uploads")
        ordering: ClassVar = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.file_name or self.digest[:12]


class OfflineTransaction(models.Model):
    """One row of an offline upload, replayed in time order, with its outcome."""

    batch = models.ForeignKey(
        OfflineBatch,
        verbose_name=_("upload"),
        on_delete=models.CASCADE,
        related_name="transactions",
    )
    row_number = models.PositiveIntegerField(_("row"))
    at = models.DateTimeField(_("when (real time)"))
    kind = models.CharField(_("kind"), max_length=10, choices=OfflineKind.choices)
    card_barcode = models.CharField(_("card number"), max_length=40, blank=True)
    item_barcode = models.CharField(_("item barcode"), max_length=64)
    reader = models.ForeignKey(
        "patrons.Reader",
        verbose_name=_("reader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offline_transactions",
    )
    loan = models.ForeignKey(
        Loan,
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=OfflineOutcome.choices, default=OfflineOutcome.PENDING
    )
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("offline transaction")
        verbose_name_plural = _("offline transactions")
        ordering: ClassVar = ["batch", "at", "row_number"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["batch", "row_number"], name="offline_transaction_row_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.kind}"


class NoticeSent(models.Model):
    """A notice queued for a loan, hold or order; each kind once per object."""

    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    order = models.ForeignKey(
        StackOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=NoticeKind.choices)
    sent_at = models.DateTimeField(_("queued"))

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        ordering: ClassVar = ["-sent_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["loan", "kind"], condition=Q(loan__isnull=False), name="notice_once_loan"
            ),
            models.UniqueConstraint(
                fields=["hold", "kind"], condition=Q(hold__isnull=False), name="notice_once_hold"
            ),
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(order__isnull=False),
                name="notice_once_order",
            ),
            models.CheckConstraint(
                condition=(
                    Q(loan__isnull=False, hold__isnull=True, order__isnull=True)
                    | Q(loan__isnull=True, hold__isnull=False, order__isnull=True)
                    | Q(loan__isnull=True, hold__isnull=True, order__isnull=False)
                ),
                name="notice_one_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sent_at:%Y-%m-%d}"
