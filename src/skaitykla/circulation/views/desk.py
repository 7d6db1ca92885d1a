"""The circulation desk: scan a reader's card, then items; each scan answers in place.

With htmx each POST answers with the fresh scan form (its input autofocused, so the scanner
goes on typing there), the answer in the ``aria-live`` region and the reader's lists; without
JavaScript the same forms POST, the answer is kept in the session and the page is redirected.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skaitykla.circulation import desk_queries
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.errors import OverrideNotPermittedError, ReaderNotFoundError
from skaitykla.circulation.forms import CardScanForm, ItemScanForm, OverrideForm
from skaitykla.circulation.models import Loan
from skaitykla.circulation.selectors import library_today
from skaitykla.circulation.services.loans import checkout_item, renew_loan
from skaitykla.circulation.views.answers import (
    Answer,
    desk_library,
    keep_for_next_page,
    may_override,
    refusal,
    staff_user,
    take_kept,
)
from skaitykla.core.errors import DomainError
from skaitykla.core.staff_access import staff_required
from skaitykla.patrons import selectors as reader_selectors
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Reader
from skaitykla.patrons.services import record_reader_view

DESK_PERMISSION = "circulation.add_loan"
_CARD_KEY = "circulation_desk_card"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _reader(reader_id: int) -> Reader:
    reader = Reader.objects.select_related("category", "home_library").filter(pk=reader_id).first()
    if reader is None or reader.status == ReaderStatus.ANONYMISED:
        raise Http404
    return reader


def _scanned_card(request: HttpRequest, reader: Reader) -> str:
    """The card number scanned for this reader at this desk (kept in the session, never in a
    URL), so checkouts check that very card (lost, replaced)."""
    kept = request.session.get(_CARD_KEY) or {}
    return str(kept.get("card", "")) if kept.get("reader") == reader.pk else ""


def _context(request: HttpRequest, reader: Reader, answer: Answer | None) -> dict[str, object]:
    library = desk_library(request)
    return {
        "reader": reader,
        "answer": answer,
        "summary": desk_queries.desk_summary(
            reader=reader, day=library_today(library), library=library
        ),
        "library": library,
        "can_renew": staff_user(request).has_perm("circulation.change_loan"),
    }


@staff_required(DESK_PERMISSION)
def desk(request: HttpRequest) -> HttpResponse:
    """The desk with no reader yet: the card scan."""
    form = CardScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        card = reader_selectors.get_card(barcode=form.cleaned_data["card"])
        if card is None or card.reader.status == ReaderStatus.ANONYMISED:
            form.add_error("card", str(ReaderNotFoundError().message))
        else:
            reader = card.reader
            request.session[_CARD_KEY] = {"reader": reader.pk, "card": card.barcode}
            record_reader_view(reader=reader, actor=staff_user(request), what="circulation.desk")
            url = reverse("circulation:desk_reader", args=[reader.pk])
            if _is_htmx(request):
                response = render(
                    request,
                    "circulation/staff/_desk_panel.html",
                    _context(request, reader, None),
                )
                response["HX-Push-Url"] = url
                return response
            return redirect(url)
    template = (
        "circulation/staff/_desk_panel.html" if _is_htmx(request) else "circulation/staff/desk.html"
    )
    return render(request, template, {"card_form": form, "reader": None})


@staff_required(DESK_PERMISSION)
def desk_reader(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    if request.method == "GET" and not _scanned_card(request, reader):
        # Opened from the reader's page rather than by a scan: the view is still audited.
        record_reader_view(reader=reader, actor=staff_user(request), what="circulation.desk")
    return render(
        request, "circulation/staff/desk.html", _context(request, reader, take_kept(request))
    )


def _answer_response(request: HttpRequest, reader: Reader, answer: Answer) -> HttpResponse:
    if _is_htmx(request):
        return render(
            request, "circulation/staff/_desk_answer_swap.html", _context(request, reader, answer)
        )
    keep_for_next_page(request, answer)
    return redirect("circulation:desk_reader", reader_id=reader.pk)


def _due(loan: Loan) -> str:
    return str(formats.date_format(timezone.localtime(loan.due_at), "SHORT_DATETIME_FORMAT"))


@require_POST
@staff_required(DESK_PERMISSION)
def checkout(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(reader_id)
    form = ItemScanForm(request.POST)
    if not form.is_valid():
        answer = Answer(ok=False, message=_("Scan or type the item barcode."), code="invalid")
        return _answer_response(request, reader, answer)
    barcode = form.cleaned_data["item_barcode"].strip()
    override = form.override_codes()
    if not may_override(request, override):
        return _answer_response(
            request, reader, refusal(request, OverrideNotPermittedError(), item_barcode=barcode)
        )
    card = _scanned_card(request, reader)
    try:
        loan = checkout_item(
            item_barcode=barcode,
            reader=None if card else reader,
            card_barcode=card or None,
            library=desk_library(request),
            staff=staff_user(request),
            channel=CircChannel.DESK,
            override=override,
        )
    except DomainError as error:
        answer = refusal(request, error, item_barcode=barcode)
    else:
        title = loan.item.record.title
        answer = Answer(
            ok=True,
            kind="checkout",
            message=_("%(title)s: due %(due)s.") % {"title": title, "due": _due(loan)},
            item_barcode=loan.item.barcode,
            loan_id=loan.pk,
        )
    return _answer_response(request, reader, answer)


@require_POST
@staff_required("circulation.change_loan")
def renew(request: HttpRequest, reader_id: int, loan_id: int) -> HttpResponse:
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
        return _answer_response(
            request, reader, refusal(request, OverrideNotPermittedError(), loan_id=loan.pk)
        )
    try:
        renewed = renew_loan(
            loan=loan, staff=staff_user(request), channel=CircChannel.DESK, override=override
        )
    except DomainError as error:
        answer = refusal(request, error, loan_id=loan.pk, kind="renew")
        answer.message = f"{loan.item.record.title}: {answer.message}"
    else:
        answer = Answer(
            ok=True,
            kind="renew",
            message=_("%(title)s renewed: due %(due)s.")
            % {"title": loan.item.record.title, "due": _due(renewed)},
            loan_id=renewed.pk,
        )
    return _answer_response(request, reader, answer)
