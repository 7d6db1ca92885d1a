"""Staff pages: login, logout and the dashboard."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from skaitykla.accounts.forms import StaffAuthenticationForm
from skaitykla.accounts.models import User
from skaitykla.accounts.selectors import list_role_names
from skaitykla.core.calendar import week_schedule
from skaitykla.core.staff_access import staff_required
from skaitykla.core.timezones import library_zone


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    library = user.home_library
    today = None
    if library is not None:
        local_today = timezone.localdate(timezone=library_zone(library))
        today = week_schedule(library, local_today, days=1)[0]
    return render(
        request,
        "accounts/dashboard.html",
        {"library": library, "today": today, "role_names": list_role_names(user)},
    )
