from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from skaitykla.core.models import ScheduledRun
from skaitykla.core.schedule import PERIODIC_JOBS, enqueue_due_jobs

pytestmark = pytest.mark.django_db


def test_each_job_is_enqueued_once_per_slot():
    now = datetime(2026, 11, 25, 10, 15, tzinfo=UTC)
    first = enqueue_due_jobs(now=now)
    assert sorted(first) == sorted(PERIODIC_JOBS)
    later = now + timedelta(minutes=3)  # same slot for every job (none runs more often than 5 min)
    assert all(job.slot(later) == job.slot(now) for job in PERIODIC_JOBS.values())
    assert enqueue_due_jobs(now=later) == []
    assert DBTaskResult.objects.count() == len(PERIODIC_JOBS)
    # The next hour is a new slot for the hourly jobs only.
    second = enqueue_due_jobs(now=now + timedelta(hours=1))
    hourly = sorted(  # the jobs that run hourly or more often get a new slot an hour later
        name for name, job in PERIODIC_JOBS.items() if job.interval <= timedelta(hours=1)
    )
    assert {"clear_expired_sessions", "reset_expired_login_attempts"} <= set(hourly)
    assert "prune_finished_tasks" not in hourly
    assert sorted(second) == hourly
    assert ScheduledRun.objects.count() == len(PERIODIC_JOBS) + len(hourly)


def test_a_failed_enqueue_leaves_no_slot_taken():
    def broken(job):
        raise RuntimeError("queue down")

    with pytest.raises(RuntimeError):
        enqueue_due_jobs(now=datetime(2026, 1, 1, tzinfo=UTC), enqueue=broken)
    assert ScheduledRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_enqueued_housekeeping():
    # The real worker closes its database connection when done: a transactional test.
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="x", expire_date=timezone.now() + timedelta(days=1)
    )
    call_command("scheduler", "--once", stdout=StringIO())
    call_command("worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}
