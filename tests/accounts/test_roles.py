import pytest
from django.contrib.auth.models import Group, Permission

from skaitykla.accounts.roles import ROLES, ensure_roles

pytestmark = pytest.mark.django_db


def _codes(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_role_exists_after_migrate_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.code for role in ROLES}
    admin = Group.objects.get(name="administrator")
    assert admin.permissions.count() == Permission.objects.count()
    head = _codes(Group.objects.get(name="head_of_department"))
    assert "core.view_audit_log" in head
    assert "core.change_openinghours" in head
    assert "core.view_audit_log" not in _codes(Group.objects.get(name="desk_librarian"))
    assert _codes(Group.objects.get(name="analyst")) >= {"core.view_servicefact"}


def test_ensure_roles_restores_a_role_edited_by_hand():
    desk = Group.objects.get(name="desk_librarian")
    desk.permissions.add(Permission.objects.get(codename="view_audit_log"))
    ensure_roles()
    assert "core.view_audit_log" not in _codes(desk)


def test_every_permission_a_role_names_exists():
    """A typo in roles.py would silently leave a role without the permission."""
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for role in ROLES:
        missing = {name for name in role.permissions if name != "*"} - existing
        assert not missing, (role.code, sorted(missing))


def test_circulation_and_kiosk_permissions_go_to_the_roles_that_work_there():
    desk = _codes(Group.objects.get(name="desk_librarian"))
    stacks = _codes(Group.objects.get(name="stack_attendant"))
    head = _codes(Group.objects.get(name="head_of_department"))
    assert {"circulation.add_loan", "circulation.override_refusal"} <= desk
    assert "circulation.change_loanpolicy" not in desk
    assert {"circulation.handle_stack_orders", "circulation.change_stackorder"} <= stacks
    assert "circulation.override_refusal" not in stacks
    assert {"circulation.change_loanpolicy", "sip2.manage_kiosks"} <= head
    assert "sip2.manage_kiosks" not in desk
