"""Background work of the catalogue: a MARC file uploaded by staff."""

from __future__ import annotations

from django_tasks import task

from skaitykla.catalogue.services import run_import_job


@task()
def import_marc_file(job_id: int) -> str:
    """Import an uploaded MARC file, saving progress after every batch."""
    job = run_import_job(job_id=job_id)
    return str(job.status)
