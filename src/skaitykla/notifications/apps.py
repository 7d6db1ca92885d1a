from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "skaitykla.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from datetime import timedelta

        from skaitykla.core.schedule import PeriodicJob, register

        register(
            PeriodicJob(
                "retry_email_outbox",
                "skaitykla.notifications.tasks.retry_due_emails",
                timedelta(minutes=5),
            )
        )
