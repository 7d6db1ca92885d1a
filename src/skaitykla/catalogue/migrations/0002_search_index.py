"""The full-text index, per database vendor (see docs/adr/0020-catalogue-search.md).

PostgreSQL: a generated ``document`` tsvector column on ``catalogue_searchentry`` built with the
``simple`` configuration from the Python analyzer's output, weighted A (title), B (authors),
C (subjects), D (other), and a GIN index on it.

SQLite: an FTS5 table ``catalogue_fts`` with external content from ``catalogue_searchentry``,
kept in step by triggers.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    ALTER TABLE catalogue_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(authors, '')), 'B') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(subjects, '')), 'C') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(other, '')), 'D')
    ) STORED
    """,
    "CREATE INDEX catalogue_searchentry_document ON catalogue_searchentry USING gin (document)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_searchentry_document",
    "ALTER TABLE catalogue_searchentry DROP COLUMN IF EXISTS document",
]

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE catalogue_fts USING fts5(
        title, authors, subjects, other,
        content='catalogue_searchentry', content_rowid='record_id',
        tokenize='unicode61 remove_diacritics 0'
    )
    """,
    """
    CREATE TRIGGER catalogue_fts_insert AFTER INSERT ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_fts(rowid, title, authors, subjects, other)
        VALUES (new.record_id, new.title, new.authors, new.subjects, new.other);
    END
    """,
    """
    CREATE TRIGGER catalogue_fts_delete AFTER DELETE ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_fts(catalogue_fts, rowid, title, authors, subjects, other)
        VALUES ('delete', old.record_id, old.title, old.authors, old.subjects, old.other);
    END
    """,
    """
    CREATE TRIGGER catalogue_fts_update AFTER UPDATE ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_fts(catalogue_fts, rowid, title, authors, subjects, other)
        VALUES ('delete', old.record_id, old.title, old.authors, old.subjects, old.other);
        INSERT INTO catalogue_fts(rowid, title, authors, subjects, other)
        VALUES (new.record_id, new.title, new.authors, new.subjects, new.other);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalogue_fts_update",
    "DROP TRIGGER IF EXISTS catalogue_fts_delete",
    "DROP TRIGGER IF EXISTS catalogue_fts_insert",
    "DROP TABLE IF EXISTS catalogue_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
