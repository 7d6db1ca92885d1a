"""The XML sitemap of the public pages (absolute URLs are built from the request)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

PUBLIC_PAGES = ("portal:home", "portal:contacts", "portal:accessibility", "portal:sitemap")


class PublicPagesSitemap(Sitemap[str]):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return list(PUBLIC_PAGES)

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item == "portal:home" else 0.5


SITEMAPS = {"pages": PublicPagesSitemap}
