from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "skaitykla.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from skaitykla.core.schedule import PeriodicJob, register

        register(
            PeriodicJob(
                "stats_refresh_rollups",
                "skaitykla.stats.tasks.refresh_rollups_task",
                timedelta(minutes=5),
            )
        )
