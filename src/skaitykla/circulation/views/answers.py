"""What a scan at a desk answers: the result or the refusal, shown in place (htmx) or after a
redirect (no JavaScript: the answer waits in the session for the next page)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from skaitykla.accounts.models import User
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.core.selectors import get_portal_library

OVERRIDE_PERMISSION = "circulation.override_refusal"
_SESSION_KEY = "circulation_desk_answer"


@dataclass
class Answer:
    """One answer to one scan. ``lines`` are extra facts (fine, slip destination…)."""

    ok: bool
    message: str
    code: str = ""
    overridable: bool = False
    item_barcode: str = ""
    loan_id: int | None = None
    lines: list[str] = field(default_factory=list)
    kind: str = ""


def staff_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def desk_library(request: HttpRequest) -> Library:
    """Where this member of staff works: their home library, else the portal's library."""
    user = staff_user(request)
    if user.home_library_id is not None:
        library = user.home_library
        assert library is not None
        return library
    library = get_portal_library()
    if library is None:
        raise PermissionDenied
    return library


def refusal(request: HttpRequest, error: DomainError, **extra: object) -> Answer:
    """A refusal; the Override button is offered only to staff allowed to use it."""
    may_override = error.overridable and staff_user(request).has_perm(OVERRIDE_PERMISSION)
    return Answer(
        ok=False,
        message=str(error.message),
        code=error.code,
        overridable=may_override,
        **extra,  # type: ignore[arg-type]
    )


def may_override(request: HttpRequest, codes: tuple[str, ...]) -> bool:
    return not codes or staff_user(request).has_perm(OVERRIDE_PERMISSION)


def keep_for_next_page(request: HttpRequest, answer: Answer) -> None:
    request.session[_SESSION_KEY] = asdict(answer)


def take_kept(request: HttpRequest) -> Answer | None:
    data = request.session.pop(_SESSION_KEY, None)
    return Answer(**data) if isinstance(data, dict) else None
