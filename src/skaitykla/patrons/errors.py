"""Refusals of the patrons app, each with a stable code."""

from __future__ import annotations

from skaitykla.core.errors import DomainError, NotFoundError


class ReaderNotFoundError(NotFoundError):
    code = "reader_not_found"


class DuplicateCardError(DomainError):
    code = "card_duplicate"


class InvalidCardNumberError(DomainError):
    code = "card_invalid"


class CardStateError(DomainError):
    code = "card_state"


class GuardianRequiredError(DomainError):
    code = "guardian_required"


class InvalidGuardianError(DomainError):
    code = "guardian_invalid"


class InvalidBirthDateError(DomainError):
    code = "birth_date_invalid"


class ReaderStateError(DomainError):
    code = "reader_state"


class InvalidPinError(DomainError):
    code = "pin_invalid"


class LoginThrottledError(DomainError):
    code = "login_throttled"


class ConsentError(DomainError):
    code = "consent"


class BlockError(DomainError):
    code = "block"


class ErasureRefusedError(DomainError):
    code = "erasure_refused"


class RetentionCapExceededError(DomainError):
    code = "retention_cap_exceeded"
