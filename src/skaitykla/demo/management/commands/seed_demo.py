from django.core.management.base import BaseCommand

from skaitykla.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create or update the deterministic demo network (the same data on every run)."

    def handle(self, *args: object, **options: object) -> None:
        counts = seed_demo()
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({summary})."))
