"""Several hot-path writes sent to PostgreSQL as one statement.

After a checkout has inserted its loan, three writes follow whose results nobody reads: the
item's new status, the audit row and the statistics fact. Each was a round trip of its own, and
on the hot path a round trip (the driver's work, the wake-ups on both sides, the server's
per-statement overhead) costs more than the write itself. Inside
``atomic_with_batched_writes()`` such writes (``compiled_writes.update_row`` and
``compiled_writes.append_row``) are queued and sent together as one statement of
data-modifying ``WITH`` queries, e.g.::

    WITH w0 AS (UPDATE catalogue_item SET … WHERE id = $9 RETURNING 1),
         w1 AS (INSERT INTO core_auditentry (…) VALUES (…) RETURNING id),
         w2 AS (INSERT INTO core_servicefact (…) VALUES (…) RETURNING id)
    SELECT (SELECT count(*) FROM w0), (SELECT id FROM w1), (SELECT id FROM w2)

What the database sees stays in order. The queue is sent before any other statement runs on
the connection (a read, a lock, an ORM write, a savepoint; a Django execute wrapper watches
them), when a second write to the same row is queued, and at the end of the block, before the
transaction commits. So no statement can miss a queued write, and the transaction's statements
reach the server in the order the code wrote them; only writes queued next to each other share
one statement (they see the same snapshot, which is why a row written twice is sent first).
A ``ROLLBACK TO SAVEPOINT`` drops the queue instead: everything queued was written after the
savepoint it undoes. An exception leaving the block rolls its transaction (or savepoint) back,
so the queue is dropped.

What differs from immediate writes: a queued insert has no primary key until the queue is sent,
and a failing queued write raises where the queue is sent, still inside the same transaction.
Only use these for writes whose result the code does not read (audit rows, statistics facts,
updates by primary key of rows already locked). On SQLite (no data-modifying ``WITH``) the
block is a plain ``transaction.atomic()`` and every write runs at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from skaitykla.core import hot_statements


@dataclass
class _Write:
    #: An ``UPDATE`` of one row by its key, or an ``INSERT … RETURNING`` its key.
    sql: str
    params: Sequence[Any]
    #: "count" (an update: how many rows it wrote) or "value" (an insert: the new key).
    answer: str
    done: Callable[[Any], None]


class _Batch:
    def __init__(self, db: Any) -> None:
        self.db = db
        self.writes: list[_Write] = []
        self.rows: set[tuple[str, object]] = set()
        self.sending = False

    def add(self, write: _Write, row: tuple[str, object] | None) -> None:
        if row is not None:
            if row in self.rows:
                self.send()
            self.rows.add(row)
        self.writes.append(write)

    def drop(self) -> None:
        self.writes.clear()
        self.rows.clear()

    def send(self) -> None:
        writes = self.writes
        if not writes:
            return
        self.writes = []
        self.rows = set()
        if len(writes) == 1:
            sql, params = writes[0].sql, list(writes[0].params)
        else:
            parts, params, selects = [], [], []
            for number, write in enumerate(writes):
                if write.answer == "count":
                    parts.append(f"w{number} AS ({write.sql} RETURNING 1)")
                    selects.append(f"(SELECT count(*) FROM w{number})")  # noqa: S608
                else:
                    parts.append(f"w{number} AS ({write.sql})")
                    selects.append(f"(SELECT * FROM w{number})")  # noqa: S608
                params.extend(write.params)
            sql = f"WITH {', '.join(parts)} SELECT {', '.join(selects)}"
        self.sending = True
        try:
            with self.db.cursor() as cursor:
                hot_statements.execute(cursor, sql, params)
                if len(writes) > 1:
                    answers = list(cursor.fetchone())
                elif writes[0].answer == "value":
                    answers = [cursor.fetchone()[0]]
                else:
                    answers = [cursor.rowcount]
        finally:
            self.sending = False
        for write, answer in zip(writes, answers, strict=True):
            write.done(answer)

    def before_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if self.writes and not self.sending:
            if sql.lstrip()[:8].upper() == "ROLLBACK":
                self.drop()
            else:
                self.send()
        return execute(sql, params, many, context)


#: The open batch of a Django connection (one per thread) is kept on the connection itself.
_ATTRIBUTE = "skaitykla_write_batch"


def batch_for(db: Any) -> _Batch | None:
    """The open batch of this connection, if any."""
    return getattr(db, _ATTRIBUTE, None)


@contextmanager
def atomic_with_batched_writes() -> Iterator[None]:
    """``transaction.atomic()`` in which adjacent hot-path writes share one statement (see the
    module's text). Nested in another such block it joins the outer batch."""
    db = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(using=db.alias):
        if db.vendor != "postgresql" or batch_for(db) is not None:
            yield
            return
        batch = _Batch(db)
        setattr(db, _ATTRIBUTE, batch)
        try:
            with db.execute_wrapper(batch.before_statement):
                yield
                batch.send()
        finally:
            batch.drop()
            setattr(db, _ATTRIBUTE, None)


def queue_write(
    db: Any,
    sql: str,
    params: Sequence[Any],
    *,
    answer: str,
    done: Callable[[Any], None],
    row: tuple[str, object] | None = None,
) -> bool:
    """Queue a write on ``db``'s open batch; False (nothing queued) when there is none.
    ``row`` names the row an update writes (table, key), so that a second write to it sends
    the first."""
    batch = batch_for(db)
    if batch is None:
        return False
    batch.add(_Write(sql, params, answer, done), row)
    return True
