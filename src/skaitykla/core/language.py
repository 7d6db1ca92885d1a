"""The page language: the visitor's remembered choice, else Lithuanian; never the browser's.

Django's ``LocaleMiddleware`` follows the ``Accept-Language`` header, so a visitor whose browser
is set to English would never see the Lithuanian site first. Skaitykla serves
``settings.LANGUAGE_CODE`` (Lithuanian) until the visitor picks a language with the switch, which
posts to Django's ``set_language`` view; that view stores the choice in the language cookie.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_from_cookie(request: HttpRequest) -> str:
    """The supported language named by the language cookie, else ``settings.LANGUAGE_CODE``."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class CookieLocaleMiddleware:
    """Activates the cookie's language, else the default; stands in for LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language = language_from_cookie(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
