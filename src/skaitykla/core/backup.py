"""Online backup and restore of the embedded SQLite database.

Never copy a live SQLite file: a copy taken mid-write is torn, and a ``-wal`` sidecar left beside
a restored file is replayed onto it. A backup goes through SQLite's online backup API, which
reads one consistent snapshot (committed data only) while the application keeps writing; the copy
is a standalone file (rollback-journal mode, no sidecars) that must pass ``PRAGMA
integrity_check`` before it counts. A restore checks the backup first, keeps a copy of the
current database, and writes the backup into the live database through the same API, so
processes still connected see the restored data instead of a file swapped under them.

PostgreSQL has its own tools (base backups with WAL archiving, ``pg_dump``): see docs/deploy.md.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")
POSTGRESQL_REFUSAL = (
    "the database is PostgreSQL: back it up with pg_basebackup and WAL archiving "
    "(or pg_dump for a logical copy) and restore as described in docs/deploy.md"
)


class BackupError(Exception):
    """A backup or restore was not done; the message is one line saying why."""


def live_database_path(database: dict[str, object]) -> Path:
    """The file of an SQLite ``DATABASES`` entry; refuses PostgreSQL and in-memory databases."""
    engine = str(database.get("ENGINE", ""))
    if engine.endswith("postgresql"):
        raise BackupError(POSTGRESQL_REFUSAL)
    if not engine.endswith("sqlite3"):
        raise BackupError(f"backups of {engine or 'this database'} are not supported")
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the database {name or '(unnamed)'} is not a file")
    return Path(name)


def default_backup_path(directory: Path, now: datetime, *, label: str = "skaitykla") -> Path:
    """``skaitykla-YYYYmmdd-HHMMSS.sqlite3`` in ``directory``; a suffix if that name is taken."""
    stem = f"{label}-{now:%Y%m%d-%H%M%S}"
    path = directory / f"{stem}.sqlite3"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{number}.sqlite3"
    return path


def backup(live: Path, target: Path) -> Path:
    """Copy the committed state of ``live`` to ``target`` (which must not exist) and verify it."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _opened(live, mode="rw") as source, _temporary_file_beside(target) as partial:
        try:
            _copy(source, partial)
        except sqlite3.Error as error:
            raise BackupError(f"cannot copy {live}: {error}") from None
        problem = integrity_problem(partial)
        if problem:
            raise BackupError(f"the copy failed its integrity check: {problem}")
        _publish(partial, target)
    return target


def check_backup(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database holding Skaitykla's schema."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not an SQLite database")
    problem = integrity_problem(path)
    if problem:
        raise BackupError(f"{path} failed its integrity check: {problem}")
    with _opened(path, mode="ro") as connection:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
    if not found:
        raise BackupError(f"{path} is not a Skaitykla database (no django_migrations table)")


def restore(backup_file: Path, live: Path, *, keep_current_in: Path, now: datetime) -> Path | None:
    """Replace the contents of ``live`` with ``backup_file``; return where the old data was kept.

    An intact live database is first backed up into ``keep_current_in``, then overwritten through
    the backup API: SQLite's locking makes it wait for writers, and processes still connected see
    the restored pages. A damaged one (and its sidecars) is moved there instead, and the backup is
    installed by an atomic rename. ``None`` means there was no live database.
    """
    check_backup(backup_file)
    if live.exists() and not integrity_problem(live):
        kept = default_backup_path(keep_current_in, now, label="skaitykla-pre-restore")
        backup(live, kept)
        with _opened(backup_file, mode="ro") as source, _opened(live, mode="rw") as destination:
            try:
                source.backup(destination)
                destination.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                problem = _integrity_problem(destination)
            except sqlite3.Error as error:
                raise BackupError(f"cannot write into {live}: {error} (kept: {kept})") from None
        if problem:
            raise BackupError(f"the restored database failed its integrity check: {problem}")
        return kept
    damaged: Path | None = None
    if live.exists():
        damaged = default_backup_path(keep_current_in, now, label="skaitykla-damaged")
        damaged.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{live}{suffix}").exists():
                os.replace(f"{live}{suffix}", f"{damaged}{suffix}")
    # Sidecars left beside the live path would be replayed onto the restored file.
    for suffix in SIDECAR_SUFFIXES:
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    live.parent.mkdir(parents=True, exist_ok=True)
    with _opened(backup_file, mode="ro") as source, _temporary_file_beside(live) as partial:
        _copy(source, partial)
        _publish(partial, live)
    return damaged


def integrity_problem(path: Path) -> str:
    """What ``PRAGMA integrity_check`` finds wrong (first problem and a count), ``""`` if intact."""
    try:
        with _opened(path, mode="ro") as connection:
            return _integrity_problem(connection)
    except sqlite3.DatabaseError as error:
        return str(error)


def _integrity_problem(connection: sqlite3.Connection) -> str:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    lines = [line for row in rows for line in str(row[0]).splitlines()]
    if lines == ["ok"]:
        return ""
    problems = [line for line in lines if not line.startswith("***")] or ["no result"]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


@contextlib.contextmanager
def _opened(path: Path, *, mode: str) -> Iterator[sqlite3.Connection]:
    """A connection that never creates a missing file (``mode`` is ``ro`` or ``rw``)."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=20)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"cannot open {path}: {error}") from None
    try:
        yield connection
    finally:
        connection.close()


@contextlib.contextmanager
def _temporary_file_beside(path: Path) -> Iterator[Path]:
    """A fresh file in ``path``'s directory (so renaming it is atomic), removed if left over."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
    finally:
        for suffix in ("", *SIDECAR_SUFFIXES):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """One-step online backup of ``source`` into ``target``, left as a single standalone file."""
    destination = sqlite3.connect(target)
    try:
        # One step: the whole copy comes from one read snapshot, never a mix of two states.
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def _publish(partial: Path, target: Path) -> None:
    """Make ``partial`` durable, then give it its final name in one atomic step."""
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    os.replace(partial, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
