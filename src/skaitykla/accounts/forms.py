"""The staff login form: only active staff users may sign in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm

from skaitykla.accounts.models import User


class StaffAuthenticationForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No autofocus: keyboard and screen-reader users start at the skip link and the heading.
        self.fields["username"].widget.attrs.pop("autofocus", None)

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            # The same words as a wrong password: the form does not tell who has an account.
            raise self.get_invalid_login_error()
