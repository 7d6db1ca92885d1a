"""Hot-path reads of one row and its related rows, compiled once per process.

``Model.objects.select_related(...).filter(...).first()`` compiles its SQL on every call: for
the reads every circulation transaction makes (the card with its reader, the item with its
record, a token with its user) the compilation cost more than the database did. A
``JoinedRead`` builds the same ``SELECT`` (same columns, same joins, same row lock) once, and
turns each row into the same model instances with the related objects cached, exactly as
``select_related`` leaves them, with each column passed through the field's own database
converters (JSON, booleans and dates on SQLite …).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import ForeignKey, Model
from django.db.models.fields import Field

from skaitykla.core import hot_statements

M = TypeVar("M", bound=Model)
N = TypeVar("N", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Part:
    """One table of the read: the base model (path ``()``) or a related one."""

    path: tuple[str, ...]
    model: type[Model]
    alias: str
    fields: tuple[Field[Any, Any], ...]
    #: The foreign key on the parent part that leads here (None for the base).
    link: ForeignKey[Any, Any] | None
    parent: int | None
    #: Where the primary key is among ``fields`` (a null one: no related row).
    pk_index: int


class JoinedRead(Generic[M]):
    """``model`` with ``related`` foreign-key paths (``"reader"``, ``"reader__category"``),
    minus ``defer`` (``"record__marc"``), optionally locking the rows of ``lock_of`` (a related
    path, or ``"self"``) with ``FOR NO KEY UPDATE`` where the database has row locks."""

    def __init__(
        self,
        model: type[M],
        *,
        related: Sequence[str] = (),
        defer: Sequence[str] = (),
        lock_of: Sequence[str] = (),
    ) -> None:
        self.model = model
        deferred = {tuple(name.split("__")) for name in defer}
        parts: list[_Part] = [self._part((), model, "t0", None, None, deferred)]
        by_path: dict[tuple[str, ...], int] = {(): 0}
        for name in related:
            path: tuple[str, ...] = ()
            for step in name.split("__"):
                parent_index = by_path[path]
                path = (*path, step)
                if path in by_path:
                    continue
                link = parts[parent_index].model._meta.get_field(step)
                if not isinstance(link, ForeignKey):
                    raise ValueError(f"{'__'.join(path)} is not a foreign key")
                by_path[path] = len(parts)
                parts.append(
                    self._part(
                        path,
                        link.related_model,
                        f"t{len(parts)}",
                        link,
                        parent_index,
                        deferred,
                    )
                )
        self._parts = tuple(parts)
        self._lock_aliases = tuple(
            parts[by_path[() if name == "self" else tuple(name.split("__"))]].alias
            for name in lock_of
        )
        self._converters: dict[str, tuple[tuple[Any, tuple[Converter, ...]], ...]] = {}
        self._statements: dict[tuple[str, str], str] = {}
        self._pairs: dict[tuple[str, int, str], str] = {}
        #: How many columns the read selects.
        self.width = sum(len(part.fields) for part in parts)

    @staticmethod
    def _part(
        path: tuple[str, ...],
        model: type[Model],
        alias: str,
        link: ForeignKey[Any, Any] | None,
        parent: int | None,
        deferred: set[tuple[str, ...]],
    ) -> _Part:
        fields = tuple(
            field
            for field in model._meta.concrete_fields
            if field.primary_key or (*path, field.name) not in deferred
        )
        pk_index = next(index for index, field in enumerate(fields) if field.primary_key)
        return _Part(path, model, alias, fields, link, parent, pk_index)

    # --- SQL ------------------------------------------------------------------------------------

    def sql(self, where: str) -> str:
        """The statement for a ``where`` clause over the aliases (``t0`` is the base table)."""
        quote = connection.ops.quote_name
        columns = ", ".join(
            f"{part.alias}.{quote(str(field.column))}"
            for part in self._parts
            for field in part.fields
        )
        joins = []
        for part in self._parts[1:]:
            assert part.link is not None
            assert part.parent is not None
            parent = self._parts[part.parent]
            kind = "LEFT OUTER JOIN" if part.link.null else "INNER JOIN"
            target = str(part.link.target_field.column)
            joins.append(
                f"{kind} {quote(part.model._meta.db_table)} {part.alias} "
                f"ON {part.alias}.{quote(target)} = {parent.alias}.{quote(str(part.link.column))}"
            )
        lock = ""
        if self._lock_aliases and connection.features.has_select_for_update:
            lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else ""
            lock = (lock or " FOR UPDATE") + " OF " + ", ".join(self._lock_aliases)
        table = quote(self.model._meta.db_table)
        return (
            f"SELECT {columns} FROM {table} t0 {' '.join(joins)} "  # noqa: S608 - identifiers only
            f"WHERE {where} LIMIT 1{lock}"
        )

    def _converters_now(self, db: Any) -> tuple[tuple[Any, tuple[Converter, ...]], ...]:
        """(column expression, converters) per selected column, as the ORM's compiler has them."""
        vendor = db.vendor
        cached = self._converters.get(vendor)
        if cached is None:
            result = []
            for part in self._parts:
                for field in part.fields:
                    column = field.get_col(part.alias)
                    converters = tuple(db.ops.get_db_converters(column)) + tuple(
                        column.get_db_converters(db)
                    )
                    result.append((column, converters))
            cached = tuple(result)
            self._converters[vendor] = cached
        return cached

    # --- Reading --------------------------------------------------------------------------------

    def first(self, where: str, params: Sequence[Any]) -> M | None:
        """The first row matching ``where`` (SQL over the aliases, ``%s`` placeholders)."""
        with connection.cursor() as cursor:
            db = cursor.db  # the connection itself, not the thread-local proxy
            key = (db.vendor, where)
            statement = self._statements.get(key)
            if statement is None:
                statement = self._statements[key] = self.sql(where)
            hot_statements.execute(cursor, statement, list(params))
            row = cursor.fetchone()
        if row is None:
            return None
        return self._build(row, db)

    def first_then(
        self,
        where: str,
        other: JoinedRead[N],
        other_where: str,
        params: Sequence[Any],
    ) -> tuple[M, N | None] | None:
        """``first(where)``, then ``other.first(other_where)`` (``params`` for both, in order),
        in one statement on PostgreSQL: ``other`` is read (and its rows locked) after this
        read's rows are locked, as by two statements. None when this read finds no row (the
        other is then not read)."""
        db = connections[DEFAULT_DB_ALIAS]
        if db.vendor != "postgresql":
            split = where.replace("%%", "").count("%s")
            first = self.first(where, params[:split])
            if first is None:
                return None
            return first, other.first(other_where, params[split:])
        key = (where, id(other), other_where)
        statement = self._pairs.get(key)
        if statement is None:
            # A nested loop over the materialised first read (LEFT JOIN … ON true admits no
            # other join): the second read, with its lock, runs for the first's row.
            statement = self._pairs[key] = (
                f"WITH a AS MATERIALIZED ({self.sql(where)}) "  # noqa: S608 - identifiers
                f"SELECT * FROM a LEFT JOIN LATERAL ({other.sql(other_where)}) b ON true"
            )
        with db.cursor() as cursor:
            hot_statements.execute(cursor, statement, list(params))
            row = cursor.fetchone()
        if row is None:
            return None
        width = self.width
        second = row[width:]
        found = second[other._parts[0].pk_index] is not None
        return self._build(row[:width], db), other._build(second, db) if found else None

    def _build(self, row: Sequence[Any], db: Any) -> M:
        converters = self._converters_now(db)
        alias = db.alias
        instances: list[Model | None] = []
        position = 0
        for part in self._parts:
            values = []
            for _field in part.fields:
                value = row[position]
                column, column_converters = converters[position]
                for convert in column_converters:
                    value = convert(value, column, db)
                values.append(value)
                position += 1
            parent = instances[part.parent] if part.parent is not None else None
            if part.parent is not None and parent is None:
                instances.append(None)  # below a missing (null) relation
                continue
            instance = (
                part.model.from_db(alias, [field.attname for field in part.fields], values)
                if values[part.pk_index] is not None or not part.path
                else None
            )
            if part.link is not None and parent is not None:
                part.link.set_cached_value(parent, instance)
            instances.append(instance)
        base = instances[0]
        assert base is not None
        return base  # type: ignore[return-value]
