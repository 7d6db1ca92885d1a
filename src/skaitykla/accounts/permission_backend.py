"""Django's model backend, with a user's permissions read in one statement instead of two.

Every staff API call asks ``has_perm`` once; the stock backend answers it with two queries (the
user's own permissions, then their groups'). This backend reads both in one ``UNION`` and fills
the same per-object caches, so ``get_user_permissions``/``get_group_permissions`` called later
on the same object cost nothing either (benchmarks/circulation_bench.py counts statements).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection

from skaitykla.core import hot_statements

_SQL = """
    SELECT ct.app_label, p.codename, 'user'
      FROM {permission} p
      JOIN {content_type} ct ON ct.id = p.content_type_id
      JOIN {user_permissions} up ON up.permission_id = p.id
     WHERE up.user_id = %(user)s
    UNION ALL
    SELECT ct.app_label, p.codename, 'group'
      FROM {permission} p
      JOIN {content_type} ct ON ct.id = p.content_type_id
      JOIN {group_permissions} gp ON gp.permission_id = p.id
      JOIN {user_groups} ug ON ug.group_id = gp.group_id
     WHERE ug.user_id = %(user)s
"""


def _statement() -> str:
    from skaitykla.accounts.models import User

    user_permissions = User.user_permissions.through._meta.db_table
    user_groups = User.groups.through._meta.db_table
    group_permissions = Permission.group_set.through._meta.db_table
    return _SQL.format(
        permission=Permission._meta.db_table,
        content_type="django_content_type",
        user_permissions=user_permissions,
        group_permissions=group_permissions,
        user_groups=user_groups,
    )


class OneQueryModelBackend(ModelBackend):
    """``ModelBackend`` whose permission look-up is a single statement (for superusers too)."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                every = {
                    f"{app_label}.{codename}"
                    for app_label, codename in Permission.objects.values_list(
                        "content_type__app_label", "codename"
                    ).order_by()
                }
                user_obj._user_perm_cache = user_obj._group_perm_cache = every
                user_obj._perm_cache = every
            else:
                own: set[str] = set()
                grouped: set[str] = set()
                with connection.cursor() as cursor:
                    hot_statements.execute(cursor, _statement(), {"user": user_obj.pk})
                    for app_label, codename, source in cursor.fetchall():
                        (own if source == "user" else grouped).add(f"{app_label}.{codename}")
                user_obj._user_perm_cache = own
                user_obj._group_perm_cache = grouped
                user_obj._perm_cache = own | grouped
        return user_obj._perm_cache
