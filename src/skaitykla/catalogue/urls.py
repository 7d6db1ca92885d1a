from django.urls import URLPattern, URLResolver, path

from skaitykla.catalogue import views

app_name = "catalogue"
urlpatterns: list[URLPattern | URLResolver] = [
    path("catalogue/", views.search, name="search"),
    path("catalogue/record/<int:pk>/", views.record_detail, name="record"),
    path(
        "catalogue/record/<int:pk>/marc21.mrc",
        views.record_export,
        {"fmt": "marc21"},
        name="export_marc21",
    ),
    path(
        "catalogue/record/<int:pk>/marcxml.xml",
        views.record_export,
        {"fmt": "marcxml"},
        name="export_marcxml",
    ),
    path("staff/catalogue/import/", views.import_upload, name="import"),
    path("staff/catalogue/import/<int:pk>/", views.import_detail, name="import_detail"),
]
