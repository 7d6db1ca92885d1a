"""``skaitykla backup`` and ``skaitykla restore`` on the embedded SQLite database (F5, §5.2)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skaitykla.core import backup
from tests.ops.processes import clean_env, free_port, run_skaitykla

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Skaitykla database, made once; each test gets its own copy."""
    workdir = tmp_path_factory.mktemp("migrated")
    path = workdir / "skaitykla.sqlite3"
    result = run_skaitykla("migrate", "--noinput", "-v0", env=env_for(path), cwd=workdir)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def live(migrated: Path, tmp_path: Path) -> Path:
    path = tmp_path / "var" / "skaitykla.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(migrated, path)
    return path


def env_for(database: Path) -> dict[str, str]:
    return clean_env(DATABASE_URL=f"sqlite:///{database}", SKAITYKLA_VAR_DIR=str(database.parent))


def add_sessions(path: Path, count: int, *, start: int = 0) -> None:
    with sqlite3.connect(path) as connection:
        insert_sessions(connection, count, start=start)
    connection.close()


def insert_sessions(connection: sqlite3.Connection, count: int, *, start: int = 0) -> None:
    connection.executemany(
        "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)",
        [
            (f"key{number:036d}", "e30", "2030-01-01 00:00:00")
            for number in range(start, start + count)
        ],
    )


def session_count(path: Path) -> int:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM django_session").fetchone()[0])
    finally:
        connection.close()


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_holds_only_committed_data_and_restores_exactly(live: Path, tmp_path: Path) -> None:
    add_sessions(live, 120)
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    insert_sessions(writer, 30, start=1000)  # uncommitted while the backup runs
    target = tmp_path / "copies" / "nightly.sqlite3"

    result = run_skaitykla("backup", str(target), env=env_for(live), cwd=tmp_path)

    writer.execute("COMMIT")
    writer.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(target)
    assert backup.integrity_problem(target) == ""
    assert session_count(target) == 120
    assert sorted(path.name for path in target.parent.iterdir()) == ["nightly.sqlite3"]
    assert session_count(live) == 150

    result = run_skaitykla("restore", str(target), "--yes", env=env_for(live), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert session_count(live) == 120
    assert backup.integrity_problem(live) == ""
    kept = re.search(r"previous database kept in (\S+)", result.stdout)
    assert kept is not None
    assert session_count(Path(kept.group(1))) == 150
    # The application itself sees the restored data.
    shell = run_skaitykla(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.sessions.models import Session; print(Session.objects.count())",
        env=env_for(live),
        cwd=tmp_path,
    )
    assert shell.stdout.strip() == "120", shell.stderr


def test_default_backup_path_is_timestamped_under_var(live: Path, tmp_path: Path) -> None:
    add_sessions(live, 7)

    first = run_skaitykla("backup", env=env_for(live), cwd=tmp_path)
    second = run_skaitykla("backup", env=env_for(live), cwd=tmp_path)

    assert first.returncode == second.returncode == 0
    paths = [Path(first.stdout.strip()), Path(second.stdout.strip())]
    assert paths[0] != paths[1]
    for path in paths:
        assert path.parent == live.parent / "backups"
        assert re.fullmatch(r"skaitykla-\d{8}-\d{6}(-\d+)?\.sqlite3", path.name)
        assert session_count(path) == 7


def test_backup_never_overwrites(live: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"precious")

    result = run_skaitykla("backup", str(existing), env=env_for(live), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"CommandError: backup refused: {existing} already exists; choose another path"
    ]
    assert existing.read_bytes() == b"precious"


def damaged_copy(good: Path, target: Path) -> Path:
    """``good`` with the header of the sessions table's root page overwritten."""
    connection = sqlite3.connect(f"{good.as_uri()}?mode=ro", uri=True)
    page_size, root = connection.execute(
        "SELECT (SELECT page_size FROM pragma_page_size), rootpage FROM sqlite_master"
        " WHERE name = 'django_session'"
    ).fetchone()
    connection.close()
    data = bytearray(good.read_bytes())
    start = (root - 1) * page_size
    data[start : start + 12] = b"\xff" * 12
    target.write_bytes(bytes(data))
    return target


def text_file(good: Path, target: Path) -> Path:
    target.write_text("not a database")
    return target


def random_bytes(good: Path, target: Path) -> Path:
    target.write_bytes(os.urandom(8192))
    return target


def truncated_copy(good: Path, target: Path) -> Path:
    target.write_bytes(good.read_bytes()[:6000])
    return target


def foreign_database(good: Path, target: Path) -> Path:
    connection = sqlite3.connect(target)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    return target


BAD_BACKUPS = {
    "text file": (text_file, "not an SQLite database"),
    "random bytes": (random_bytes, "not an SQLite database"),
    "damaged page": (damaged_copy, "failed its integrity check"),
    "truncated": (truncated_copy, "failed its integrity check"),
    "not skaitykla": (foreign_database, "not a Skaitykla database"),
}


@pytest.mark.parametrize("kind", list(BAD_BACKUPS))
def test_restoring_a_bad_file_is_refused_and_changes_nothing(
    live: Path, tmp_path: Path, kind: str
) -> None:
    add_sessions(live, 40)
    good = tmp_path / "good.sqlite3"
    backup.backup(live, good)
    make, reason = BAD_BACKUPS[kind]
    bad = make(good, tmp_path / "bad.sqlite3")
    before = fingerprint(live)

    result = run_skaitykla("restore", str(bad), "--yes", env=env_for(live), cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: restore refused: ")
    assert reason in lines[0]
    assert fingerprint(live) == before
    assert session_count(live) == 40
    assert not (live.parent / "backups").exists()


def test_restore_without_a_terminal_needs_yes(live: Path, tmp_path: Path) -> None:
    add_sessions(live, 5)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(live, copy)
    add_sessions(live, 5, start=100)
    before = fingerprint(live)

    result = run_skaitykla("restore", str(copy), env=env_for(live), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "CommandError: restore refused: confirmation needed; run from a terminal or add --yes"
    ]
    assert fingerprint(live) == before
    assert session_count(live) == 10


def test_connections_open_during_restore_see_the_restored_data(live: Path, tmp_path: Path) -> None:
    add_sessions(live, 10)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(live, copy)
    add_sessions(live, 15, start=100)
    reader = sqlite3.connect(live)
    assert reader.execute("SELECT count(*) FROM django_session").fetchone() == (25,)

    backup.restore(copy, live, keep_current_in=tmp_path / "kept", now=datetime.now(UTC))

    assert reader.execute("SELECT count(*) FROM django_session").fetchone() == (10,)
    reader.close()


def test_stale_sidecars_are_removed_before_installing(live: Path, tmp_path: Path) -> None:
    add_sessions(live, 10)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(live, copy)
    # A crash leaves a write-ahead log full of frames beside the database file...
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    insert_sessions(writer, 500, start=100)
    wal = Path(f"{live}-wal")
    stale_wal = wal.read_bytes()
    writer.close()
    # ...and the database file itself is lost.
    live.unlink()
    wal.write_bytes(stale_wal)
    Path(f"{live}-shm").write_bytes(b"\0" * 32768)

    kept = backup.restore(copy, live, keep_current_in=tmp_path / "kept", now=datetime.now(UTC))

    assert kept is None
    assert not wal.exists()
    assert not Path(f"{live}-shm").exists()
    assert backup.integrity_problem(live) == ""
    assert session_count(live) == 10


def test_a_damaged_live_database_is_set_aside(live: Path, tmp_path: Path) -> None:
    add_sessions(live, 60)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(live, copy)
    damaged_copy(copy, live)
    assert backup.integrity_problem(live) != ""

    kept = backup.restore(copy, live, keep_current_in=tmp_path / "kept", now=datetime.now(UTC))

    assert kept is not None
    assert kept.name.startswith("skaitykla-damaged-")
    assert backup.integrity_problem(kept) != ""
    assert backup.integrity_problem(live) == ""
    assert session_count(live) == 60


@pytest.mark.parametrize("command", [["backup"], ["restore", "copy.sqlite3", "--yes"]])
def test_postgresql_is_refused_with_a_pointer_to_the_docs(
    tmp_path: Path, command: list[str]
) -> None:
    # Refused from the configuration alone: no server needs to answer.
    env = clean_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/skaitykla",
        SKAITYKLA_VAR_DIR=str(tmp_path / "var"),
    )

    result = run_skaitykla(*command, env=env, cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "pg_basebackup" in lines[0]
    assert "docs/deploy.md" in lines[0]
    assert not (tmp_path / "var" / "backups").exists()
