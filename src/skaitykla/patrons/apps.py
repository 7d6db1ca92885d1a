from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatronsConfig(AppConfig):
    name = "skaitykla.patrons"
    label = "patrons"
    verbose_name = _("Readers")

    def ready(self) -> None:
        from datetime import timedelta

        from skaitykla.core.schedule import PeriodicJob, register

        for name, task, interval in (
            ("expire_preregistrations", "expire_preregistrations", timedelta(hours=1)),
            ("expire_reader_cards", "expire_cards", timedelta(days=1)),
            ("prune_reader_login_failures", "prune_reader_login_failures", timedelta(hours=1)),
            ("reader_retention", "apply_retention", timedelta(days=1)),
        ):
            register(PeriodicJob(name, f"skaitykla.patrons.tasks.{task}", interval))
