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

# --- Catalogue (issue 4) ------------------------------------------------------------------------
from skaitykla.catalogue import api as catalogue_api  # noqa: E402

urlpatterns += [
    path("catalogue/search", catalogue_api.SearchView.as_view(), name="catalogue-search"),
    path(
        "catalogue/records/<int:pk>/",
        catalogue_api.RecordDetailView.as_view(),
        name="catalogue-record",
    ),
    path(
        "catalogue/records/<int:pk>/<str:fmt>",
        catalogue_api.RecordExportView.as_view(),
        name="catalogue-record-export",
    ),
    path("catalogue/items/", catalogue_api.ItemCreateView.as_view(), name="catalogue-item-create"),
    path(
        "catalogue/items/<str:barcode>/",
        catalogue_api.ItemDetailView.as_view(),
        name="catalogue-item",
    ),
]

# --- Readers (patrons) ---
from skaitykla.patrons import api as patrons_api  # noqa: E402

urlpatterns += [
    path("readers/", patrons_api.ReaderListView.as_view(), name="reader-list"),
    path("readers/me/", patrons_api.ReaderMeView.as_view(), name="reader-me"),
    path("readers/<int:reader_id>/", patrons_api.ReaderDetailView.as_view(), name="reader-detail"),
    path(
        "readers/<int:reader_id>/cards/",
        patrons_api.ReaderCardsView.as_view(),
        name="reader-cards",
    ),
    path(
        "readers/<int:reader_id>/blocks/",
        patrons_api.ReaderBlocksView.as_view(),
        name="reader-blocks",
    ),
    path(
        "readers/<int:reader_id>/room-permissions/",
        patrons_api.ReaderRoomPermissionsView.as_view(),
        name="reader-room-permissions",
    ),
    path(
        "readers/<int:reader_id>/visits/",
        patrons_api.ReaderVisitsView.as_view(),
        name="reader-visits",
    ),
    path("visits/", patrons_api.EntryScanView.as_view(), name="visit-scan"),
]
