from django.core.management.base import BaseCommand, CommandError, CommandParser

from skaitykla.demo.scale import seed_scale


class Command(BaseCommand):
    help = "Build reference data at scale for benchmarks (bulk inserts, deterministic per seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--libraries", type=int, default=50, help="Member libraries (default 50)."
        )
        parser.add_argument(
            "--facts",
            type=int,
            default=0,
            help="De-identified statistics facts (reference: 10000000).",
        )
        parser.add_argument(
            "--readers",
            type=int,
            default=0,
            help="Readers, each with one card (reference: 200000).",
        )
        parser.add_argument(
            "--records",
            type=int,
            default=0,
            help="Catalogue records with search entries (reference: 1000000).",
        )
        parser.add_argument(
            "--items", type=int, default=0, help="Items of those records (reference: 2000000)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: object, **options: int) -> None:
        if options["libraries"] < 1 or options["facts"] < 0 or options["readers"] < 0:
            raise CommandError("--libraries must be at least 1, --facts and --readers at least 0.")
        if options["records"] < 0 or options["items"] < 0:
            raise CommandError("--records and --items must be at least 0.")
        if options["items"] and not options["records"]:
            raise CommandError("--items needs --records.")
        last = [0]

        def progress(done: int) -> None:
            if done - last[0] >= 200_000 or done == options["facts"]:
                self.stdout.write(f"  facts: {done:,}")
                last[0] = done

        def reader_progress(done: int) -> None:
            if done % 50_000 == 0 or done == options["readers"]:
                self.stdout.write(f"  readers: {done:,}")

        def catalogue_progress(kind: str, done: int) -> None:
            if done % 100_000 == 0 or done == options[kind]:
                self.stdout.write(f"  {kind}: {done:,}")

        report = seed_scale(
            libraries=options["libraries"],
            facts=options["facts"],
            seed=options["seed"],
            readers=options["readers"],
            progress=progress,
            reader_progress=reader_progress,
            records=options["records"],
            items=options["items"],
            catalogue_progress=catalogue_progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data: {report.libraries} libraries, {report.facts:,} facts, "
                f"{report.readers:,} readers, {report.records:,} records, "
                f"{report.items:,} items "
                f"in {report.seconds:.1f} s."
            )
        )
