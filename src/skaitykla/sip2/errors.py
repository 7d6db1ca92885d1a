"""Refusals of the sip2 app, each with a stable code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skaitykla.core.errors import DomainError


class AlreadyOnLoanToReaderError(DomainError):
    code = "sip2_already_on_loan_to_reader"

    def __init__(self) -> None:
        super().__init__(_("You already have this item."))


class ItemNotRecognisedError(DomainError):
    code = "item_not_found"

    def __init__(self) -> None:
        super().__init__(_("This item is not recognised."))


class KioskLoginThrottledError(DomainError):
    """Too many failed kiosk logins from this address in the current window."""

    code = "sip2_login_throttled"
