"""Periodic jobs of the reference app (registered in ``apps.ReferenceConfig.ready``)."""

from __future__ import annotations

from django_tasks import task

from skaitykla.reference import services


@task()
def release_lapsed_claims() -> int:
    return services.release_lapsed_claims()


@task()
def send_deadline_reminders() -> int:
    return services.send_deadline_reminders()


@task()
def erase_expired_contacts() -> int:
    return services.erase_expired_contacts()
