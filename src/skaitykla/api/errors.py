"""Turns domain errors into HTTP 409 responses carrying their stable code."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from skaitykla.core.errors import DomainError, NotFoundError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NotFoundError):
        return Response({"code": exc.code, "detail": str(exc.message)}, status=404)
    if isinstance(exc, DomainError):
        return Response(
            {"code": exc.code, "detail": str(exc.message), "overridable": exc.overridable},
            status=409,
        )
    return drf_exception_handler(exc, context)
