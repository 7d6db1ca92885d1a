"""The embedded SQLite database is set up for concurrent use; URLs are validated."""

from __future__ import annotations

from pathlib import Path

import environ
import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper

from skaitykla import config


def test_embedded_sqlite_uses_wal_busy_timeout_and_immediate_transactions(
    tmp_path, monkeypatch, django_db_blocker
):
    monkeypatch.setenv("SKAITYKLA_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings_dict = config.database(environ.Env(), production=False)
    assert settings_dict["NAME"] == str(tmp_path / "skaitykla.sqlite3")
    assert settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    wrapper = DatabaseWrapper(
        {
            **settings_dict,
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
        }
    )
    with django_db_blocker.unblock():
        try:
            with wrapper.cursor() as cursor:
                assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
                assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        finally:
            wrapper.close()


def test_production_needs_a_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(config.ConfigurationError, match="DATABASE_URL is required"):
        config.database(environ.Env(), production=True)


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "nonsense"])
def test_unsupported_database_urls_are_named(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(config.ConfigurationError, match="DATABASE_URL"):
        config.database(environ.Env(), production=True)


def test_embedded_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("SKAITYKLA_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.secret_key(environ.Env(), production=False)
    assert len(first) >= 50
    assert config.secret_key(environ.Env(), production=False) == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_var_dir_is_the_checkouts_own_inside_the_source_tree(tmp_path, monkeypatch):
    """Run from ``src/skaitykla/<app>`` (makemessages) the checkout's ``var/`` is used."""
    monkeypatch.delenv("SKAITYKLA_VAR_DIR", raising=False)
    checkout = Path(config.__file__).resolve().parents[2]
    monkeypatch.chdir(checkout / "src" / "skaitykla" / "core")
    assert config.var_dir() == checkout / "var"
    assert not (checkout / "src" / "skaitykla" / "core" / "var").exists()
    monkeypatch.chdir(tmp_path)
    assert config.var_dir() == tmp_path.resolve() / "var"
    monkeypatch.setenv("SKAITYKLA_VAR_DIR", str(tmp_path / "elsewhere"))
    assert config.var_dir() == (tmp_path / "elsewhere").resolve()


def test_postgresql_prepares_repeated_statements_only_when_asked(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.example:5432/skaitykla")
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    options = config.database(environ.Env(), production=True)["OPTIONS"]
    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "true")
    options = config.database(environ.Env(), production=True)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 2


def test_postgresql_prepares_the_hot_path_unless_switched_off(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.example:5432/skaitykla")
    monkeypatch.delenv("DATABASE_PREPARE_HOT_STATEMENTS", raising=False)
    assert config.database(environ.Env(), production=True)["PREPARE_HOT_STATEMENTS"] is True
    monkeypatch.setenv("DATABASE_PREPARE_HOT_STATEMENTS", "false")
    assert config.database(environ.Env(), production=True)["PREPARE_HOT_STATEMENTS"] is False
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/skaitykla.sqlite3")
    assert "PREPARE_HOT_STATEMENTS" not in config.database(environ.Env(), production=True)
