"""Kiosk accounts: the shell command, the service behind it, the admin form and the role."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from skaitykla.accounts.roles import DESK_LIBRARIAN, HEAD_OF_DEPARTMENT, ensure_roles
from skaitykla.core.models import AuditEntry
from skaitykla.sip2.forms import KioskAccountForm
from skaitykla.sip2.models import KioskAccount
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_command_creates_and_changes_a_kiosk(library, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Kiosk-Pass-1\n"))
    call_command(
        "sip2_kiosk",
        "returns1",
        "--library",
        "LT-TEST",
        "--set-password",
        "--allow",
        "checkin",
        "--encoding",
        "cp850",
        "--language",
        "en",
        stdout=io.StringIO(),
    )
    kiosk = KioskAccount.objects.get(username="returns1")
    assert kiosk.check_password("Kiosk-Pass-1")
    assert "Kiosk-Pass-1" not in kiosk.password
    assert (kiosk.allow_checkin, kiosk.allow_checkout, kiosk.allow_renew) == (True, False, False)
    assert (kiosk.encoding, kiosk.language, kiosk.is_active) == ("cp850", "en", True)
    call_command(
        "sip2_kiosk", "returns1", "--library", "LT-TEST", "--deactivate", stdout=io.StringIO()
    )
    kiosk.refresh_from_db()
    assert kiosk.is_active is False
    assert kiosk.check_password("Kiosk-Pass-1")
    actions = list(
        AuditEntry.objects.filter(object_type="sip2.kioskaccount")
        .order_by("id")
        .values_list("action", "detail")
    )
    assert actions[0][0] == "sip2.kiosk_created"
    assert actions[1][0] == "sip2.kiosk_changed"
    assert "Kiosk-Pass-1" not in str(actions)


def test_command_refuses_a_new_kiosk_without_password_and_unknown_library(library):
    with pytest.raises(CommandError):
        call_command("sip2_kiosk", "nopass", "--library", "LT-TEST", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("sip2_kiosk", "x", "--library", "NOPE", stdout=io.StringIO())
    assert not KioskAccount.objects.exists()


def test_admin_form_hashes_the_password(library):
    form = KioskAccountForm(
        data={
            "username": "gate",
            "library": library.pk,
            "encoding": "utf-8",
            "language": "lt",
            "new_password": "Gate-Pass-9",
            "is_active": "on",
        }
    )
    assert form.is_valid(), form.errors
    kiosk = form.save()
    assert kiosk.check_password("Gate-Pass-9")
    empty = KioskAccountForm(
        data={"username": "gate2", "library": library.pk, "encoding": "utf-8", "language": "lt"}
    )
    assert not empty.is_valid()
    assert "new_password" in empty.errors


def test_heads_of_department_manage_kiosks_desk_librarians_do_not(library):
    ensure_roles()
    head = StaffUserFactory(username="head", roles=[HEAD_OF_DEPARTMENT])
    desk = StaffUserFactory(username="desk", roles=[DESK_LIBRARIAN])
    assert head.has_perm("sip2.manage_kiosks")
    assert not desk.has_perm("sip2.manage_kiosks")


def test_creating_a_kiosk_never_changes_an_existing_one(library):
    from skaitykla.core.errors import DomainError
    from skaitykla.sip2.services import create_kiosk_account, save_kiosk_account

    first = create_kiosk_account(
        username=" till ", library=library, password="Kiosk-pass-2026", language="lt"
    )
    assert first.username == "till"
    with pytest.raises(DomainError) as refused:
        create_kiosk_account(
            username="till", library=library, password="Other-pass-2026", language="en"
        )
    assert refused.value.code == "sip2_taken"
    first.refresh_from_db()
    assert (first.language, first.check_password("Kiosk-pass-2026")) == ("lt", True)
    assert KioskAccount.objects.count() == 1
    # Changing goes through save_kiosk_account, found by the same trimmed login name.
    assert save_kiosk_account(username="till ", library=library, language="en").pk == first.pk
    first.refresh_from_db()
    assert first.language == "en"
