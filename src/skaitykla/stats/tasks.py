"""Background tasks of the stats app."""

from __future__ import annotations

from django_tasks import task

from skaitykla.stats.services import refresh_rollups


@task()
def refresh_rollups_task() -> int:
    """Aggregate the facts that arrived since the last run into the daily rollups."""
    return refresh_rollups().last_fact_id
