"""The reader's own session: separate from staff login (readers are not ``accounts.User``).

The session holds the reader's id and a fingerprint of their PIN hash, so changing the PIN
(or an erasure) ends every other session of that reader, as Django does for staff passwords.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Reader

SESSION_READER_ID = "patrons_reader_id"
SESSION_READER_HASH = "patrons_reader_hash"


def _fingerprint(reader: Reader) -> str:
    return salted_hmac("skaitykla.patrons.session", reader.pin_hash).hexdigest()


def login_reader(request: HttpRequest, reader: Reader) -> None:
    request.session.cycle_key()
    request.session[SESSION_READER_ID] = reader.pk
    request.session[SESSION_READER_HASH] = _fingerprint(reader)


def refresh_reader_session(request: HttpRequest, reader: Reader) -> None:
    """Keep this session after the reader changed their PIN."""
    request.session[SESSION_READER_HASH] = _fingerprint(reader)


def logout_reader(request: HttpRequest) -> None:
    request.session.pop(SESSION_READER_ID, None)
    request.session.pop(SESSION_READER_HASH, None)
    request.session.cycle_key()


def current_reader(request: HttpRequest) -> Reader | None:
    """The signed-in reader, or None (unknown, anonymised, or the PIN changed since)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    reader_id = session.get(SESSION_READER_ID)
    if reader_id is None:
        return None
    reader = (
        Reader.objects.select_related("category", "home_library")
        .exclude(status__in=[ReaderStatus.ANONYMISED, ReaderStatus.PENDING])
        .filter(pk=reader_id)
        .first()
    )
    if reader is None or not constant_time_compare(
        session.get(SESSION_READER_HASH, ""), _fingerprint(reader)
    ):
        session.pop(SESSION_READER_ID, None)
        session.pop(SESSION_READER_HASH, None)
        return None
    return reader


def reader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        reader = current_reader(request)
        if reader is None:
            return redirect_to_login(request.get_full_path(), reverse("patrons:reader_login"))
        request.reader = reader  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
