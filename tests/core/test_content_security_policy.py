"""``core.content_security_policy``: the same headers django-csp writes, built once."""

from __future__ import annotations

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from skaitykla.core import content_security_policy
from skaitykla.core.content_security_policy import ContentSecurityPolicyMiddleware
from tests.reference.factories import weekday_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return weekday_library(code="LT-CSP", name="Miesto biblioteka")


def _django_csp_header(path: str) -> str:
    request = RequestFactory().get(path)
    response = CSPMiddleware(lambda _request: HttpResponse()).process_response(
        request, HttpResponse()
    )
    return str(response["Content-Security-Policy"])


def test_pages_and_api_answers_carry_django_csps_own_header(client, library):
    expected = _django_csp_header("/")
    assert "frame-ancestors 'none'" in expected
    assert client.get("/")["Content-Security-Policy"] == expected
    assert client.get("/api/v1/")["Content-Security-Policy"] == expected
    assert content_security_policy._built["headers"] == {"Content-Security-Policy": expected}


def test_a_views_own_policy_is_still_django_csps(client, library):
    page = client.get(reverse("reference:ask-embed"), {"library": library.code})
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "frame-ancestors https: http:" in policy
    assert policy != _django_csp_header("/")


def test_changed_settings_build_the_header_again(client, library):
    client.get("/")
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert client.get("/")["Content-Security-Policy"] == "default-src 'none'"
    assert client.get("/")["Content-Security-Policy"] == _django_csp_header("/")


def test_excluded_prefixes_are_honoured():
    policy = {"EXCLUDE_URL_PREFIXES": ["/api/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    middleware = ContentSecurityPolicyMiddleware(lambda _request: HttpResponse())
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        api = middleware.process_response(RequestFactory().get("/api/v1/"), HttpResponse())
        page = middleware.process_response(RequestFactory().get("/"), HttpResponse())
    assert "Content-Security-Policy" not in api
    assert page["Content-Security-Policy"] == "default-src 'self'"
