"""Background tasks owned by core: housekeeping that keeps shared state small."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task

from skaitykla.core.models import ScheduledRun


@task()
def clear_expired_sessions() -> int:
    """Delete expired staff and reader sessions from the database."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@task()
def prune_finished_tasks(days: int = 14) -> int:
    """Delete task results and scheduler slots older than ``days``."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=days)
    results, _ = DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
    slots, _ = ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    return results + slots


@task()
def prune_rate_counters() -> int:
    """Forget public-form rate counters older than a day."""
    from skaitykla.core.rate_limit import prune

    return prune()


@task()
def reset_expired_login_attempts() -> int:
    """Forget failed staff logins whose cool-off has passed (django-axes)."""
    from axes.models import AccessAttempt

    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted
