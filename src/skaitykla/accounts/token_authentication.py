"""API token authentication that brings the staff member's home library in the same query.

Staff API calls act "at" the caller's home library unless they name one (circulation), so the
stock ``TokenAuthentication`` was followed by a second query for the library on every call.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class TokenWithLibraryAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = Token.objects.select_related("user", "user__home_library").filter(key=key).first()
        if token is None or not token.user.is_active:
            # DRF's own refusal, with its own (translated) message.
            return super().authenticate_credentials(key)
        return (token.user, token)
