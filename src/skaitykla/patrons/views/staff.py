"""Staff desk screens for readers: find, register, edit, verify, cards, blocks, rooms, erasure.

Every page that shows a reader's record writes an audit row (``record_reader_view``).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from skaitykla.accounts.models import User
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.core.selectors import get_portal_library
from skaitykla.core.staff_access import staff_required
from skaitykla.patrons import forms, selectors, services
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.errors import ReaderNotFoundError
from skaitykla.patrons.models import Block, Reader, ReaderCategory


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _desk_library(request: HttpRequest, reader: Reader | None = None) -> Library:
    user = _staff(request)
    if user.home_library is not None:
        return user.home_library
    if reader is not None:
        return reader.home_library
    library = get_portal_library()
    if library is None:
        raise PermissionDenied
    return library


def _reader(request: HttpRequest, reader_id: int, what: str) -> Reader:
    try:
        reader = selectors.get_reader(reader_id=reader_id)
    except ReaderNotFoundError:
        raise Http404 from None
    if reader.status == ReaderStatus.ANONYMISED:
        raise Http404
    services.record_reader_view(reader=reader, actor=_staff(request), what=what)
    return reader


@staff_required("patrons.view_reader")
def reader_search(request: HttpRequest) -> HttpResponse:
    form = forms.ReaderSearchForm(request.GET or None)
    results: list[dict[str, object]] | None = None
    if form.is_valid() and form.cleaned_data["q"]:
        # Rows, the detail link and the status label prepared here: one reverse() and no
        # model instances per row keep the page within the search's time budget.
        detail_url = reverse("patrons:staff_reader", args=[0]).removesuffix("0/")
        statuses = dict(ReaderStatus.choices)
        results = [
            {
                "url": f"{detail_url}{row.pk}/",
                "name": f"{row.last_name}, {row.first_name}",
                "birth_date": row.birth_date.isoformat() if row.birth_date else "—",
                "category": row.category_name,
                "status": statuses.get(row.status, row.status),
            }
            for row in selectors.search_reader_rows(query=form.cleaned_data["q"])
        ]
    template = "patrons/staff/search.html"
    if request.htmx:  # type: ignore[attr-defined]
        template = "patrons/staff/_results.html"
    return render(request, template, {"form": form, "results": results})


@staff_required("patrons.view_reader")
def pending_list(request: HttpRequest) -> HttpResponse:
    pending = selectors.list_pending_registrations()[:200]
    erasures = selectors.list_erasure_requests()[:200]
    return render(request, "patrons/staff/pending.html", {"pending": pending, "erasures": erasures})


@staff_required("patrons.view_reader")
def reader_detail(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "record")
    today = selectors.library_today(reader.home_library)
    return render(
        request,
        "patrons/staff/detail.html",
        {
            "reader": reader,
            "age": reader.age_on(today),
            "cards": selectors.list_cards(reader=reader),
            "blocks": selectors.list_blocks(reader=reader),
            "consents": selectors.list_consents(reader=reader),
            "permissions": selectors.list_room_permissions(reader=reader),
            "visits": selectors.list_visits(reader=reader)[:10],
            "verifications": selectors.list_verifications(reader=reader),
            "wards": selectors.list_wards(reader=reader),
            "block_form": forms.BlockForm(),
            "card_form": forms.CardForm(),
            "verify_form": forms.VerifyForm(),
            "permission_form": forms.RoomPermissionForm(),
            "pin_form": forms.PinSetForm(),
            "today": today,
        },
    )


@sensitive_post_parameters("pin")
@staff_required("patrons.add_reader")
def reader_create(request: HttpRequest) -> HttpResponse:
    form = forms.ReaderCreateForm(
        request.POST or None, initial={"category": selectors.default_category()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reader = services.register_reader(
                actor=_staff(request),
                data=form.reader_data(),
                category=data["category"],
                library=_desk_library(request),
                document_type=data["document_type"],
                card_barcode=data["card_barcode"],
                pin=data["pin"],
                guardian_card=data["guardian_card"],
                guardian_consent=data["guardian_consent"],
                marketing_email=data["marketing_email"],
                loan_history=data["loan_history"],
                channel=data["registration_channel"],
            )
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            messages.success(request, _("The reader has been registered."))
            return redirect("patrons:staff_reader", reader_id=reader.pk)
    return render(request, "patrons/staff/create.html", {"form": form})


@staff_required("patrons.change_reader")
def reader_edit(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "edit")
    form = forms.ReaderEditForm(
        request.POST or None,
        initial={name: getattr(reader, name) for name in services.STAFF_EDITABLE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_reader(reader=reader, actor=_staff(request), **form.cleaned_data)
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("patrons:staff_reader", reader_id=reader.pk)
    return render(request, "patrons/staff/edit.html", {"form": form, "reader": reader})


def _action_result(
    request: HttpRequest, reader: Reader, form: forms.forms.Form, title: str
) -> HttpResponse:
    return render(
        request, "patrons/staff/action.html", {"form": form, "reader": reader, "title": title}
    )


@require_POST
@staff_required("patrons.verify_reader")
def reader_verify(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "verify")
    form = forms.VerifyForm(request.POST)
    if form.is_valid():
        try:
            card = services.verify_reader(
                reader=reader,
                actor=_staff(request),
                library=_desk_library(request, reader),
                document_type=form.cleaned_data["document_type"],
                card_barcode=form.cleaned_data["card_barcode"],
            )
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Identity verified. Card %(card)s is active.") % {"card": card.barcode},
            )
            return redirect("patrons:staff_reader", reader_id=reader.pk)
    return _action_result(request, reader, form, _("Verify identity"))


@require_POST
@staff_required("patrons.add_card")
def reader_card(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "card")
    form = forms.CardForm(request.POST)
    if form.is_valid():
        try:
            card = services.hand_out_card(
                reader=reader,
                actor=_staff(request),
                library=_desk_library(request, reader),
                barcode=form.cleaned_data["card_barcode"],
                lost=form.cleaned_data["lost"],
            )
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            messages.success(request, _("Card %(card)s is active.") % {"card": card.barcode})
            return redirect("patrons:staff_reader", reader_id=reader.pk)
    return _action_result(request, reader, form, _("Issue or replace card"))


@require_POST
@staff_required("patrons.change_card")
def card_renew(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "card")
    card = selectors.get_active_card(reader=reader)
    if card is None:
        messages.error(request, _("The reader has no active card to renew."))
    else:
        services.renew_card(
            card=card, actor=_staff(request), library=_desk_library(request, reader)
        )
        messages.success(request, _("The card has been renewed."))
    return redirect("patrons:staff_reader", reader_id=reader.pk)


@require_POST
@sensitive_post_parameters("pin")
@staff_required("patrons.change_reader")
def reader_pin(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "pin")
    form = forms.PinSetForm(request.POST)
    if form.is_valid():
        try:
            services.set_pin(reader=reader, actor=_staff(request), pin=form.cleaned_data["pin"])
        except DomainError as error:
            form.add_error("pin", str(error.message))
        else:
            messages.success(request, _("The new PIN has been set."))
            return redirect("patrons:staff_reader", reader_id=reader.pk)
    return _action_result(request, reader, form, _("Set a new PIN"))


@require_POST
@staff_required("patrons.block_reader")
def reader_block(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "block")
    form = forms.BlockForm(request.POST)
    if form.is_valid():
        try:
            services.place_block(reader=reader, actor=_staff(request), **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The block has been placed."))
            return redirect("patrons:staff_reader", reader_id=reader.pk)
    return _action_result(request, reader, form, _("Block"))


@require_POST
@staff_required("patrons.block_reader")
def block_lift(request: HttpRequest, reader_id: int, block_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "block")
    block = get_object_or_404(Block, pk=block_id, reader=reader)
    try:
        services.lift_block(block=block, actor=_staff(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The block has been lifted."))
    return redirect("patrons:staff_reader", reader_id=reader.pk)


@require_POST
@staff_required("patrons.add_roompermission")
def reader_room_permission(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "room_permission")
    form = forms.RoomPermissionForm(request.POST)
    if form.is_valid():
        services.set_room_permission(
            reader=reader,
            room=form.cleaned_data["room"],
            actor=_staff(request),
            allowed=form.cleaned_data["allowed"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("The room permission has been saved."))
        return redirect("patrons:staff_reader", reader_id=reader.pk)
    return _action_result(request, reader, form, _("Room permission"))


@require_POST
@staff_required("patrons.erase_reader")
def reader_erase(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "erase")
    try:
        services.erase_reader(reader=reader, actor=_staff(request))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("patrons:staff_reader", reader_id=reader.pk)
    messages.success(request, _("The reader's data has been erased."))
    return redirect("patrons:staff_search")


@staff_required("patrons.view_reader")
def reader_export(request: HttpRequest, reader_id: int) -> HttpResponse:
    reader = _reader(request, reader_id, "export")
    services.record_data_export(reader=reader, actor=_staff(request), fmt="json")
    body = json.dumps(selectors.export_reader_data(reader=reader), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reader-{reader.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required("patrons.scan_room_entry")
def room_entry(request: HttpRequest) -> HttpResponse:
    form = forms.EntryScanForm(request.POST or None)
    result = None
    message = ""
    ok = False
    if request.method == "POST" and form.is_valid():
        room = form.cleaned_data["room"]
        card = selectors.get_card(barcode=form.cleaned_data["card"])
        if card is None:
            message = str(services.DENIAL_MESSAGES["unknown_card"])
        elif form.cleaned_data["direction"] == "out":
            visit = services.record_room_exit(room=room, reader=card.reader, actor=_staff(request))
            ok = visit is not None
            message = _("Exit recorded.") if visit else _("The reader was not inside.")
        else:
            result = services.scan_room_entry(
                room=room, reader=card.reader, actor=_staff(request), card=card
            )
            if result.denial_code:
                message = str(services.DENIAL_MESSAGES.get(result.denial_code, result.denial_code))
            else:
                ok = True
                message = _("Entry allowed.")
        form = forms.EntryScanForm(initial={"room": room, "direction": "in"})
    return render(
        request,
        "patrons/staff/room_entry.html",
        {"form": form, "result": result, "message": message, "ok": ok},
    )


@staff_required("patrons.view_readercategory")
def reader_settings(request: HttpRequest) -> HttpResponse:
    """Reader categories (with their defaults) and the reader policy."""
    can_edit = _staff(request).has_perm("patrons.change_readerpolicy")
    form = forms.PolicyForm(
        request.POST if request.method == "POST" and can_edit else None,
        instance=selectors.get_policy(),
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.update_policy(actor=_staff(request), **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The changes have been saved."))
                return redirect("patrons:staff_settings")
    return render(
        request,
        "patrons/staff/settings.html",
        {
            "categories": selectors.list_categories(active_only=False),
            "form": form,
            "can_edit": can_edit,
        },
    )


@staff_required("patrons.change_readercategory")
def category_edit(request: HttpRequest, category_id: int | None = None) -> HttpResponse:
    category = (
        get_object_or_404(ReaderCategory, pk=category_id) if category_id is not None else None
    )
    form = forms.CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(actor=_staff(request), category=category, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("patrons:staff_settings")
    return render(request, "patrons/staff/category.html", {"form": form, "category": category})
