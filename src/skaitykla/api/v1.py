"""Version 1 of the API: each app contributes its routes here (from its own ``api.py``)."""

from django.urls import path

from skaitykla.accounts import api as accounts_api
from skaitykla.catalogue import api as catalogue_api
from skaitykla.circulation import api as circulation_api
from skaitykla.core import api as core_api
from skaitykla.events import api as events_api
from skaitykla.patrons import api as patrons_api
from skaitykla.reference import api as reference_api
from skaitykla.stats import api as stats_api

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

# --- Events (issue 8) ---
urlpatterns += [
    path("events/", events_api.EventListView.as_view(), name="event-list"),
    path("events/<int:event_id>/", events_api.EventDetailView.as_view(), name="event-detail"),
    path(
        "events/<int:event_id>/sessions/",
        events_api.SessionCreateView.as_view(),
        name="event-sessions",
    ),
    path(
        "events/<int:event_id>/registrations/",
        events_api.RegistrationListView.as_view(),
        name="event-registrations",
    ),
    path(
        "event-registrations/<int:registration_id>/",
        events_api.RegistrationDetailView.as_view(),
        name="event-registration",
    ),
    path(
        "event-registrations/<int:registration_id>/cancel/",
        events_api.RegistrationCancelView.as_view(),
        name="event-registration-cancel",
    ),
    path(
        "event-sessions/<int:session_id>/check-in/",
        events_api.CheckInView.as_view(),
        name="event-session-check-in",
    ),
]

# --- Statistics (issue 9) -----------------------------------------------------------------------
urlpatterns += [
    path("stats/measures/", stats_api.MeasuresView.as_view(), name="stats-measures"),
    path("stats/indicators/", stats_api.IndicatorsView.as_view(), name="stats-indicators"),
]

# --- Ask a Librarian, answer archive, desk log (issue 7) ---------------------------------------
urlpatterns += [
    path("reference/answers/", reference_api.ArchiveSearchView.as_view(), name="reference-answers"),
    path(
        "reference/answers/<int:entry_id>/",
        reference_api.ArchiveEntryView.as_view(),
        name="reference-answer",
    ),
    path("reference/questions/", reference_api.QueueView.as_view(), name="reference-queue"),
    path(
        "reference/questions/<int:question_id>/claim/",
        reference_api.ClaimView.as_view(),
        name="reference-claim",
    ),
    path(
        "reference/questions/<int:question_id>/answer/",
        reference_api.AnswerView.as_view(),
        name="reference-answer-question",
    ),
    path("reference/desk/", reference_api.DeskLogView.as_view(), name="reference-desk"),
]

# --- Circulation (issue 5) ----------------------------------------------------------------------
urlpatterns += [
    path("circulation/checkout", circulation_api.CheckoutView.as_view(), name="circ-checkout"),
    path("circulation/checkin", circulation_api.CheckinView.as_view(), name="circ-checkin"),
    path("circulation/renew", circulation_api.RenewView.as_view(), name="circ-renew"),
    path("circulation/holds", circulation_api.HoldsView.as_view(), name="circ-holds"),
    path(
        "circulation/holds/<int:hold_id>/cancel",
        circulation_api.HoldCancelView.as_view(),
        name="circ-hold-cancel",
    ),
    path("circulation/orders", circulation_api.OrdersView.as_view(), name="circ-orders"),
    path(
        "circulation/orders/<int:order_id>/<str:transition>",
        circulation_api.OrderTransitionView.as_view(),
        name="circ-order-transition",
    ),
]
