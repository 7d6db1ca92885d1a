"""Configuration errors are one line naming the variable; production settings pass W1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ops.processes import SECRET_KEY, clean_env, run_skaitykla

pytestmark = pytest.mark.slow


def production(tmp_path: Path, **variables: str) -> dict[str, str]:
    complete = {
        "SKAITYKLA_MODE": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "library.example",
        "SKAITYKLA_VAR_DIR": str(tmp_path / "var"),
    }
    complete.update(variables)
    return clean_env(**{name: value for name, value in complete.items() if value is not None})


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        pytest.param({"DATABASE_URL": None}, "DATABASE_URL", id="missing-database-url"),
        pytest.param({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", id="mysql-database-url"),
        pytest.param({"DATABASE_URL": "nonsense"}, "DATABASE_URL", id="nonsense-database-url"),
        pytest.param({"DATABASE_URL": "postgres://"}, "DATABASE_URL", id="no-database-name"),
        pytest.param({"SECRET_KEY": None}, "SECRET_KEY", id="missing-secret-key"),
        pytest.param({"SECRET_KEY": "too-short"}, "SECRET_KEY", id="short-secret-key"),
        pytest.param({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS", id="missing-allowed-hosts"),
        pytest.param({"SKAITYKLA_MODE": "prod"}, "SKAITYKLA_MODE", id="unknown-mode"),
        pytest.param({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT", id="not-a-number"),
        pytest.param({"EMAIL_URL": "nonsense"}, "EMAIL_URL", id="invalid-email-url"),
    ],
)
def test_configuration_error_is_one_line_naming_the_variable(
    tmp_path: Path, variables: dict[str, str | None], named: str
) -> None:
    result = run_skaitykla("check", env=production(tmp_path, **variables), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("skaitykla: configuration error: ")
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_without_configuration(tmp_path: Path) -> None:
    result = run_skaitykla("serve", env=production(tmp_path, SECRET_KEY=None), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "skaitykla: configuration error: SECRET_KEY is required in production mode"
    ]
    assert not (tmp_path / "var" / "static").exists()


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    # W1: the test run's own PostgreSQL when there is one, else a fresh SQLite file.
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = production(tmp_path, DATABASE_URL=database_url)

    result = run_skaitykla("check", "--deploy", "--fail-level", "WARNING", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""
