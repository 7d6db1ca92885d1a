"""Core's HTTP interfaces: the health check, the error pages, and the audit log browser."""

from __future__ import annotations

import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", "database": "ok"}``; 503 with a reason when the database is down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return JsonResponse(
            {"status": "error", "database": "unavailable", "reason": reason[:200]}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler; a database outage becomes a 503 page. Renders without database access."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        template, status = "errors/503_database.html", 503
    else:
        template, status = "errors/500.html", 500
    return HttpResponse(loader.get_template(template).render({}), status=status)
