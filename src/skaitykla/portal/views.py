"""Public pages: home, contacts, accessibility statement, the HTML sitemap and the reader's
account overview."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from skaitykla.circulation import reader_queries
from skaitykla.core.selectors import get_portal_library
from skaitykla.patrons import selectors as patrons_selectors
from skaitykla.patrons.models import Reader
from skaitykla.patrons.reader_session import reader_required
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


@never_cache
@require_safe
@reader_required
def account(request: HttpRequest) -> HttpResponse:
    """The reader's account: who they are, and what they have on loan, reserved, ordered and
    owe, their questions to a librarian and their event registrations (one query per list,
    whatever the number of loans)."""
    reader = request.reader  # type: ignore[attr-defined]
    assert isinstance(reader, Reader)
    now = timezone.now()
    return render(
        request,
        "portal/account.html",
        {
            "reader": reader,
            "now": now,
            "cards": patrons_selectors.list_cards(reader=reader),
            "consents": patrons_selectors.current_consents(reader=reader),
            "blocks": patrons_selectors.active_blocks(
                reader=reader, day=patrons_selectors.library_today(reader.home_library)
            ),
            "loans": list(reader_queries.list_open_loans(reader=reader)),
            "holds": list(reader_queries.list_active_holds(reader=reader)),
            "orders": list(reader_queries.list_active_orders(reader=reader)),
            "fees": reader_queries.fee_summary(reader=reader),
            "questions": selectors.list_reader_questions(reader_id=reader.pk),
            "registrations": selectors.list_reader_registrations(reader_id=reader.pk, now=now),
        },
    )
