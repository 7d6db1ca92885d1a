"""PostgreSQL only: code-point ordered indexes for the folded search keys.

The reader search walks ``(key COLLATE "C", id)`` in order from a prefix, so a common surname
costs no more than a rare one whatever the database's collation. SQLite compares bytes and
uses the plain column indexes from 0001.
"""

from django.db import migrations

KEYS = ("name_key", "name_key_alt", "email_key")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for key in KEYS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS reader_{key}_c_idx '
            f'ON patrons_reader (({key} COLLATE "C"), id)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for key in KEYS:
        schema_editor.execute(f"DROP INDEX IF EXISTS reader_{key}_c_idx")


class Migration(migrations.Migration):
    dependencies = [("patrons", "0002_default_policy_and_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
