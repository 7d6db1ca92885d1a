"""Copies of the record's language, material type and year on the search entry (ADR 0023).

Hand-written SQL on both databases, with the state change declared separately: Django would
rebuild the SQLite table to add a NOT NULL column, which drops the FTS5 triggers of migration
0002. The FTS5 update trigger now fires only when an indexed text changes, so the backfill
(and any later change of these copies) does not rewrite the full-text index on SQLite.
"""

from django.db import migrations, models, transaction

ADD_COLUMNS = [
    "ALTER TABLE catalogue_searchentry ADD COLUMN language varchar(3) NOT NULL DEFAULT ''",
    "ALTER TABLE catalogue_searchentry ADD COLUMN material_type varchar(20) NOT NULL "
    "DEFAULT 'book'",
    'ALTER TABLE catalogue_searchentry ADD COLUMN year smallint NULL CHECK ("year" >= 0)',
]
BACKFILL_POSTGRES = """
    UPDATE catalogue_searchentry s
    SET language = r.language, material_type = r.material_type, year = r.year
    FROM catalogue_record r WHERE r.id = s.record_id
"""
BACKFILL_SQLITE = """
    UPDATE catalogue_searchentry SET
        (language, material_type, year) = (
            SELECT r.language, r.material_type, r.year FROM catalogue_record r
            WHERE r.id = catalogue_searchentry.record_id
        )
"""
SQLITE_TRIGGER = """
    CREATE TRIGGER catalogue_fts_update
    AFTER UPDATE OF title, authors, subjects, other ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_fts(catalogue_fts, rowid, title, authors, subjects, other)
        VALUES ('delete', old.record_id, old.title, old.authors, old.subjects, old.other);
        INSERT INTO catalogue_fts(rowid, title, authors, subjects, other)
        VALUES (new.record_id, new.title, new.authors, new.subjects, new.other);
    END
"""
SQLITE_OLD_TRIGGER = """
    CREATE TRIGGER catalogue_fts_update AFTER UPDATE ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_fts(catalogue_fts, rowid, title, authors, subjects, other)
        VALUES ('delete', old.record_id, old.title, old.authors, old.subjects, old.other);
        INSERT INTO catalogue_fts(rowid, title, authors, subjects, other)
        VALUES (new.record_id, new.title, new.authors, new.subjects, new.other);
    END
"""


def forward(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        with transaction.atomic(using=schema_editor.connection.alias):
            for statement in ADD_COLUMNS:
                execute(statement)
            # Django keeps defaults out of the database; the rows added so far keep their value.
            execute("ALTER TABLE catalogue_searchentry ALTER COLUMN language DROP DEFAULT")
            execute("ALTER TABLE catalogue_searchentry ALTER COLUMN material_type DROP DEFAULT")
            execute(BACKFILL_POSTGRES)
        # The UPDATE wrote a second version of every row behind the first: rewrite the table,
        # or the full-text scan (which stops after the first hits in table order) would read a
        # table of empty pages first. About 6 s and a fresh GIN index for 1 M entries.
        execute("VACUUM FULL ANALYZE catalogue_searchentry")
    else:
        with transaction.atomic(using=schema_editor.connection.alias):
            execute("DROP TRIGGER IF EXISTS catalogue_fts_update")
            execute(SQLITE_TRIGGER)
            for statement in ADD_COLUMNS:
                execute(statement)
            execute(BACKFILL_SQLITE)


def backward(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "sqlite":
        execute("DROP TRIGGER IF EXISTS catalogue_fts_update")
        execute(SQLITE_OLD_TRIGGER)
    for column in ("year", "material_type", "language"):
        execute(f"ALTER TABLE catalogue_searchentry DROP COLUMN {column}")


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction; the changes themselves are atomic
    dependencies = [("catalogue", "0004_item_status_hold_shelf_lost")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AddField(
                    model_name="searchentry",
                    name="language",
                    field=models.CharField(blank=True, default="", max_length=3),
                ),
                migrations.AddField(
                    model_name="searchentry",
                    name="material_type",
                    field=models.CharField(default="book", max_length=20),
                ),
                migrations.AddField(
                    model_name="searchentry",
                    name="year",
                    field=models.PositiveSmallIntegerField(blank=True, null=True),
                ),
            ],
        )
    ]
