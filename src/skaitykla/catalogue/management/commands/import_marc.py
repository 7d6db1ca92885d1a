"""``skaitykla import_marc FILE``: MARC21 / MARC-8 / MARCXML / MARC-in-JSON / UNIMARC import."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skaitykla.catalogue.errors import NotMarcError
from skaitykla.catalogue.marc.readers import FORMATS
from skaitykla.catalogue.selectors import find_library
from skaitykla.catalogue.services import ImportSummary, import_marc


class Command(BaseCommand):
    help = (
        "Import bibliographic records (and items from 990/852/949) from a MARC file. "
        "Duplicates (001+003, 035, ISBN) update the existing record."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The MARC file.")
        parser.add_argument("--format", default="auto", choices=FORMATS, dest="fmt")
        parser.add_argument("--library", default="", help="ISIL code of the items' library.")
        parser.add_argument(
            "--items-from", default="", help="Holdings tag for items (990, 852 or 949)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and match, write nothing.")
        parser.add_argument("--report", default="", help="Write the failure report here.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        library = None
        if options["library"]:
            library = find_library(options["library"])
            if library is None:
                raise CommandError(f"Unknown library code: {options['library']}")
        size = path.stat().st_size
        tty = sys.stdout.isatty() if self.stdout._out is sys.stdout else False  # type: ignore[attr-defined]
        started = time.perf_counter()

        def progress(summary: ImportSummary) -> None:
            if not tty:
                return
            share = summary.bytes_read / size if size else 1.0
            bar = "#" * int(30 * share)
            rate = summary.read / max(time.perf_counter() - started, 1e-6)
            self.stdout.write(
                f"\r[{bar:<30}] {share:6.1%} {summary.read:,} records {rate:,.0f}/s",
                ending="",
            )
            self.stdout.flush()

        try:
            with path.open("rb") as handle:
                summary = import_marc(
                    handle=handle,
                    fmt=options["fmt"],
                    library=library,
                    items_from=options["items_from"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
        except NotMarcError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        if tty:
            self.stdout.write("")
        if options["report"]:
            Path(options["report"]).write_text(summary.report_text(), encoding="utf-8")
        counts = summary.as_dict()
        line = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in counts.items())
        prefix = "Dry run: " if options["dry_run"] else ""
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}{line} in {seconds:.1f} s.")
            if not summary.failed
            else self.style.WARNING(f"{prefix}{line} in {seconds:.1f} s.")
        )
        for failure in summary.failures[:20]:
            self.stdout.write(f"  failed: {failure.line()}")
        if len(summary.failures) > 20:
            self.stdout.write(f"  … and {len(summary.failures) - 20} more (see --report).")
