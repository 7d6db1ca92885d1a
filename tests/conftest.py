"""Shared fixtures. Factories live in ``tests/factories.py``."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytest_plugins = ["tests.smtp_server", "tests.browser_support"]


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("DATABASE_URL", "") or "sqlite (in memory)"
    return f"skaitykla database: {url}"


@pytest.fixture
def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests marked `postgresql` need PostgreSQL by nature (real concurrency, several processes).
    # On the SQLite pass they are deselected (they run in the PostgreSQL pass, which CI requires).
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgresql") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 (production's first hasher) makes every staff user and reader PIN slow to create.
    # Tests hash with MD5 but keep Argon2 listed so hashes made or cached anywhere still verify;
    # tests/core/test_password_hashing.py checks what production uses.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
