"""Version 1 of the API: each app contributes its routes here (from its own ``api.py``)."""

from django.urls import path

from skaitykla.accounts import api as accounts_api
from skaitykla.core import api as core_api

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("libraries/", core_api.LibraryListView.as_view(), name="library-list"),
    path("libraries/<str:code>/", core_api.LibraryDetailView.as_view(), name="library-detail"),
    path(
        "libraries/<str:code>/calendar/",
        core_api.LibraryCalendarView.as_view(),
        name="library-calendar",
    ),
]
