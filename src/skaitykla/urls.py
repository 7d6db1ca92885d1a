from django.urls import include, path
from django.views.i18n import set_language

from skaitykla.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("skaitykla.api.urls")),
    path("staff/", include("skaitykla.accounts.urls")),
    path("staff/", include("skaitykla.core.urls")),
    # The reader's account overview (/reader/) combines every domain, so it lives in the portal.
    path("", include("skaitykla.portal.urls")),
    path("", include("skaitykla.patrons.urls")),
    path("", include("skaitykla.catalogue.urls")),
    path("", include("skaitykla.reference.urls")),
    path("", include("skaitykla.events.urls")),
    path("", include("skaitykla.circulation.urls")),
    path("", include("skaitykla.circulation.reader_urls")),
    path("", include("skaitykla.stats.urls")),
    path("", include("skaitykla.sip2.urls")),
]

handler500 = "skaitykla.core.views.server_error"
