"""Fixtures of the events tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Staff users are created in many tests; argon2 makes each one slow. Argon2 stays listed so
    # hashes made elsewhere (the patrons factories' PIN) still verify.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
