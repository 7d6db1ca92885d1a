"""django-csp's middleware, with the header built once while a response asks for nothing of its
own.

``CSPMiddleware`` rebuilds the ``Content-Security-Policy`` header from the settings on every
response (a deep copy of the policy, then the string): about 0.15 ms, on every page and every
API answer. The header only changes with the settings, a nonce or a view's own policy
(``csp_replace`` and the other decorators). Responses with none of these get the header built
once per process by django-csp itself (built again when a test changes the settings); the
others, and every response while ``DEBUG`` or excluded URL prefixes are set, go through
django-csp as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG")
_built: dict[str, dict[str, str]] = {}


def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in _SETTINGS:
        _built.clear()
        _cacheable.cache_clear()


setting_changed.connect(_forget)


@cache
def _cacheable() -> bool:
    """No debug pages and no excluded URL prefixes: the header is the same for every path."""
    if settings.DEBUG:
        return False
    policies = (
        getattr(settings, "CONTENT_SECURITY_POLICY", None) or {},
        getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {},
    )
    return not any(policy.get("EXCLUDE_URL_PREFIXES") for policy in policies)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _OWN_POLICY)
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            or not _cacheable()
        ):
            return super().process_response(request, response)
        headers = _built.get("headers")
        if headers is None:
            # What django-csp writes for a response that asks for nothing of its own.
            blank = HttpResponseBase()
            super().process_response(request, blank)
            headers = _built["headers"] = {
                name: blank[name] for name in (HEADER, HEADER_REPORT_ONLY) if name in blank
            }
        for name, value in headers.items():
            response[name] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
