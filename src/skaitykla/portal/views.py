"""Public pages: home, contacts, accessibility statement and the HTML sitemap."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from skaitykla.core.selectors import get_portal_library
from skaitykla.portal import selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    library = get_portal_library()
    context: dict[str, object] = {"portal_library": library, "days": [], "reading_rooms": []}
    if library is not None:
        today, days = selectors.this_week(library)
        context.update(
            today=today,
            days=days,
            reading_rooms=selectors.list_public_reading_rooms(library),
        )
    return render(request, "portal/home.html", context)


@require_safe
def contacts(request: HttpRequest) -> HttpResponse:
    library = get_portal_library()
    context: dict[str, object] = {
        "portal_library": library,
        "service_points": [],
        "reading_rooms": [],
    }
    if library is not None:
        context.update(
            service_points=selectors.list_public_service_points(library),
            reading_rooms=selectors.list_public_reading_rooms(library),
        )
    return render(request, "portal/contacts.html", context)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/sitemap.html")
