"""Check-in and in-house use: scan items; each answer names what to do with the item.

Answers: returned (with the fine, if any); trapped for a hold (the slip: put it on the hold
shelf here, or send it to the pickup library); sent home (in transit); in-house use recorded
(the item was not on loan). With htmx the answer is swapped into the ``aria-live`` region and a
line is added to this session's log; without JavaScript the page is redirected.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _

from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.forms import CheckinForm, InHouseUseForm
from skaitykla.circulation.services.in_house import record_in_house_use
from skaitykla.circulation.services.loans import CheckinResult, checkin_item
from skaitykla.circulation.views.answers import (
    Answer,
    desk_library,
    keep_for_next_page,
    refusal,
    staff_user,
    take_kept,
)
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.core.staff_access import staff_required


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _money(value: Decimal) -> str:
    return f"{formats.number_format(value, 2)} €"


def _library_name(library: Library) -> str:
    return library.short_name or library.name


def describe_checkin(result: CheckinResult, *, barcode: str) -> Answer:
    """Turn the service's result into what the desk tells the librarian."""
    title = result.item.record.title
    lines: list[str] = []
    if result.in_house_use:
        kind, message = "in_house", _("%(title)s was not on loan: in-house use recorded.")
    elif result.loan is not None:
        kind, message = "returned", _("%(title)s returned.")
    else:
        kind, message = "checked_in", _("%(title)s checked in.")
    if result.fine:
        lines.append(_("Overdue fine: %(amount)s.") % {"amount": _money(result.fine)})
    hold, destination = result.hold, result.in_transit_to
    if hold is not None and destination is not None:
        kind = "transit_hold"
        lines.append(
            _("Reserved for another reader: send it to %(library)s (hold slip).")
            % {"library": _library_name(destination)}
        )
    elif hold is not None:
        kind = "hold_shelf"
        expires = hold.shelf_expires_on
        lines.append(
            _("Reserved: put it on the hold shelf until %(day)s (hold slip).")
            % {"day": formats.date_format(expires, "SHORT_DATE_FORMAT") if expires else "—"}
        )
    elif destination is not None and "in_transit" in result.messages:
        kind = "transit_onward"
        lines.append(
            _("In transit to %(library)s: send it on.") % {"library": _library_name(destination)}
        )
    elif destination is not None:
        kind = "transit_home"
        lines.append(
            _("Belongs to another library: send it home to %(library)s.")
            % {"library": _library_name(destination)}
        )
    return Answer(
        ok=True, kind=kind, message=message % {"title": title}, item_barcode=barcode, lines=lines
    )


def _respond(
    request: HttpRequest,
    *,
    partial: str,
    url: str,
    form: Any,
    answer: Answer,
    backdate: str = "",
) -> HttpResponse:
    if _is_htmx(request):
        return render(
            request,
            partial,
            {"form": form, "answer": answer, "log_entry": answer, "backdate": backdate},
        )
    keep_for_next_page(request, answer)
    return redirect(url)


@staff_required("circulation.change_loan")
def checkin(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(
            request,
            "circulation/staff/checkin.html",
            {"form": CheckinForm(), "answer": take_kept(request)},
        )
    form = CheckinForm(request.POST)
    backdate = ""
    if not form.is_valid():
        answer = Answer(ok=False, message=_("Scan or type the item barcode."), code="invalid")
    else:
        barcode = form.cleaned_data["item_barcode"].strip()
        if form.cleaned_data.get("backdate_to"):
            # A book-drop session: the date stays for the next scan.
            backdate = form.cleaned_data["backdate_to"].isoformat()
        try:
            result = checkin_item(
                item_barcode=barcode,
                library=desk_library(request),
                staff=staff_user(request),
                channel=CircChannel.DESK,
                backdate_to=form.cleaned_data.get("backdate_to"),
            )
        except DomainError as error:
            answer = refusal(request, error, item_barcode=barcode)
        else:
            answer = describe_checkin(result, barcode=barcode)
    return _respond(
        request,
        partial="circulation/staff/_checkin_swap.html",
        url=request.path,
        form=CheckinForm(),
        answer=answer,
        backdate=backdate,
    )


@staff_required("circulation.add_inhouseuse")
def in_house_use(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(
            request,
            "circulation/staff/in_house.html",
            {"form": InHouseUseForm(), "answer": take_kept(request)},
        )
    form = InHouseUseForm(request.POST)
    if not form.is_valid():
        answer = Answer(ok=False, message=_("Scan or type the item barcode."), code="invalid")
    else:
        barcode = form.cleaned_data["item_barcode"].strip()
        try:
            use = record_in_house_use(
                item_barcode=barcode,
                library=desk_library(request),
                staff=staff_user(request),
                channel=CircChannel.DESK,
            )
        except DomainError as error:
            answer = refusal(request, error, item_barcode=barcode)
        else:
            answer = Answer(
                ok=True,
                kind="in_house",
                message=_("In-house use of %(title)s recorded.") % {"title": use.item.record.title},
                item_barcode=barcode,
            )
    return _respond(
        request,
        partial="circulation/staff/_in_house_swap.html",
        url=request.path,
        form=InHouseUseForm(),
        answer=answer,
    )
