"""Reading Skaitykla's configuration from the environment.

Two modes: ``embedded`` (the default: SQLite and a generated secret key under ``var/``) and
``production`` (``SKAITYKLA_MODE=production``: ``DATABASE_URL`` and ``SECRET_KEY`` are required).
A missing or invalid variable raises :class:`ConfigurationError`, which the ``skaitykla`` command
prints as one line naming the variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured


class ConfigurationError(ImproperlyConfigured):
    """An environment variable is missing or invalid; the message names it."""


class Env(environ.Env):
    """``environ.Env`` whose invalid values raise :class:`ConfigurationError` naming the variable.

    Without it ``AXES_FAILURE_LIMIT=abc`` or ``EMAIL_URL=nonsense`` would end in a traceback.
    """

    def get_value(self, var: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_value(var, *args, **kwargs)
        except (ValueError, TypeError, ImproperlyConfigured) as error:
            raise ConfigurationError(f"{var} is not valid: {error}") from None

    def email_url(self, var: str = environ.Env.DEFAULT_EMAIL_ENV, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().email_url(var, *args, **kwargs)
        except (ValueError, TypeError, ImproperlyConfigured) as error:
            raise ConfigurationError(f"{var} is not a valid e-mail URL: {error}") from None


EMBEDDED = "embedded"
PRODUCTION = "production"


def mode() -> str:
    value = os.environ.get("SKAITYKLA_MODE", EMBEDDED).strip().lower()
    if value not in (EMBEDDED, PRODUCTION):
        raise ConfigurationError(
            f"SKAITYKLA_MODE must be '{EMBEDDED}' or '{PRODUCTION}', not {value!r}"
        )
    return value


def var_dir() -> Path:
    """Where the embedded database, secret key, backups and uploads live.

    ``SKAITYKLA_VAR_DIR`` when set; inside a source checkout (any directory under the one that
    holds ``pyproject.toml``) the checkout's own ``var/``, so that a command run from
    ``src/skaitykla/<app>`` uses the same database; otherwise ``var/`` in the working directory.
    """
    configured = os.environ.get("SKAITYKLA_VAR_DIR")
    checkout = Path(__file__).resolve().parents[2]
    cwd = Path.cwd().resolve()
    if configured:
        path = Path(configured).resolve()
    elif (checkout / "pyproject.toml").is_file() and cwd.is_relative_to(checkout):
        path = checkout / "var"
    else:
        path = cwd / "var"
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(env: environ.Env, *, production: bool) -> str:
    value = env.str("SECRET_KEY", default="")
    if value:
        if production and len(value) < 50:
            raise ConfigurationError("SECRET_KEY must be at least 50 characters in production mode")
        return value
    if production:
        raise ConfigurationError("SECRET_KEY is required in production mode")
    key_file = var_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


POSTGRESQL_SCHEMES = ("postgres", "postgresql", "pgsql")


def database(env: environ.Env, *, production: bool) -> dict[str, object]:
    raw = env.str("DATABASE_URL", default="").strip()
    if not raw:
        if production:
            raise ConfigurationError("DATABASE_URL is required in production mode")
        raw = f"sqlite:///{var_dir() / 'skaitykla.sqlite3'}"
    scheme = urlsplit(raw).scheme.lower() if "://" in raw else ""
    if scheme not in (*POSTGRESQL_SCHEMES, "sqlite"):
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…)"
        )
    try:
        config: dict[str, object] = env.db_url_config(raw)
    except Exception as error:
        raise ConfigurationError(f"DATABASE_URL is not a valid database URL: {error}") from None
    engine = str(config.get("ENGINE", ""))
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…)"
        )
    if not config.get("NAME"):
        raise ConfigurationError("DATABASE_URL must name a database (…/skaitykla)")
    if engine.endswith("sqlite3"):
        config["OPTIONS"] = {
            # BEGIN IMMEDIATE: check-then-act writes serialise instead of failing on upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=20000;"
            ),
        }
        # Keep the file open between requests instead of reopening it and rerunning the pragmas.
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    else:
        # Django's PostgreSQL backend whose connection check asks the socket before it sends
        # SELECT 1 (core.postgresql).
        config["ENGINE"] = "skaitykla.core.postgresql"
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
        options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
        options.setdefault("connect_timeout", 5)
        # Server-side binding and prepared statements (ADR 0062): a statement the connection
        # repeats is parsed and planned once. Off by default: PostgreSQL then reuses a generic
        # plan, which made the catalogue search and the import's duplicate look-up several
        # times slower; never behind a pooler in transaction mode (PgBouncer).
        if env.bool("DATABASE_PREPARED_STATEMENTS", default=False):
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 2)
        config["OPTIONS"] = options
        # Only the hot path's own statements, prepared once per connection
        # (core.hot_statements); off behind a pooler in transaction mode.
        config["PREPARE_HOT_STATEMENTS"] = env.bool("DATABASE_PREPARE_HOT_STATEMENTS", default=True)
    config["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="") or None}
    return config
