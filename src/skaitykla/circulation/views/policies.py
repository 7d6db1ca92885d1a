"""The loan-policy table and the closed-stack order cut-offs: staff read, add, change and
delete rules here; every change goes through the policy services (which bump the policy version,
so every process lends under the new rule from its next transaction) and is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skaitykla.circulation import settings_queries
from skaitykla.circulation.policy_forms import WEEKDAYS, LoanPolicyForm, StackOrderCutoffForm
from skaitykla.circulation.services.cutoffs import delete_order_cutoff, save_order_cutoff
from skaitykla.circulation.services.policies import delete_loan_policy, save_loan_policy
from skaitykla.circulation.views.answers import staff_user
from skaitykla.core.staff_access import staff_required

PERMISSION = "circulation.change_loanpolicy"
ADD_PERMISSION = "circulation.add_loanpolicy"
DELETE_PERMISSION = "circulation.delete_loanpolicy"
CUTOFF_PERMISSION = "circulation.change_stackordercutoff"
CUTOFF_ADD_PERMISSION = "circulation.add_stackordercutoff"

_FORM_PAGE = "circulation/staff/policy_form.html"
_CUTOFF_PAGE = "circulation/staff/cutoff_form.html"


@require_http_methods(["GET", "HEAD"])
@staff_required(PERMISSION)
def policy_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    weekday_names = dict(WEEKDAYS)
    return render(
        request,
        "circulation/staff/policies.html",
        {
            "policies": settings_queries.list_loan_policies(),
            "cutoffs": [
                (cutoff, weekday_names.get(cutoff.weekday, cutoff.weekday))
                for cutoff in settings_queries.list_order_cutoffs()
            ],
            "can_add": user.has_perm(ADD_PERMISSION),
            "can_delete": user.has_perm(DELETE_PERMISSION),
            "can_edit_cutoffs": user.has_perm(CUTOFF_PERMISSION),
            "can_add_cutoffs": user.has_perm(CUTOFF_ADD_PERMISSION),
        },
    )


def _save_policy(request: HttpRequest, form: LoanPolicyForm) -> HttpResponse | None:
    """Save through the service; None when the form (or the service's check) refused it."""
    if not form.is_valid():
        return None
    try:
        policy = save_loan_policy(policy=form.instance, staff=staff_user(request))
    except ValidationError as error:
        form.add_error(None, error)
        return None
    messages.success(request, _("The rule “%(name)s” is saved.") % {"name": policy.name})
    return redirect("circulation:policies")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(ADD_PERMISSION)
def policy_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = LoanPolicyForm(request.POST)
        done = _save_policy(request, form)
        if done is not None:
            return done
        return render(request, _FORM_PAGE, {"form": form, "policy": None}, status=400)
    return render(request, _FORM_PAGE, {"form": LoanPolicyForm(), "policy": None})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(PERMISSION)
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = settings_queries.get_loan_policy(policy_id=policy_id)
    if policy is None:
        raise Http404
    if request.method == "POST":
        form = LoanPolicyForm(request.POST, instance=policy)
        done = _save_policy(request, form)
        if done is not None:
            return done
        return render(request, _FORM_PAGE, {"form": form, "policy": policy}, status=400)
    return render(request, _FORM_PAGE, {"form": LoanPolicyForm(instance=policy), "policy": policy})


@require_POST
@staff_required(DELETE_PERMISSION)
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = settings_queries.get_loan_policy(policy_id=policy_id)
    if policy is None:
        raise Http404
    name = policy.name
    delete_loan_policy(policy=policy, staff=staff_user(request))
    messages.success(request, _("The rule “%(name)s” is deleted.") % {"name": name})
    return redirect("circulation:policies")


# --- Stack-order cut-offs ------------------------------------------------------------------------


def _save_cutoff(request: HttpRequest, form: StackOrderCutoffForm) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        save_order_cutoff(cutoff=form.instance, staff=staff_user(request))
    except ValidationError as error:
        form.add_error(None, error)
        return None
    messages.success(request, _("The order cut-off is saved."))
    return redirect("circulation:policies")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CUTOFF_ADD_PERMISSION)
def cutoff_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = StackOrderCutoffForm(request.POST)
        done = _save_cutoff(request, form)
        if done is not None:
            return done
        return render(request, _CUTOFF_PAGE, {"form": form, "cutoff": None}, status=400)
    return render(request, _CUTOFF_PAGE, {"form": StackOrderCutoffForm(), "cutoff": None})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CUTOFF_PERMISSION)
def cutoff_edit(request: HttpRequest, cutoff_id: int) -> HttpResponse:
    cutoff = settings_queries.get_order_cutoff(cutoff_id=cutoff_id)
    if cutoff is None:
        raise Http404
    if request.method == "POST":
        form = StackOrderCutoffForm(request.POST, instance=cutoff)
        done = _save_cutoff(request, form)
        if done is not None:
            return done
        return render(request, _CUTOFF_PAGE, {"form": form, "cutoff": cutoff}, status=400)
    form = StackOrderCutoffForm(instance=cutoff)
    return render(request, _CUTOFF_PAGE, {"form": form, "cutoff": cutoff})


@require_POST
@staff_required(CUTOFF_PERMISSION)
def cutoff_delete(request: HttpRequest, cutoff_id: int) -> HttpResponse:
    cutoff = settings_queries.get_order_cutoff(cutoff_id=cutoff_id)
    if cutoff is None:
        raise Http404
    delete_order_cutoff(cutoff=cutoff, staff=staff_user(request))
    messages.success(request, _("The order cut-off is deleted."))
    return redirect("circulation:policies")
