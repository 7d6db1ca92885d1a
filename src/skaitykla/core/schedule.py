"""Periodic jobs and the scheduler that enqueues them.

The scheduler only enqueues: workers run the tasks. Each job has a fixed interval; a run is due
for the current time slot (``now`` floored to the interval) unless a ``ScheduledRun`` row for that
slot exists. The unique (job, slot) constraint means several scheduler processes never enqueue
the same slot twice. Apps add their jobs to ``PERIODIC_JOBS`` through ``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from skaitykla.core.models import ScheduledRun


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_path: str
    interval: timedelta
    kwargs: dict[str, object] = field(default_factory=dict)

    def slot(self, now: datetime) -> datetime:
        seconds = int(self.interval.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> PeriodicJob:
    if job.interval < timedelta(minutes=1):
        raise ValueError("periodic jobs run at most once a minute")
    PERIODIC_JOBS[job.name] = job
    return job


register(
    PeriodicJob(
        "clear_expired_sessions", "skaitykla.core.tasks.clear_expired_sessions", timedelta(hours=1)
    )
)
register(
    PeriodicJob(
        "reset_expired_login_attempts",
        "skaitykla.core.tasks.reset_expired_login_attempts",
        timedelta(hours=1),
    )
)
register(
    PeriodicJob(
        "prune_rate_counters", "skaitykla.core.tasks.prune_rate_counters", timedelta(hours=1)
    )
)
register(
    PeriodicJob(
        "prune_finished_tasks", "skaitykla.core.tasks.prune_finished_tasks", timedelta(days=1)
    )
)


def enqueue_due_jobs(
    *, now: datetime | None = None, enqueue: Callable[[PeriodicJob], str] | None = None
) -> list[str]:
    """Enqueue every job whose current slot has not been enqueued yet; returns their names."""
    now = now or timezone.now()
    enqueue = enqueue or _enqueue_task
    enqueued: list[str] = []
    for job in PERIODIC_JOBS.values():
        slot = job.slot(now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                # The task row is written in the same transaction: either both exist or neither.
                run.task_id = enqueue(job)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another scheduler (or an earlier tick) has this slot
        enqueued.append(job.name)
    return enqueued


def _enqueue_task(job: PeriodicJob) -> str:
    result = import_string(job.task_path).enqueue(**job.kwargs)
    return str(result.id)
