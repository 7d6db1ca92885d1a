"""Fixed-window rate limits shared by every process (public forms: questions, registrations).

``allow(scope=..., key=..., limit=..., window=...)`` counts one attempt atomically in the
database (one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on both SQLite and PostgreSQL) and
says whether it is within the limit. Keys are hashed with the secret key: no address is stored.
For limits on failures only (logins), ``hit`` counts each attempt before it is checked and
``release`` takes back the ones that succeed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from skaitykla.core.models import RateCounter


@dataclass(frozen=True)
class Limit:
    limit: int
    window: timedelta


def _key_hash(key: str) -> str:
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def hit(*, scope: str, key: str, window: timedelta, now: datetime | None = None) -> int:
    """Count one attempt and return the count in the current window (this one included)."""
    if window < timedelta(seconds=1):
        raise ValueError("window must be at least one second")
    start = _window_start(now or timezone.now(), window)
    table = RateCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, window_start, count) VALUES (%s, %s, %s, 1) "  # noqa: S608 - table name from the model
            "ON CONFLICT (scope, key, window_start) DO UPDATE SET count = "
            f"{table}.count + 1 RETURNING count",
            [scope, _key_hash(key), start],
        )
        row = cursor.fetchone()
    return int(row[0])


def release(*, scope: str, key: str, window: timedelta, now: datetime | None = None) -> None:
    """Take back one attempt ``hit`` counted in the same window (``now`` as it was given); a
    counter back at zero is deleted. For limits on failures: count the attempt first, so that
    attempts racing on other connections cannot all pass, and release it when it succeeds."""
    start = _window_start(now or timezone.now(), window)
    table = RateCounter._meta.db_table
    where = "scope = %s AND key = %s AND window_start = %s"
    params: list[str | datetime] = [scope, _key_hash(key), start]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET count = count - 1 WHERE {where} AND count > 0",  # noqa: S608 - table name from the model
            params,
        )
        cursor.execute(f"DELETE FROM {table} WHERE {where} AND count = 0", params)  # noqa: S608 - table name from the model


def allow(
    *, scope: str, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Count one attempt; True while the count in this window is within ``limit``."""
    return hit(scope=scope, key=key, window=window, now=now) <= limit


def prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = RateCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
