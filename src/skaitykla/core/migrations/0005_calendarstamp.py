"""Calendar stamps, kept by triggers on opening hours and calendar exceptions (both databases)."""

from django.db import migrations, models

TABLES = ("core_openinghours", "core_calendarexception")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION core_stamp_calendar() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO core_calendarstamp (library_id, token)
        VALUES (OLD.library_id, floor(random() * 9007199254740991)::bigint)
        ON CONFLICT (library_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO core_calendarstamp (library_id, token)
        VALUES (NEW.library_id, floor(random() * 9007199254740991)::bigint)
        ON CONFLICT (library_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

BACKFILL = """
INSERT INTO core_calendarstamp (library_id, token)
SELECT DISTINCT library_id, 1 FROM (
    SELECT library_id FROM core_openinghours UNION SELECT library_id FROM core_calendarexception
) AS rows_with_hours
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    if vendor == "postgresql":
        execute(POSTGRES_FUNCTION)
        for table in TABLES:
            execute(
                f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION core_stamp_calendar()"
            )
    elif vendor == "sqlite":
        stamp = (
            "INSERT OR REPLACE INTO core_calendarstamp (library_id, token) "
            "VALUES ({row}.library_id, random());"
        )
        for table in TABLES:
            execute(
                f"CREATE TRIGGER {table}_stamp_insert AFTER INSERT ON {table} "
                f"BEGIN {stamp.format(row='NEW')} END"
            )
            execute(
                f"CREATE TRIGGER {table}_stamp_update AFTER UPDATE ON {table} "
                f"BEGIN {stamp.format(row='OLD')} {stamp.format(row='NEW')} END"
            )
            execute(
                f"CREATE TRIGGER {table}_stamp_delete AFTER DELETE ON {table} "
                f"BEGIN {stamp.format(row='OLD')} END"
            )
    else:
        raise NotImplementedError(f"calendar stamps need triggers on {vendor}")
    execute(BACKFILL)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    for table in TABLES:
        if vendor == "postgresql":
            execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{event}")
    if vendor == "postgresql":
        execute("DROP FUNCTION IF EXISTS core_stamp_calendar()")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_ratecounter"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarStamp",
            fields=[
                (
                    "library_id",
                    models.BigIntegerField(primary_key=True, serialize=False, verbose_name="library"),
                ),
                ("token", models.BigIntegerField(verbose_name="token")),
            ],
            options={
                "verbose_name": "calendar stamp",
                "verbose_name_plural": "calendar stamps",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
