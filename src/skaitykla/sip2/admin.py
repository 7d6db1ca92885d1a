"""Kiosk accounts in the Django admin: the password is typed once and stored hashed.

Only staff with ``sip2.manage_kiosks`` see and change them. Loaded when ``django.contrib.admin``
is installed; ``skaitykla sip2_kiosk`` does the same from the shell.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from skaitykla.sip2.forms import KioskAccountForm
from skaitykla.sip2.models import KioskAccount, NoBlockTransaction

MANAGE = "sip2.manage_kiosks"


class _ManagedByKioskPermission(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGE)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MANAGE)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MANAGE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGE)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(KioskAccount)
class KioskAccountAdmin(_ManagedByKioskPermission):
    form = KioskAccountForm
    list_display = ("username", "library", "location_code", "encoding", "language", "is_active")
    list_filter = ("library", "is_active", "encoding", "language")
    search_fields = ("username", "location_code")


@admin.register(NoBlockTransaction)
class NoBlockTransactionAdmin(_ManagedByKioskPermission):
    list_display = ("received_at", "kiosk", "kind", "item_barcode", "outcome", "error_code")
    list_filter = ("outcome", "kind", "kiosk")
    readonly_fields = (
        "kiosk",
        "kind",
        "item_barcode",
        "card_barcode",
        "transacted_at",
        "outcome",
        "error_code",
        "error_message",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
