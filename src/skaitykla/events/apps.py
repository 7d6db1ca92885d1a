from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: (job name, task, interval) of the events app's periodic jobs.
PERIODIC = (
    ("events_expire_offers", "skaitykla.events.tasks.expire_offers", timedelta(minutes=15)),
    ("events_send_reminders", "skaitykla.events.tasks.send_reminders", timedelta(hours=1)),
    (
        "events_feedback_invitations",
        "skaitykla.events.tasks.send_feedback_invitations",
        timedelta(hours=1),
    ),
    ("events_delete_guest_data", "skaitykla.events.tasks.delete_guest_data", timedelta(days=1)),
)


class EventsConfig(AppConfig):
    name = "skaitykla.events"
    label = "events"
    verbose_name = _("Trainings and events")

    def ready(self) -> None:
        from skaitykla.core.schedule import PeriodicJob, register

        for name, task_path, interval in PERIODIC:
            register(PeriodicJob(name, task_path, interval))
