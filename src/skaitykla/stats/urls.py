from django.urls import URLPattern, URLResolver, path

from skaitykla.stats import views

app_name = "stats"
urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/statistics/", views.dashboard, name="dashboard"),
    path("staff/statistics/export.<str:fmt>", views.export_table, name="export"),
    path("staff/statistics/report.pdf", views.report_pdf, name="report_pdf"),
    path("staff/statistics/national.<str:fmt>", views.national_export, name="national"),
    path("staff/statistics/definitions/", views.definitions, name="definitions"),
    path("staff/statistics/settings/", views.settings_page, name="settings"),
]
