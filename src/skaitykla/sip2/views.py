"""Staff pages for the self-check kiosks: their SIP2 accounts (settings, password, deactivation)
and the reconciliation list of what kiosks did offline (no-block transactions).

Every change goes through ``services.save_kiosk_account`` / ``mark_no_block_reviewed`` (audited,
no secrets in the audit rows). A password is hashed by the service; a typed one is never shown
again and a generated one is shown once, on the answer to the POST that made it, never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from skaitykla.core.errors import DomainError
from skaitykla.core.staff_access import staff_required
from skaitykla.sip2 import kiosk_queries
from skaitykla.sip2.kiosk_forms import PASSWORD_FIELDS, KioskAccountForm, KioskPasswordForm
from skaitykla.sip2.models import KioskAccount
from skaitykla.sip2.services import (
    create_kiosk_account,
    mark_no_block_reviewed,
    save_kiosk_account,
)

PERMISSION = "sip2.manage_kiosks"


def _kiosk(kiosk_id: int) -> KioskAccount:
    kiosk = kiosk_queries.get_kiosk_by_id(kiosk_id=kiosk_id)
    if kiosk is None:
        raise Http404
    return kiosk


def _shown_once(request: HttpRequest, kiosk: KioskAccount, password: str) -> HttpResponse:
    """The generated password, on this one answer only (not stored, not cached)."""
    response = render(
        request, "sip2/staff/kiosk_password_shown.html", {"kiosk": kiosk, "password": password}
    )
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD"])
@staff_required(PERMISSION)
def kiosk_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sip2/staff/kiosks.html", {"kiosks": list(kiosk_queries.list_kiosks())})


@sensitive_post_parameters(*PASSWORD_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(PERMISSION)
def kiosk_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = KioskAccountForm()
        return render(request, "sip2/staff/kiosk_form.html", {"form": form, "kiosk": None})
    form = KioskAccountForm(request.POST)
    if form.is_valid():
        assert form.password_form is not None
        password, generated = form.password_form.chosen_password()
        try:
            kiosk = create_kiosk_account(
                username=form.cleaned_data["username"],
                library=form.cleaned_data["library"],
                password=password,
                actor_id=request.user.pk,
                **form.settings(),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            if generated:
                return _shown_once(request, kiosk, password)
            messages.success(
                request, _("The kiosk account %(name)s is saved.") % {"name": kiosk.username}
            )
            return redirect("sip2:kiosks")
    return render(request, "sip2/staff/kiosk_form.html", {"form": form, "kiosk": None}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(PERMISSION)
def kiosk_edit(request: HttpRequest, kiosk_id: int) -> HttpResponse:
    kiosk = _kiosk(kiosk_id)
    if request.method != "POST":
        form = KioskAccountForm(instance=kiosk)
        return render(request, "sip2/staff/kiosk_form.html", {"form": form, "kiosk": kiosk})
    username = kiosk.username
    form = KioskAccountForm(request.POST, instance=kiosk)
    if form.is_valid():
        try:
            save_kiosk_account(
                username=username,
                library=form.cleaned_data["library"],
                actor_id=request.user.pk,
                **form.settings(),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(
                request, _("The kiosk account %(name)s is saved.") % {"name": username}
            )
            return redirect("sip2:kiosks")
    return render(request, "sip2/staff/kiosk_form.html", {"form": form, "kiosk": kiosk}, status=400)


@sensitive_post_parameters(*PASSWORD_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(PERMISSION)
def kiosk_password(request: HttpRequest, kiosk_id: int) -> HttpResponse:
    kiosk = _kiosk(kiosk_id)
    if request.method != "POST":
        context = {"form": KioskPasswordForm(), "kiosk": kiosk}
        return render(request, "sip2/staff/kiosk_password.html", context)
    form = KioskPasswordForm(request.POST)
    if form.is_valid():
        password, generated = form.chosen_password()
        save_kiosk_account(
            username=kiosk.username,
            library=kiosk.library,
            password=password,
            actor_id=request.user.pk,
        )
        if generated:
            return _shown_once(request, kiosk, password)
        messages.success(
            request,
            _("The password of the kiosk account %(name)s is changed.") % {"name": kiosk.username},
        )
        return redirect("sip2:kiosks")
    context = {"form": form, "kiosk": kiosk}
    return render(request, "sip2/staff/kiosk_password.html", context, status=400)


@require_POST
@staff_required(PERMISSION)
def kiosk_deactivate(request: HttpRequest, kiosk_id: int) -> HttpResponse:
    kiosk = _kiosk(kiosk_id)
    save_kiosk_account(
        username=kiosk.username, library=kiosk.library, actor_id=request.user.pk, is_active=False
    )
    messages.success(
        request,
        _("The kiosk account %(name)s is deactivated: it can no longer log in.")
        % {"name": kiosk.username},
    )
    return redirect("sip2:kiosks")


@require_http_methods(["GET", "HEAD"])
@staff_required(PERMISSION)
def no_block_list(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("show") != "all"
    return render(
        request,
        "sip2/staff/no_block.html",
        {"entries": list(kiosk_queries.list_no_block(open_only=open_only)), "open_only": open_only},
    )


@require_POST
@staff_required(PERMISSION)
def no_block_reviewed(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = kiosk_queries.get_no_block(entry_id=entry_id)
    if entry is None:
        raise Http404
    mark_no_block_reviewed(entry=entry, actor_id=request.user.pk)
    messages.success(request, _("The transaction is marked as reviewed."))
    return redirect("sip2:no_block")
