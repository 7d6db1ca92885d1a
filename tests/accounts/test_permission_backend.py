"""The one-statement permission backend and the token authentication that brings the home
library: the same answers as Django's, in fewer queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from skaitykla.accounts.models import User
from skaitykla.accounts.token_authentication import TokenWithLibraryAuthentication
from tests.factories import LibraryFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_own_and_group_permissions_in_one_statement(django_assert_num_queries):
    group = Group.objects.create(name="test group")
    group.permissions.add(permission("add_loan"), permission("view_hold"))
    user = StaffUserFactory()
    user.groups.add(group)
    user.user_permissions.add(permission("view_loan"), permission("view_hold"))
    fresh = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert fresh.has_perm("circulation.add_loan")
        assert fresh.has_perm("circulation.view_loan")
        assert not fresh.has_perm("circulation.change_loan")
        assert fresh.get_user_permissions() == {"circulation.view_loan", "circulation.view_hold"}
        assert fresh.get_group_permissions() == {"circulation.add_loan", "circulation.view_hold"}
    stock = ModelBackend()
    again = User.objects.get(pk=user.pk)
    assert (
        stock.get_all_permissions(again)
        == fresh.get_all_permissions()
        == {
            "circulation.add_loan",
            "circulation.view_loan",
            "circulation.view_hold",
        }
    )


def test_inactive_users_have_none_and_superusers_have_all(django_assert_num_queries):
    inactive = StaffUserFactory(is_active=False)
    inactive.user_permissions.add(permission("view_loan"))
    fresh = User.objects.get(pk=inactive.pk)
    with django_assert_num_queries(0):
        assert fresh.get_all_permissions() == set()
    boss = User.objects.create_superuser("boss", password="Correct-Horse-42")
    with django_assert_num_queries(1):
        every = boss.get_all_permissions()
    assert len(every) == Permission.objects.count()


def test_token_authentication_brings_the_home_library(rf, django_assert_num_queries):
    library = LibraryFactory(code="HOME")
    staff = StaffUserFactory(home_library=library)
    key = Token.objects.create(user=staff).key
    auth = TokenWithLibraryAuthentication()
    with django_assert_num_queries(1):
        user, token = auth.authenticate_credentials(key)
        assert user.home_library.code == "HOME"
    assert token.key == key
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials("not-a-token")
    staff.is_active = False
    staff.save()
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(key)
