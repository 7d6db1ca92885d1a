from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "skaitykla.reference"
    label = "reference"
    verbose_name = _("Ask a Librarian and desk log")

    def ready(self) -> None:
        from skaitykla.core.schedule import PeriodicJob, register

        register(
            PeriodicJob(
                "reference_release_lapsed_claims",
                "skaitykla.reference.tasks.release_lapsed_claims",
                timedelta(minutes=5),
            )
        )
        register(
            PeriodicJob(
                "reference_deadline_reminders",
                "skaitykla.reference.tasks.send_deadline_reminders",
                timedelta(hours=1),
            )
        )
        register(
            PeriodicJob(
                "reference_erase_expired_contacts",
                "skaitykla.reference.tasks.erase_expired_contacts",
                timedelta(days=1),
            )
        )
