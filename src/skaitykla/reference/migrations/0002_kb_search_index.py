"""The knowledge-base full-text index, per database vendor (docs/adr/0030-ask-a-librarian.md).

PostgreSQL: a generated ``document`` tsvector over the analyzer's terms (``simple`` configuration)
with a GIN index. SQLite: an FTS5 table with external content, kept in step by triggers.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE reference_knowledgebaseentry ADD COLUMN document tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, coalesce(terms, ''))) STORED",
    "CREATE INDEX reference_kb_document ON reference_knowledgebaseentry USING gin (document)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS reference_kb_document",
    "ALTER TABLE reference_knowledgebaseentry DROP COLUMN IF EXISTS document",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE reference_kb_fts USING fts5(terms, "
    "content='reference_knowledgebaseentry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER reference_kb_fts_insert AFTER INSERT ON reference_knowledgebaseentry BEGIN "
    "INSERT INTO reference_kb_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER reference_kb_fts_delete AFTER DELETE ON reference_knowledgebaseentry BEGIN "
    "INSERT INTO reference_kb_fts(reference_kb_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER reference_kb_fts_update AFTER UPDATE ON reference_knowledgebaseentry BEGIN "
    "INSERT INTO reference_kb_fts(reference_kb_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); "
    "INSERT INTO reference_kb_fts(rowid, terms) VALUES (new.id, new.terms); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS reference_kb_fts_update",
    "DROP TRIGGER IF EXISTS reference_kb_fts_delete",
    "DROP TRIGGER IF EXISTS reference_kb_fts_insert",
    "DROP TABLE IF EXISTS reference_kb_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
