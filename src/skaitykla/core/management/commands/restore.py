"""``skaitykla restore PATH [--yes]``: put a verified SQLite backup back in place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from skaitykla.core import backup


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup, after checking the backup's integrity. "
        "The current database is kept in var/backups first. PostgreSQL: see docs/deploy.md."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file to restore")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="do not ask for confirmation (required when not run from a terminal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["path"]
        try:
            live = backup.live_database_path(settings.DATABASES["default"])
            backup.check_backup(source)
        except backup.BackupError as error:
            raise CommandError(f"restore refused: {error}") from None
        if not options["yes"] and not self.confirmed(source, live):
            raise CommandError(
                "restore refused: confirmation needed; run from a terminal or add --yes"
            )
        try:
            kept = backup.restore(
                source,
                live,
                keep_current_in=Path(settings.VAR_DIR) / "backups",
                now=timezone.localtime(),
            )
        except backup.BackupError as error:
            raise CommandError(f"restore failed: {error}") from None
        if kept:
            self.stdout.write(f"previous database kept in {kept}")
        self.stdout.write(f"restored {live} from {source}")

    def confirmed(self, source: Path, live: Path) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"Replace {live} with {source}? Type 'yes' to continue: ")
        return answer.strip().lower() == "yes"
