"""Reads about staff users."""

from __future__ import annotations

from django.utils.functional import Promise

from skaitykla.accounts.models import User
from skaitykla.accounts.roles import ROLES


def list_role_names(user: User) -> list[str | Promise]:
    """The display names of the user's roles, in the order roles are defined."""
    codes = {group.name for group in user.groups.all()}
    return [role.name for role in ROLES if role.code in codes]
