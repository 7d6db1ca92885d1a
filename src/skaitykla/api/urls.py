"""The JSON API: OpenAPI schema and docs, and the versioned endpoints under ``/api/v1/``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from skaitykla.api import v1

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("v1/", include((v1.urlpatterns, "v1"), namespace="v1")),
]
