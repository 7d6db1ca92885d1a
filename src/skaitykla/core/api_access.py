"""The API's staff gate: an active staff user holding one permission (the pages use
``core.staff_access.staff_required`` for the same rule)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request


def is_staff_with(request: Request, permission: str) -> bool:
    user = request.user
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(permission)
    )


def require_staff_with(request: Request, permission: str) -> None:
    """Raise 403 unless the request comes from staff holding ``permission``."""
    if not is_staff_with(request, permission):
        raise PermissionDenied


def staff_with(permission: str) -> type[permissions.BasePermission]:
    """A DRF permission class: staff holding ``permission``."""

    class StaffWith(permissions.BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            return is_staff_with(request, permission)

    StaffWith.__name__ = f"StaffWith_{permission.replace('.', '_')}"
    return StaffWith
