"""Staff pages for the self-check kiosks (included from the project's urls)."""

from django.urls import URLPattern, URLResolver, path

from skaitykla.sip2 import views

app_name = "sip2"
urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/kiosks/", views.kiosk_list, name="kiosks"),
    path("staff/kiosks/new/", views.kiosk_new, name="kiosk_new"),
    path("staff/kiosks/<int:kiosk_id>/", views.kiosk_edit, name="kiosk_edit"),
    path("staff/kiosks/<int:kiosk_id>/password/", views.kiosk_password, name="kiosk_password"),
    path(
        "staff/kiosks/<int:kiosk_id>/deactivate/", views.kiosk_deactivate, name="kiosk_deactivate"
    ),
    path("staff/kiosks/offline/", views.no_block_list, name="no_block"),
    path(
        "staff/kiosks/offline/<int:entry_id>/reviewed/",
        views.no_block_reviewed,
        name="no_block_reviewed",
    ),
]
