"""A reader's circulation, for staff: loans (renew), holds (cancel), closed-stack orders,
fees (take a payment, waive one) and the loan history when the reader keeps one.

Each list is one query, so the page costs the same number of queries for 1 loan or 1,000.
Every view of the page writes an audit row (who looked at whom, no values).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skaitykla.circulation import desk_queries, reader_queries
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.forms import OverrideForm, PaymentForm, WaiverForm
from skaitykla.circulation.models import Fee, Hold, Loan
from skaitykla.circulation.selectors import library_today
from skaitykla.circulation.services.fines import pay_fees, waive_fee
from skaitykla.circulation.services.holds import cancel_hold
from skaitykla.circulation.services.loans import renew_loan
from skaitykla.circulation.views.answers import (
    desk_library,
    may_override,
    staff_user,
)
from skaitykla.core.errors import DomainError
from skaitykla.core.staff_access import staff_required
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Reader
from skaitykla.patrons.selectors import active_blocks
from skaitykla.patrons.services import record_reader_view

VIEW_PERMISSION = "circulation.view_loan"
FEES_PERMISSION = "circulation.manage_fees"


def _reader(reader_id: int) -> Reader:
    reader = Reader.objects.select_related("category", "home_library").filter(pk=reader_id).first()
    if reader is None or reader.status == ReaderStatus.ANONYMISED:
        raise Http404
    return reader


@staff_required(VIEW_PERMISSION)
def reader_circulation(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    user = staff_user(request)
    record_reader_view(reader=reader, actor=user, what="circulation")
    library = desk_library(request)
    keeps_history = reader_queries.keeps_history(reader)
    return render(
        request,
        "circulation/staff/reader.html",
        {
            "reader": reader,
            "loans": list(reader_queries.list_open_loans(reader=reader)),
            "holds": list(reader_queries.list_active_holds(reader=reader)),
            "orders": list(desk_queries.reader_orders(reader=reader)),
            "fees": list(desk_queries.reader_fees(reader=reader)),
            "fee_summary": reader_queries.fee_summary(reader=reader),
            "blocks": active_blocks(reader=reader, day=library_today(library)),
            "history": list(reader_queries.list_history(reader=reader)) if keeps_history else None,
            "payment_form": PaymentForm(),
            "waiver_form": WaiverForm(),
            "can_renew": user.has_perm("circulation.change_loan"),
            "can_cancel_holds": user.has_perm("circulation.change_hold"),
            "can_manage_fees": user.has_perm(FEES_PERMISSION),
        },
    )


def _back(reader: Reader) -> HttpResponse:
    return redirect("circulation:staff_reader", reader_id=reader.pk)


@require_POST
@staff_required("circulation.change_loan")
def reader_renew(request: HttpRequest, reader_id: int, loan_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    loan = (
        Loan.objects.select_related("item__record")
        .filter(pk=loan_id, reader=reader, returned_at__isnull=True)
        .first()
    )
    if loan is None:
        raise Http404
    form = OverrideForm(request.POST)
    override = form.override_codes() if form.is_valid() else ()
    if not may_override(request, override):
        raise PermissionDenied
    try:
        renew_loan(
            loan=loan, staff=staff_user(request), channel=CircChannel.DESK, override=override
        )
    except DomainError as error:
        messages.error(request, f"{loan.item.record.title}: {error.message}")
    else:
        messages.success(request, _("%(title)s renewed.") % {"title": loan.item.record.title})
    return _back(reader)


@require_POST
@staff_required("circulation.change_hold")
def reader_hold_cancel(request: HttpRequest, reader_id: int, hold_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    hold = Hold.objects.filter(pk=hold_id, reader=reader).first()
    if hold is None:
        raise Http404
    try:
        cancel_hold(hold=hold, staff=staff_user(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The hold has been cancelled."))
    return _back(reader)


@require_POST
@staff_required(FEES_PERMISSION)
def reader_pay(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the amount paid, e.g. 1.50."))
        return _back(reader)
    try:
        pay_fees(
            reader=reader,
            amount=form.cleaned_data["amount"],
            staff=staff_user(request),
            library=desk_library(request),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The payment has been recorded."))
    return _back(reader)


@require_POST
@staff_required(FEES_PERMISSION)
def reader_waive(request: HttpRequest, reader_id: int, fee_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    fee = Fee.objects.filter(pk=fee_id, reader=reader).first()
    if fee is None:
        raise Http404
    form = WaiverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the waiver."))
        return _back(reader)
    try:
        waive_fee(fee=fee, staff=staff_user(request), reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The fee has been waived."))
    return _back(reader)
