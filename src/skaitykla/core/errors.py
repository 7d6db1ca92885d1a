"""Domain errors: every refused action raises one, with a stable code.

Each interface turns a ``DomainError`` into its own form: HTTP 409 with the code in the API, a
form error in the user's language on a page, ``ok=0`` with a screen message over SIP2.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal a user can understand. ``code`` is stable; ``message`` is translatable."""

    code: str = "error"
    overridable: bool = False

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        overridable: bool | None = None,
        **params: object,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        if overridable is not None:
            self.overridable = overridable
        self.params = params

    def __str__(self) -> str:
        return str(self.message)


class NotFoundError(DomainError):
    code = "not_found"


class CalendarError(DomainError):
    code = "calendar_error"
