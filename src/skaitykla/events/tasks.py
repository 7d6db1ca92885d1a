"""Periodic jobs of the events app (registered from ``EventsConfig.ready``)."""

from __future__ import annotations

from django_tasks import task

from skaitykla.events import services


@task()
def expire_offers() -> int:
    """Lapse seat offers not taken in time and offer the seat to the next person waiting."""
    return services.expire_offers()


@task()
def send_reminders() -> int:
    """Remind confirmed registrants before their session."""
    return services.send_reminders()


@task()
def send_feedback_invitations() -> int:
    """Invite those who attended to the feedback questionnaire after the event."""
    return services.send_feedback_invitations()


@task()
def delete_guest_data() -> int:
    """Remove guests' personal data the configured time after their event."""
    return services.delete_guest_data()
