"""Core's HTTP interfaces: the health check, the error pages, and the audit log browser."""

from __future__ import annotations

import logging
import sys

from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from skaitykla.core.choices import ActorKind
from skaitykla.core.forms import AuditFilterForm
from skaitykla.core.selectors import list_audit_entries
from skaitykla.core.services import record_audit
from skaitykla.core.staff_access import staff_required

AUDIT_PAGE_SIZE = 50


logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", "database": "ok"}``; 503 when the database is down.

    The driver's message (host, port, user) goes to the log, not to the anonymous caller.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check: database unavailable: %s", type(error).__name__)
        response = JsonResponse(
            {"status": "error", "database": "unavailable", "reason": type(error).__name__},
            status=503,
        )
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler; a database outage becomes a 503 page. Renders without database access."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        template, status = "errors/503_database.html", 503
    else:
        template, status = "errors/500.html", 500
    return HttpResponse(loader.get_template(template).render({}), status=status)


@staff_required("core.view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Browse the audit log with filters, 50 rows a page; the browsing is itself audited."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else {}
    record_audit(
        actor_kind=ActorKind.STAFF,
        actor_id=request.user.pk,
        action="audit_log.view",
        detail={key: str(value) for key, value in filters.items()},
    )
    page = None
    if not form.errors:
        page = Paginator(list_audit_entries(**filters), AUDIT_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(request, "core/audit_log.html", {"form": form, "page": page})
