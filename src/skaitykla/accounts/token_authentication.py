"""API token authentication that brings the staff member's home library in the same query.

Staff API calls act "at" the caller's home library unless they name one (circulation), so the
stock ``TokenAuthentication`` was followed by a second query for the library on every call. The
read is compiled once per process (``core.joined_reads``).
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from skaitykla.core.joined_reads import JoinedRead

_TOKEN = JoinedRead(Token, related=("user__home_library",))


class TokenWithLibraryAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = _TOKEN.first("t0.key = %s", [key])
        if token is None or not token.user.is_active:
            # DRF's own refusal, with its own (translated) message.
            return super().authenticate_credentials(key)
        return (token.user, token)
