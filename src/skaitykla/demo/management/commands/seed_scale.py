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
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: object, **options: int) -> None:
        if options["libraries"] < 1 or options["facts"] < 0:
            raise CommandError("--libraries must be at least 1 and --facts at least 0.")
        last = [0]

        def progress(done: int) -> None:
            if done - last[0] >= 200_000 or done == options["facts"]:
                self.stdout.write(f"  facts: {done:,}")
                last[0] = done

        report = seed_scale(
            libraries=options["libraries"],
            facts=options["facts"],
            seed=options["seed"],
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data: {report.libraries} libraries, {report.facts:,} facts "
                f"in {report.seconds:.1f} s."
            )
        )
