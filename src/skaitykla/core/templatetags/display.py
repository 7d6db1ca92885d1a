"""Presentation filters for places and contacts: ``{% load display %}``."""

from __future__ import annotations

import re

from django import template
from django.utils import translation

register = template.Library()

_NOT_DIALLED = re.compile(r"[^\d+]")


@register.filter
def local_name(place: object) -> str:
    """A library's, room's or desk's name in the page language (``name_en`` when English)."""
    if place is None:
        return ""
    english = getattr(place, "name_en", "")
    if english and (translation.get_language() or "").startswith("en"):
        return str(english)
    return str(getattr(place, "name", ""))


@register.filter
def tel_uri(phone: str) -> str:
    """``+370 5 249 7028`` → ``tel:+37052497028`` for a phone link."""
    digits = _NOT_DIALLED.sub("", phone or "")
    return f"tel:{digits}" if digits else ""
