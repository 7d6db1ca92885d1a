"""The stack attendant's pick list (orders to fetch, in walking order), the reading-room desk
(orders on the shelf, in use, kept), the buttons that move an order on, and the PDFs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skaitykla.circulation import desk_queries, documents, order_selectors
from skaitykla.circulation.order_actions import ORDER_ACTIONS
from skaitykla.circulation.order_errors import OrderNotFoundError
from skaitykla.circulation.selectors import library_today
from skaitykla.circulation.services import orders as order_services
from skaitykla.circulation.views.answers import desk_library, staff_user
from skaitykla.core.errors import DomainError
from skaitykla.core.staff_access import staff_required

PERMISSION = "circulation.handle_stack_orders"

#: The buttons each row offers, by the order's place in its life.
BUTTONS: dict[str, tuple[tuple[str, Any], ...]] = {
    "fetch_buttons": (
        ("fetch", gettext_lazy("Start fetching")),
        ("shelve", gettext_lazy("Put on the room shelf")),
        ("cancel", gettext_lazy("Cancel the order")),
    ),
    "shelve_buttons": (
        ("shelve", gettext_lazy("Put on the room shelf")),
        ("cancel", gettext_lazy("Cancel the order")),
    ),
    "shelf_buttons": (
        ("hand_out", gettext_lazy("Hand out")),
        ("return", gettext_lazy("Return to the stacks")),
        ("cancel", gettext_lazy("Cancel the order")),
    ),
    "in_use_buttons": (
        ("keep", gettext_lazy("Keep for the next visit")),
        ("return", gettext_lazy("Return to the stacks")),
    ),
}


def _language() -> str:
    return "en" if (get_language() or "lt").startswith("en") else "lt"


@staff_required(PERMISSION)
def pick_list(request: HttpRequest) -> HttpResponse:
    library = desk_library(request)
    today = library_today(library)
    return render(
        request,
        "circulation/staff/pick_list.html",
        {
            "library": library,
            "today": today,
            "to_fetch": list(order_selectors.list_pick_list(library=library, day=today)),
            "at_desk": list(desk_queries.room_desk_orders(library=library)),
            **BUTTONS,
        },
    )


@require_POST
@staff_required(PERMISSION)
def order_transition(request: HttpRequest, order_id: int, transition: str) -> HttpResponse:
    if transition not in ORDER_ACTIONS:
        raise Http404
    try:
        order = order_selectors.get_order(order_id=order_id)
    except OrderNotFoundError:
        raise Http404 from None
    if order.room.library_id != desk_library(request).pk:
        raise Http404
    service, done = ORDER_ACTIONS[transition]
    try:
        service(order=order, staff=staff_user(request))
    except DomainError as error:
        messages.error(request, f"{order.item.barcode}: {error.message}")
    else:
        messages.success(request, f"{order.item.barcode}: {done}")
    return redirect("circulation:pick_list")


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required(PERMISSION)
def pick_list_pdf(request: HttpRequest) -> HttpResponse:
    library = desk_library(request)
    today = library_today(library)
    orders = list(order_selectors.list_pick_list(library=library, day=today))
    content = documents.pick_list_pdf(
        orders, library_name=library.name, day=today, language=_language()
    )
    return _pdf(content, f"pick-list-{today.isoformat()}.pdf")


@require_POST
@staff_required(PERMISSION)
def slips_pdf(request: HttpRequest) -> HttpResponse:
    """Slips for every order still to fetch; marks them printed."""
    library = desk_library(request)
    orders = list(order_selectors.list_pick_list(library=library, day=library_today(library)))
    if not orders:
        messages.info(request, _("There are no orders to fetch."))
        return redirect("circulation:pick_list")
    content = documents.order_slips_pdf(orders, language=_language())
    order_services.mark_slips_printed(orders=orders)
    return _pdf(content, "order-slips.pdf")
