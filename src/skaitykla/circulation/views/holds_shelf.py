"""The hold shelf of the librarian's library: items ready for readers, the expiring ones first,
and the items on their way here for a hold."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from skaitykla.circulation import desk_queries
from skaitykla.circulation.selectors import library_today
from skaitykla.circulation.views.answers import desk_library
from skaitykla.core.staff_access import staff_required


@staff_required("circulation.view_hold")
def hold_shelf(request: HttpRequest) -> HttpResponse:
    library = desk_library(request)
    today = library_today(library)
    ready = list(desk_queries.hold_shelf(library=library))
    return render(
        request,
        "circulation/staff/hold_shelf.html",
        {
            "library": library,
            "today": today,
            "ready": ready,
            "expired": [
                hold for hold in ready if hold.shelf_expires_on and hold.shelf_expires_on < today
            ],
            "in_transit": list(desk_queries.holds_in_transit_to(library=library)),
        },
    )
