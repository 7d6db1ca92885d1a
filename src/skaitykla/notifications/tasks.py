"""Background delivery of queued e-mail."""

from __future__ import annotations

from django_tasks import task

from skaitykla.notifications.services import deliver, retry_due


@task()
def deliver_email(message_id: int) -> str:
    return deliver(message_id=message_id)


@task()
def retry_due_emails() -> int:
    return retry_due()
