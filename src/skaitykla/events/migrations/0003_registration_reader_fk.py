"""``Registration.reader_id`` (a plain integer) becomes the foreign key ``Registration.reader``.

The column keeps its name and its values: the integer field is first turned into a foreign key
stored in the same column, then renamed, so no registration loses its reader. Ids of readers
that no longer exist are cleared first, or the new constraint would refuse them.
"""

import django.db.models.deletion
from django.db import migrations, models


def clear_missing_readers(apps, schema_editor):
    Registration = apps.get_model("events", "Registration")
    Reader = apps.get_model("patrons", "Reader")
    Registration.objects.filter(reader_id__isnull=False).exclude(
        reader_id__in=Reader.objects.values("pk")
    ).update(reader_id=None)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_room_exclusion_postgresql"),
        ("patrons", "0004_login_failure_client_key"),
    ]

    operations = [
        migrations.RunPython(clear_missing_readers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registration",
            name="reader_id",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_column="reader_id",
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="event_registrations",
                to="patrons.reader",
                verbose_name="reader",
            ),
        ),
        migrations.RenameField(model_name="registration", old_name="reader_id", new_name="reader"),
        migrations.AlterField(
            model_name="registration",
            name="reader",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="event_registrations",
                to="patrons.reader",
                verbose_name="reader",
            ),
        ),
    ]
