"""SIP2 server settings, read from Django settings with safe defaults.

``SIP2_REQUIRE_LOGIN_FOR_STATUS`` — answer ``99`` only after ``93`` (default False: Koha and
SIPServer answer it before login, and some clients need that).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ServerLimits:
    require_login_for_status: bool
    login_timeout: float
    idle_timeout: float
    max_connections: int
    max_line_bytes: int
    max_failed_logins: int
    worker_threads: int
    retry_window_minutes: int


def server_limits() -> ServerLimits:
    return ServerLimits(
        require_login_for_status=bool(getattr(settings, "SIP2_REQUIRE_LOGIN_FOR_STATUS", False)),
        login_timeout=float(getattr(settings, "SIP2_LOGIN_TIMEOUT", 30)),
        idle_timeout=float(getattr(settings, "SIP2_IDLE_TIMEOUT", 600)),
        max_connections=int(getattr(settings, "SIP2_MAX_CONNECTIONS", 200)),
        max_line_bytes=int(getattr(settings, "SIP2_MAX_LINE_BYTES", 65536)),
        max_failed_logins=int(getattr(settings, "SIP2_MAX_FAILED_LOGINS", 10)),
        worker_threads=int(getattr(settings, "SIP2_WORKER_THREADS", 16)),
        retry_window_minutes=int(getattr(settings, "SIP2_RETRY_WINDOW_MINUTES", 10)),
    )
