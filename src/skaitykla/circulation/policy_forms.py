"""Forms of the loan-policy page: one rule of the table, one stack-order cut-off.

They validate the shape of what staff typed (the model's own validation runs too, so every
message appears at its field in the user's language); the services save and audit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from skaitykla.circulation.models import LoanPolicy, StackOrderCutoff
from skaitykla.core.models import ReadingRoom

#: Monday = 0, as ``datetime.weekday()`` and the model count.
WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)

#: Amounts of money that may not be negative.
_MONEY_FIELDS = ("fine_per_day", "fine_cap", "lost_fee", "max_balance_before_block")


#: Fieldsets of the loan-rule page: (legend, field names) — every editable field once.
POLICY_GROUPS = (
    (
        _("Where the rule applies (empty: any)"),
        ("name", "library", "reader_category", "loan_type", "material_type", "priority"),
    ),
    (
        _("Loans"),
        (
            "is_active",
            "loanable",
            "home_loan_allowed",
            "loan_period_days",
            "loan_period_hours",
            "closed_day_strategy",
            "hard_due_date",
        ),
    ),
    (
        _("Renewals"),
        ("renewals_allowed", "renewal_period_days", "renew_from", "no_renewal_before_days"),
    ),
    (
        _("Loan limits"),
        (
            "max_loans_total",
            "max_loans_per_loan_type",
            "max_loans_per_library",
            "one_copy_per_title",
        ),
    ),
    (
        _("Holds"),
        ("holds_allowed", "max_holds", "hold_shelf_open_days", "hold_max_days"),
    ),
    (
        _("Closed-stack orders"),
        ("max_orders_per_day", "order_pickup_open_days", "order_keep_open_days"),
    ),
    (
        _("Fines and automatic blocks"),
        (
            "fine_per_day",
            "fine_cap",
            "grace_days",
            "lost_fee",
            "max_overdue_items_before_block",
            "max_balance_before_block",
        ),
    ),
    (
        _("Notices"),
        (
            "due_soon_days",
            "overdue_notice_1_days",
            "overdue_notice_2_days",
            "overdue_notice_3_days",
        ),
    ),
)


class _RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.library.name}: {obj.name}"


class LoanPolicyForm(forms.ModelForm):
    """Every setting of one rule of the loan-policy table, grouped into fieldsets."""

    class Meta:
        model = LoanPolicy
        fields = tuple(name for _legend, names in POLICY_GROUPS for name in names)
        widgets: ClassVar = {
            "hard_due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _MONEY_FIELDS:
            field = self.fields[name]
            field.validators.append(MinValueValidator(Decimal("0")))
            field.widget.attrs["min"] = "0"
        self.fields["loan_period_hours"].validators.append(MinValueValidator(1))
        self.fields["loan_period_hours"].widget.attrs["min"] = "1"
        for name, empty in (("library", _("Any library")), ("reader_category", _("Any category"))):
            choice = self.fields[name]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.empty_label = empty

    def fieldsets(self) -> list[tuple[object, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in POLICY_GROUPS]


class StackOrderCutoffForm(forms.ModelForm):
    """Until when orders are taken on one weekday, for a library or one of its reading rooms."""

    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)

    class Meta:
        model = StackOrderCutoff
        fields = ("library", "reading_room", "weekday", "last_order_at", "delivery_minutes")
        field_classes: ClassVar = {"reading_room": _RoomChoiceField}
        widgets: ClassVar = {
            "last_order_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        room = self.fields["reading_room"]
        assert isinstance(room, forms.ModelChoiceField)
        room.queryset = ReadingRoom.objects.select_related("library").order_by(
            "library__name", "name"
        )
        room.empty_label = _("Every room of the library")
        room.help_text = _("Empty: the cut-off of the whole library; a room's own row wins.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        library, room = data.get("library"), data.get("reading_room")
        weekday = data.get("weekday")
        same_library = room is None or library is None or room.library_id == library.pk
        if library is not None and weekday is not None and same_library and not self.errors:
            same = StackOrderCutoff.objects.filter(
                library=library, reading_room=room, weekday=weekday
            ).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error(
                    "weekday", _("There is already a cut-off for this place on this weekday.")
                )
        return data
