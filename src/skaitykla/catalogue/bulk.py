"""Fast inserts of many new rows (the MARC import, the scale builder).

On PostgreSQL ``COPY`` (ids taken from the sequence first): Django's ``bulk_create`` quotes every
value in Python with client-side binding, which costs more than the whole rest of an import.
Elsewhere ``bulk_create``. Plain columns (text, numbers, foreign keys) are copied as they are, JSON
is serialised once by :func:`json.dumps`; only other columns (dates with ``auto_now`` …) go
through the field's own conversion. :func:`insert_rows` takes plain tuples, so the import does
not build a model instance for every key and search entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

#: Fields whose Python value is what ``COPY`` needs (no per-value conversion).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.ForeignKey,
    models.BooleanField,
)


def _plain(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, _PLAIN) and type(field).pre_save is models.Field.pre_save


_encode = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return "[]" if value == [] else _encode(value)


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    """How a Python value of ``field`` becomes a ``COPY`` value (None: as it is)."""
    if _plain(field):
        return None
    if isinstance(field, models.JSONField) and field.encoder is None:
        return _json

    def convert(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return convert


def _copy(model: type[models.Model], fields: list[Any], rows: Any, connection: Any) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _new_ids(model: type[models.Model], count: int, connection: Any) -> list[int]:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _getter(field: Any, connection: Any) -> Callable[[Any], Any]:
    """The ``COPY`` value of ``field`` for a model instance."""
    name = field.attname
    convert = _converter(field, connection)
    if type(field).pre_save is not models.Field.pre_save:  # auto_now and the like

        def saved(obj: Any) -> Any:
            return field.get_db_prep_save(field.pre_save(obj, True), connection)

        return saved
    if convert is None:

        def plain(obj: Any) -> Any:
            return getattr(obj, name)

        return plain

    def converted(obj: Any) -> Any:
        return convert(getattr(obj, name))

    return converted


def fast_insert(objs: list[Any], *, assign_ids: bool = False) -> None:
    """Insert new rows: ``COPY`` on PostgreSQL (ids taken from the sequence first), otherwise
    ``bulk_create``. Used by the import, where client-side parameter quoting would dominate."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    if assign_ids:
        for obj, new_id in zip(objs, _new_ids(model, len(objs), connection), strict=True):
            obj.pk = new_id
    with_pk = assign_ids or objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    if meta.pk.remote_field is not None:  # a one-to-one primary key is data, not a sequence
        fields = list(meta.concrete_fields)
    getters = [_getter(f, connection) for f in fields]
    _copy(model, fields, ([get(obj) for get in getters] for obj in objs), connection)
    for obj in objs:
        obj._state.adding = False


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    returning_ids: bool = False,
    ready: bool = False,
) -> list[int]:
    """Insert new rows given as tuples of Python values for the fields ``names`` (attribute
    names). Every column must be given except an auto-increment primary key; with
    ``returning_ids`` the new keys come back in row order (taken from the sequence first on
    PostgreSQL). ``ready``: on PostgreSQL the values are already what ``COPY`` takes (JSON as
    text, timestamps converted) and are not converted again (elsewhere: not allowed)."""
    if not rows:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        if ready:
            raise ValueError("rows made ready for COPY can only go to PostgreSQL")
        objs = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=1000)
        return [obj.pk for obj in objs] if returning_ids else []
    meta = model._meta
    fields: list[Any] = [meta.get_field(name) for name in names]
    converters = [None if ready else _converter(f, connection) for f in fields]
    if any(converters):
        rows = [
            tuple(
                value if c is None else c(value) for c, value in zip(converters, row, strict=True)
            )
            for row in rows
        ]
    ids: list[int] = []
    if returning_ids:
        ids = _new_ids(model, len(rows), connection)
        fields = [meta.pk, *fields]
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    _copy(model, fields, rows, connection)
    return ids
