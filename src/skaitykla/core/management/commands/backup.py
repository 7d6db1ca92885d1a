"""``skaitykla backup [PATH]``: an online, verified copy of the embedded SQLite database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from skaitykla.core import backup


class Command(BaseCommand):
    help = (
        "Back up the SQLite database with SQLite's online backup API and verify the copy "
        "(PRAGMA integrity_check). PostgreSQL: see docs/deploy.md."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="where to write the copy (default: var/backups/skaitykla-YYYYmmdd-HHMMSS.sqlite3)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            live = backup.live_database_path(settings.DATABASES["default"])
            target = options["path"] or backup.default_backup_path(
                Path(settings.VAR_DIR) / "backups", timezone.localtime()
            )
            written = backup.backup(live, target)
        except backup.BackupError as error:
            raise CommandError(f"backup refused: {error}") from None
        self.stdout.write(str(written))
