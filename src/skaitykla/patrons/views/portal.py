"""Public pages of the patrons app: online pre-registration and the reader's own account.

(They live here until the portal app composes the reader's account from several domains.)
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from skaitykla.core.client_ip import client_ip
from skaitykla.core.errors import DomainError
from skaitykla.core.selectors import get_portal_library
from skaitykla.patrons import forms, selectors, services
from skaitykla.patrons.choices import ConsentKind
from skaitykla.patrons.errors import LoginThrottledError
from skaitykla.patrons.models import Reader
from skaitykla.patrons.reader_session import (
    current_reader,
    login_reader,
    logout_reader,
    reader_required,
    refresh_reader_session,
)


def _me(request: HttpRequest) -> Reader:
    reader = request.reader  # type: ignore[attr-defined]
    assert isinstance(reader, Reader)
    return reader


@never_cache
@sensitive_post_parameters("pin", "pin_again")
def preregister(request: HttpRequest) -> HttpResponse:
    library = get_portal_library()
    form = forms.PreRegistrationForm(request.POST or None)
    policy = selectors.get_policy()
    if request.method == "POST" and form.is_valid() and library is not None:
        data = form.cleaned_data
        try:
            services.preregister_reader(
                data=form.reader_data(),
                library=library,
                pin=data["pin"],
                guardian_card=data["guardian_card"],
                guardian_consent=data["guardian_consent"],
                privacy_policy_accepted=data["privacy_policy"],
                marketing_email=data["marketing_email"],
                loan_history=data["loan_history"],
            )
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            return redirect("patrons:preregister_done")
    return render(
        request,
        "patrons/portal/preregister.html",
        {"form": form, "policy": policy, "library": library},
    )


def preregister_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "patrons/portal/preregister_done.html",
        {"policy": selectors.get_policy(), "library": get_portal_library()},
    )


@never_cache
@sensitive_post_parameters("pin", "card_number")
def reader_login(request: HttpRequest) -> HttpResponse:
    if current_reader(request) is not None:
        return redirect("portal:account")
    form = forms.ReaderLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            reader = services.authenticate_reader(
                card_number=form.cleaned_data["card_number"],
                pin=form.cleaned_data["pin"],
                ip_address=client_ip(request),
            )
        except LoginThrottledError as error:
            form.add_error(None, str(error.message))
            status = 429
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            login_reader(request, reader)
            next_url = request.POST.get("next", "")
            if next_url.startswith("/reader/") and not next_url.startswith("//"):
                return redirect(next_url)
            return redirect("portal:account")
    return render(
        request,
        "patrons/portal/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


@require_POST
def reader_logout(request: HttpRequest) -> HttpResponse:
    logout_reader(request)
    messages.success(request, _("You have logged out."))
    return redirect("patrons:reader_login")


@never_cache
@reader_required
def contact_edit(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    form = forms.ContactForm(
        request.POST or None,
        initial={name: getattr(reader, name) for name in services.READER_EDITABLE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_reader(reader=reader, actor=reader, **form.cleaned_data)
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            messages.success(request, _("Your contact details have been saved."))
            return redirect("portal:account")
    return render(request, "patrons/portal/contact.html", {"form": form, "reader": reader})


@never_cache
@sensitive_post_parameters("current_pin", "new_pin", "new_pin_again")
@reader_required
def change_pin(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    form = forms.ChangePinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_pin(
                reader=reader,
                current_pin=form.cleaned_data["current_pin"],
                new_pin=form.cleaned_data["new_pin"],
            )
        except DomainError as error:
            field = "current_pin" if error.code == "pin_wrong" else "new_pin"
            form.add_error(field, str(error.message))
        else:
            reader.refresh_from_db()
            refresh_reader_session(request, reader)
            messages.success(request, _("Your PIN has been changed."))
            return redirect("portal:account")
    return render(request, "patrons/portal/change_pin.html", {"form": form})


@never_cache
@reader_required
def privacy_choices(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    consents = selectors.current_consents(reader=reader)
    form = forms.PrivacyChoicesForm(
        request.POST or None,
        initial={
            "marketing_email": consents.filter(kind=ConsentKind.MARKETING_EMAIL).exists(),
            "loan_history": reader.loan_history,
            "loan_history_days": reader.loan_history_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.save_privacy_choices(reader=reader, actor=reader, **form.cleaned_data)
        messages.success(request, _("Your privacy choices have been saved."))
        return redirect("portal:account")
    return render(
        request,
        "patrons/portal/privacy.html",
        {
            "form": form,
            "history": selectors.list_consents(reader=reader),
            "policy": selectors.get_policy(),
        },
    )


@never_cache
@reader_required
def my_data(request: HttpRequest) -> HttpResponse:
    """All the reader's data as a readable (printable) page."""
    reader = _me(request)
    services.record_data_export(reader=reader, actor=reader, fmt="html")
    export = selectors.export_reader_data(reader=reader)
    return render(request, "patrons/portal/my_data.html", {"export": export, "reader": reader})


@never_cache
@reader_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    services.record_data_export(reader=reader, actor=reader, fmt="json")
    body = json.dumps(selectors.export_reader_data(reader=reader), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mano-duomenys.json"'
    return response


@never_cache
@reader_required
def erasure(request: HttpRequest) -> HttpResponse:
    reader = _me(request)
    if request.method == "POST":
        services.request_erasure(reader=reader)
        messages.success(
            request,
            _(
                "Your request has been received. The library will erase your data or tell you "
                "what is still open."
            ),
        )
        return redirect("portal:account")
    return render(request, "patrons/portal/erasure.html", {"reader": reader})
