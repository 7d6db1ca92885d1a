"""Periodic jobs of the patrons app (registered in ``core.schedule``)."""

from __future__ import annotations

import logging

from django_tasks import task

from skaitykla.patrons import services
from skaitykla.patrons.errors import RetentionCapExceededError

logger = logging.getLogger(__name__)


@task()
def expire_preregistrations() -> int:
    """Delete unverified online pre-registrations older than the policy allows."""
    return services.expire_preregistrations()


@task()
def expire_cards() -> int:
    return services.expire_cards()


@task()
def prune_reader_login_failures() -> int:
    return services.prune_login_failures()


@task()
def apply_retention(dry_run: bool = False) -> dict[str, object]:
    """Anonymise readers past the retention period; refuses runs above the share cap."""
    try:
        return services.apply_retention(dry_run=dry_run).as_dict()
    except RetentionCapExceededError as refused:
        logger.warning("retention run refused: %s", refused.code)
        return {"refused": refused.code, **refused.params}
