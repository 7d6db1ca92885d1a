"""Fast inserts of many new rows (the MARC import, the scale builder).

On PostgreSQL ``COPY`` (ids taken from the sequence first): Django's ``bulk_create`` quotes every
value in Python with client-side binding, which costs more than the whole rest of an import.
Elsewhere ``bulk_create``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection


def fast_insert(objs: list[Any], *, assign_ids: bool = False) -> None:
    """Insert new rows: ``COPY`` on PostgreSQL (ids taken from the sequence first), otherwise
    ``bulk_create``. Used by the import, where client-side parameter quoting would dominate."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    if assign_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = new_id
    with_pk = assign_ids or objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    if meta.pk.remote_field is not None:  # a one-to-one primary key is data, not a sequence
        fields = list(meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        with raw.copy(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        ) as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objs:
        obj._state.adding = False
