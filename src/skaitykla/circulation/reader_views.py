"""The reader's own circulation pages (portal): loans with renewal, holds, closed-stack orders
to a reading room, fees and loan history.

Every page is for the signed-in reader only: another reader's loan, hold or order id is "not
found" (404) and nothing is read or changed. Every change is a POST with the CSRF token; a
refusal by the service comes back on the page as an error in the page language, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from skaitykla.catalogue.errors import RecordNotFoundError
from skaitykla.catalogue.models import Item
from skaitykla.catalogue.selectors import get_record
from skaitykla.circulation import reader_queries
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.models import Hold, Loan, StackOrder
from skaitykla.circulation.order_transitions import READER_CANCELLABLE
from skaitykla.circulation.reader_forms import (
    HoldForm,
    StackOrderForm,
    add_domain_error,
    order_days,
)
from skaitykla.circulation.services.holds import cancel_hold, place_hold
from skaitykla.circulation.services.loans import renew_loan
from skaitykla.circulation.services.orders import cancel_stack_order, place_stack_order
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.errors import DomainError, NotFoundError
from skaitykla.core.models import CalendarException, Library, OpeningHours, ReadingRoom
from skaitykla.core.selectors import list_libraries, list_reading_rooms
from skaitykla.core.timezones import library_zone
from skaitykla.patrons.models import Reader
from skaitykla.patrons.reader_session import reader_required

_Row = TypeVar("_Row", Loan, Hold, StackOrder)


def _me(request: HttpRequest) -> Reader:
    reader = request.reader  # type: ignore[attr-defined]
    assert isinstance(reader, Reader)
    return reader


def _today(library: Library) -> date:
    return timezone.localdate(timezone=library_zone(library))


def _day(value: date) -> str:
    return formats.date_format(value, "Y-m-d")


def _with_errors(rows: list[_Row], errors: dict[int, str] | None) -> list[_Row]:
    """Attach each row's refusal (if any) for the page to show next to it."""
    for row in rows:
        row.error = (errors or {}).get(row.pk, "")  # type: ignore[attr-defined]
    return rows


# --- Loans --------------------------------------------------------------------------------------


def _loans_page(
    request: HttpRequest, reader: Reader, *, errors: dict[int, str] | None = None
) -> HttpResponse:
    return render(
        request,
        "circulation/reader/loans.html",
        {
            "reader": reader,
            "loans": _with_errors(list(reader_queries.list_open_loans(reader=reader)), errors),
            "errors": errors or {},
            "now": timezone.now(),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@reader_required
def loans(request: HttpRequest) -> HttpResponse:
    return _loans_page(request, _me(request))


@never_cache
@require_POST
@reader_required
def renew(request: HttpRequest, loan_id: int) -> HttpResponse:
    reader = _me(request)
    try:
        loan = reader_queries.get_open_loan(reader=reader, loan_id=loan_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    try:
        renewed = renew_loan(loan=loan, reader=reader, channel=CircChannel.PORTAL)
    except DomainError as error:
        return _loans_page(request, reader, errors={loan.pk: str(error.message)})
    messages.success(
        request,
        _("Renewed “%(title)s”: now due on %(due)s.")
        % {
            "title": loan.item.record.title,
            "due": _day(timezone.localtime(renewed.due_at)),
        },
    )
    return redirect("circulation_reader:loans")


# --- Holds --------------------------------------------------------------------------------------


def _holds_page(
    request: HttpRequest, reader: Reader, *, errors: dict[int, str] | None = None
) -> HttpResponse:
    return render(
        request,
        "circulation/reader/holds.html",
        {
            "reader": reader,
            "holds": _with_errors(list(reader_queries.list_active_holds(reader=reader)), errors),
            "errors": errors or {},
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@reader_required
def holds(request: HttpRequest) -> HttpResponse:
    return _holds_page(request, _me(request))


@never_cache
@require_POST
@reader_required
def hold_cancel(request: HttpRequest, hold_id: int) -> HttpResponse:
    reader = _me(request)
    try:
        hold = reader_queries.get_active_hold(reader=reader, hold_id=hold_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    title = hold.record.title
    try:
        cancel_hold(hold=hold, reader=reader)
    except DomainError as error:
        return _holds_page(request, reader, errors={hold.pk: str(error.message)})
    messages.success(request, _("Your hold on “%(title)s” is cancelled.") % {"title": title})
    return redirect("circulation_reader:holds")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@reader_required
def hold_new(request: HttpRequest, record_id: int) -> HttpResponse:
    reader = _me(request)
    try:
        record = get_record(record_id)
    except RecordNotFoundError as error:
        raise Http404(str(error)) from error
    form = HoldForm(
        request.POST or None,
        record=record,
        libraries=list(list_libraries()),
        today=_today(reader.home_library),
        default_library=reader.home_library,
    )
    if request.method == "POST" and form.is_valid():
        try:
            place_hold(
                reader=reader,
                record=record,
                pickup_library=form.cleaned_data["pickup_library"],
                not_needed_after=form.cleaned_data["not_needed_after"],
                channel=CircChannel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("“%(title)s” is reserved for you.") % {"title": record.title}
            )
            return redirect("circulation_reader:holds")
    return render(request, "circulation/reader/hold_new.html", {"form": form, "record": record})


# --- Closed-stack orders ----------------------------------------------------------------------


def _orders_page(
    request: HttpRequest, reader: Reader, *, errors: dict[int, str] | None = None
) -> HttpResponse:
    return render(
        request,
        "circulation/reader/orders.html",
        {
            "reader": reader,
            "orders": _with_errors(list(reader_queries.list_active_orders(reader=reader)), errors),
            "recent": list(reader_queries.list_recent_closed_orders(reader=reader)),
            "cancellable": READER_CANCELLABLE,
            "errors": errors or {},
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@reader_required
def orders(request: HttpRequest) -> HttpResponse:
    return _orders_page(request, _me(request))


@never_cache
@require_POST
@reader_required
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    reader = _me(request)
    try:
        order = reader_queries.get_active_order(reader=reader, order_id=order_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    title = order.item.record.title
    try:
        cancel_stack_order(order=order, reader=reader)
    except DomainError as error:
        return _orders_page(request, reader, errors={order.pk: str(error.message)})
    messages.success(request, _("Your order of “%(title)s” is cancelled.") % {"title": title})
    return redirect("circulation_reader:orders")


def _room_calendars(library: Library, rooms: list[ReadingRoom]) -> dict[int, LibraryCalendar]:
    """Each room's calendar from two queries (the library's hours and exceptions, all rooms)."""
    hours = list(OpeningHours.objects.filter(library=library).order_by())
    exceptions = list(CalendarException.objects.filter(library=library).order_by())
    return {
        room.pk: LibraryCalendar(library, reading_room=room, hours=hours, exceptions=exceptions)
        for room in rooms
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@reader_required
def order_new(request: HttpRequest, item_id: int) -> HttpResponse:
    reader = _me(request)
    item = (
        Item.objects.select_related("record", "library", "reading_room").filter(pk=item_id).first()
    )
    if item is None:
        raise Http404(_("No such item."))
    rooms = list(list_reading_rooms(library=item.library))
    calendars = _room_calendars(item.library, rooms)
    today = _today(item.library)
    days = sorted({day for cal in calendars.values() for day in order_days(cal, today)})
    form = StackOrderForm(
        request.POST or None, item=item, rooms=rooms, days=days, room_calendars=calendars
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = place_stack_order(
                reader=reader,
                item=item,
                room=form.cleaned_data["room"],
                for_day=form.cleaned_data["for_day"],
                channel=CircChannel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("“%(title)s” is ordered to %(room)s for %(day)s.")
                % {
                    "title": item.record.title,
                    "room": form.fields["room"].label_from_instance(order.room),  # type: ignore[attr-defined]
                    "day": _day(order.for_day),
                },
            )
            return redirect("circulation_reader:orders")
    return render(
        request,
        "circulation/reader/order_new.html",
        {"form": form, "item": item, "record": item.record},
    )


# --- Fees and history ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD"])
@reader_required
def fines(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    return render(
        request,
        "circulation/reader/fines.html",
        {
            "reader": reader,
            "fees": list(reader_queries.list_outstanding_fees(reader=reader)),
            "settled": list(reader_queries.list_settled_fees(reader=reader)),
            "summary": reader_queries.fee_summary(reader=reader),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@reader_required
def history(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    keeps = reader_queries.keeps_history(reader)
    return render(
        request,
        "circulation/reader/history.html",
        {
            "reader": reader,
            "keeps_history": keeps,
            "loans": list(reader_queries.list_history(reader=reader)) if keeps else [],
        },
    )
