"""Template context shared by every page: the library the public site speaks for."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from skaitykla.core.selectors import get_portal_library


def public_site(request: HttpRequest) -> dict[str, object]:
    """``portal_library``: looked up on first use in a template, at most once a request."""
    return {"portal_library": cache(get_portal_library)}
