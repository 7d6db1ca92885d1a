"""Hot-path inserts and updates compiled once per process.

``Model.objects.create`` and ``instance.save(update_fields=…)`` compile an ``INSERT``/``UPDATE``
on every call. On the statements every scan writes (the loan, the item's status, the audit row,
the statistics fact) that compilation cost about as much as the database did.
``insert_row``/``update_row`` write the same row with SQL built once per model (and field set),
with each value prepared by its field exactly as ``save`` prepares it (``pre_save`` for
``auto_now``/``auto_now_add``, then ``get_db_prep_save``: JSON, decimals, time zones), and leave
the instance as ``save`` leaves it (primary key set, no longer "adding"). Model ``save()``
overrides and ``pre_save``/``post_save`` signals are not run: use these only for models that
have neither (checked: ``_check_plain``).

Inside ``write_batches.atomic_with_batched_writes()`` on PostgreSQL, ``update_row`` and
``append_row`` (an insert whose key the caller does not need at once) are queued and sent with
their neighbours as one statement; ``insert_row`` always writes at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField, signals
from django.db.models.fields import Field

from skaitykla.core import hot_statements, write_batches

M = TypeVar("M", bound=Model)

_AUTO = (AutoField, BigAutoField, SmallAutoField)
_INSERTS: dict[tuple[str, type[Model]], tuple[str, tuple[Field[Any, Any], ...]]] = {}
_UPDATES: dict[
    tuple[str, type[Model], tuple[str, ...]], tuple[str, tuple[Field[Any, Any], ...]]
] = {}


def _check_plain(model: type[Model], *, inserting: bool = False) -> None:
    """Refuse models whose ``save()`` does more than save, unless the model declares
    ``COMPILED_INSERT_OK`` (its override only guards changes to saved rows) and this is an
    insert."""
    allowed = inserting and getattr(model, "COMPILED_INSERT_OK", False)
    if model.save is not Model.save and not allowed:
        raise TypeError(f"{model.__name__} overrides save(): use the ORM")
    for signal in (signals.pre_save, signals.post_save):
        if signal.has_listeners(model):
            raise TypeError(f"{model.__name__} has save signals: use the ORM")


def _insert_statement(db: Any, model: type[Model]) -> tuple[str, tuple[Field[Any, Any], ...]]:
    key = (db.vendor, model)
    cached = _INSERTS.get(key)
    if cached is None:
        _check_plain(model, inserting=True)
        quote = db.ops.quote_name
        meta = model._meta
        fields = tuple(
            field
            for field in meta.concrete_fields
            if not (field.primary_key and isinstance(field, _AUTO))
        )
        columns = ", ".join(quote(str(field.column)) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        returning = (
            f" RETURNING {quote(str(meta.pk.column))}"
            if db.features.can_return_columns_from_insert
            else ""
        )
        table = quote(meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}){returning}"  # noqa: S608
        cached = _INSERTS[key] = (sql, fields)
    return cached


def _insert_values(db: Any, instance: Model) -> tuple[str, list[Any]]:
    sql, fields = _insert_statement(db, type(instance))
    return sql, [field.get_db_prep_save(field.pre_save(instance, True), db) for field in fields]


def _saved(instance: M, db: Any, pk: object) -> M:
    if instance.pk is None:
        instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias
    return instance


def append_row(instance: M) -> M:
    """``insert_row`` for a row whose key the caller does not read at once (an audit row, a
    statistics fact): in a batch of writes it is queued, and its key is set when the batch is
    sent."""
    db = connections[DEFAULT_DB_ALIAS]
    sql, values = _insert_values(db, instance)

    def done(pk: object) -> None:
        _saved(instance, db, pk)

    # Batches exist only on PostgreSQL, whose inserts return their key.
    if write_batches.queue_write(db, sql, values, answer="value", done=done):
        return instance
    return _insert_now(db, instance, sql, values)


def insert_row(instance: M) -> M:
    """``instance.save()`` for a new row of a plain model, with SQL compiled once."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the thread-local proxy
    sql, values = _insert_values(db, instance)
    return _insert_now(db, instance, sql, values)


def _insert_now(db: Any, instance: M, sql: str, values: list[Any]) -> M:
    with db.cursor() as cursor:
        hot_statements.execute(cursor, sql, values)
        pk = (
            cursor.fetchone()[0]
            if db.features.can_return_columns_from_insert
            else db.ops.last_insert_id(cursor, instance._meta.db_table, "id")
        )
    return _saved(instance, db, pk)


def update_row(instance: M, fields: Sequence[str]) -> M:
    """``instance.save(update_fields=fields)`` for a plain model, with SQL compiled once per
    field set (``auto_now`` fields are added as ``save`` adds them)."""
    model = type(instance)
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the thread-local proxy
    key = (db.vendor, model, tuple(fields))
    cached = _UPDATES.get(key)
    if cached is None:
        _check_plain(model)
        quote = db.ops.quote_name
        meta = model._meta
        chosen: list[Field[Any, Any]] = []
        for name in fields:
            field = meta.get_field(name)
            if not isinstance(field, Field) or not field.concrete:
                raise ValueError(f"{name} is not a column of {model.__name__}")
            chosen.append(field)
        chosen += [
            field
            for field in meta.concrete_fields
            if getattr(field, "auto_now", False) and field not in chosen
        ]
        assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in chosen)
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - identifiers only
            f"WHERE {quote(str(meta.pk.column))} = %s"
        )
        cached = _UPDATES[key] = (sql, tuple(chosen))
    sql, chosen_fields = cached
    values = [
        field.get_db_prep_save(field.pre_save(instance, False), db) for field in chosen_fields
    ]
    params = [*values, instance.pk]

    def check(count: int) -> None:
        if count != 1:
            raise model.DoesNotExist(  # type: ignore[attr-defined]
                f"no {model.__name__} {instance.pk} to update"
            )

    row = (model._meta.db_table, instance.pk)
    if not write_batches.queue_write(db, sql, params, answer="count", done=check, row=row):
        with db.cursor() as cursor:
            hot_statements.execute(cursor, sql, params)
            check(cursor.rowcount)
    return instance
