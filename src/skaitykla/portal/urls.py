from django.contrib.sitemaps.views import sitemap as sitemap_xml
from django.urls import path

from skaitykla.portal import views
from skaitykla.portal.sitemaps import SITEMAPS

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("contacts/", views.contacts, name="contacts"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("sitemap/", views.sitemap, name="sitemap"),
    # The reader's account: loans, holds, orders, fees, questions, registrations, own data.
    path("reader/", views.account, name="account"),
    path("sitemap.xml", sitemap_xml, {"sitemaps": SITEMAPS}, name="sitemap_xml"),
]
