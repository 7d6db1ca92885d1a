"""Failed reader logins keep a keyed hash of the client's address, never the address.

The rows only live for the cool-off window, so the stored addresses are dropped rather than
hashed: the card-number counts (``key``) are kept and the per-address count starts afresh.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patrons", "0003_search_key_c_indexes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="readerloginfailure",
            name="ip_address",
        ),
        migrations.AddField(
            model_name="readerloginfailure",
            name="client_key",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
    ]
