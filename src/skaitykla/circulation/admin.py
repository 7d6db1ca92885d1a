"""The loan-policy table in the Django admin (when the admin is enabled): saves and deletes go
through the service, so every change bumps the policy version (ADR 0060)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from skaitykla.circulation.models import LoanPolicy
from skaitykla.circulation.services.policies import delete_loan_policy, save_loan_policy


@admin.register(LoanPolicy)
class LoanPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "library",
        "reader_category",
        "loan_type",
        "material_type",
        "loan_period_days",
        "renewals_allowed",
        "fine_per_day",
        "is_active",
    )
    list_filter = ("library", "reader_category", "loan_type", "is_active")
    actions = None  # no bulk delete around the service

    def save_model(self, request: HttpRequest, obj: LoanPolicy, form: Any, change: bool) -> None:
        save_loan_policy(policy=obj, staff=request.user)  # type: ignore[arg-type]

    def delete_model(self, request: HttpRequest, obj: LoanPolicy) -> None:
        delete_loan_policy(policy=obj, staff=request.user)  # type: ignore[arg-type]
