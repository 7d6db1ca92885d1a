"""Hot-path statements prepared once per PostgreSQL connection.

A checkout or a kiosk message runs about ten short statements. PostgreSQL parses and plans each
one every time, and for joins of four or five tables that planning costs more than running it.
``execute(cursor, sql, params)`` runs such a statement through a named prepared statement: the
first time a connection meets ``sql`` it sends ``PREPARE`` (straight to the driver, so the
query log and query counts see only the statement itself), then every run is
``EXECUTE name(…)`` with the parameters bound as usual. Only the statements written for the hot
path go through here, never the ORM's or the catalogue search's, whose best plan depends on
the values (a generic plan made the search 40 % slower, ADR 0062).

Prepared statements belong to the database session and survive a rolled-back transaction, so
the bookkeeping is one set of names per driver connection. On SQLite, when psycopg's own server-side
binding is switched on (``DATABASE_PREPARED_STATEMENTS``), or when
``DATABASE_PREPARE_HOT_STATEMENTS=false`` (a pooler in transaction mode), ``execute`` is a plain
``cursor.execute``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


@dataclass(frozen=True)
class _Statement:
    name: str
    #: The statement with ``$n`` parameters, for ``PREPARE``.
    body: str
    #: ``EXECUTE … (%s, …)`` with the caller's placeholders, in ``$n`` order.
    execute: str


_STATEMENTS: dict[str, _Statement] = {}
#: Per driver connection (one database session): the names of the statements it has prepared.
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_PREPARED_LOCK = threading.Lock()


def _compile(sql: str) -> _Statement:
    # Named by the text, so that threads compiling at once agree on the name.
    digest = hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()
    statement_name = f"skaitykla_hot_{digest[:20]}"
    names: list[str] = []
    positional = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal positional
        if match.group(0) == "%%":
            return "%"
        name = match.group(1)
        if name is None:
            positional += 1
            return f"${positional}"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    body = _PLACEHOLDER.sub(replace, sql)
    if names and positional:
        raise ValueError("a hot statement mixes named and positional placeholders")
    marks = [f"%({name})s" for name in names] if names else ["%s"] * positional
    arguments = f"({', '.join(marks)})" if marks else ""
    return _Statement(statement_name, body, f"EXECUTE {statement_name}{arguments}")


def _enabled(db: Any) -> bool:
    if db.vendor != "postgresql":
        return False
    settings = db.settings_dict
    if (settings.get("OPTIONS") or {}).get("server_side_binding"):
        return False
    return bool(settings.get("PREPARE_HOT_STATEMENTS", True))


def execute(cursor: Any, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> None:
    """``cursor.execute(sql, params)``, through a statement prepared once per connection where
    that is on. ``cursor`` is a Django cursor (its ``db`` is the connection it belongs to)."""
    db = cursor.db
    if not _enabled(db):
        cursor.execute(sql, params)
        return
    statement = _STATEMENTS.get(sql)
    if statement is None:
        statement = _STATEMENTS.setdefault(sql, _compile(sql))
    driver = db.connection
    prepared = _PREPARED.get(driver)
    if prepared is None:
        with _PREPARED_LOCK:
            prepared = _PREPARED.setdefault(driver, set())
    if statement.name not in prepared:
        driver.execute(f"PREPARE {statement.name} AS {statement.body}")
        prepared.add(statement.name)
    cursor.execute(statement.execute, params)
