"""Audit rows cannot be rewritten; the shared cache table exists.

Triggers refuse UPDATE on core_auditentry on both SQLite and PostgreSQL, so no code path (ORM,
raw SQL, admin) can rewrite history. Deleting is refused by the model's manager and left to the
retention purge; at the SQL level DELETE stays possible so that Django's test flush and a DBA's
retention job work (docs/adr/0007-audit-log-append-only.md).
"""

from django.core.management import call_command
from django.db import migrations

SQLITE_TRIGGERS = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
]
POSTGRES_TRIGGER = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only();",
]


def add_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = POSTGRES_TRIGGER if vendor == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
