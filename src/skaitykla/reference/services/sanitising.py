"""The answer HTML allow-list (ADR 31): answers, templates and archive entries share it."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "h3", "h4",
    "code", "pre",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def sanitise_html(html: str) -> str:
    """The answer's HTML reduced to an allow-list (links get rel=noopener noreferrer)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
