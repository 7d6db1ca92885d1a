"""Reads owned by core."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import QuerySet

from skaitykla.core.models import AuditEntry, Library, ReadingRoom


def list_libraries(*, active_only: bool = True) -> QuerySet[Library]:
    queryset = Library.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def get_portal_library() -> Library | None:
    """The library the public site speaks for: ``settings.PORTAL_LIBRARY_CODE``, else the first
    active top-level library by code (None on an empty database)."""
    libraries = list_libraries()
    code = getattr(settings, "PORTAL_LIBRARY_CODE", "")
    if code:
        configured = libraries.filter(code=code).first()
        if configured is not None:
            return configured
    return libraries.filter(parent__isnull=True).order_by("code").first()


def list_reading_rooms(*, library: Library | None = None) -> QuerySet[ReadingRoom]:
    queryset = ReadingRoom.objects.filter(is_active=True).select_related("library")
    return queryset.filter(library=library) if library is not None else queryset


def list_audit_entries(
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_kind: str = "",
    library: Library | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    queryset = AuditEntry.objects.select_related("library")
    if action:
        queryset = queryset.filter(action__startswith=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if actor_kind:
        queryset = queryset.filter(actor_kind=actor_kind)
    if library is not None:
        queryset = queryset.filter(library=library)
    if since is not None:
        queryset = queryset.filter(at__date__gte=since)
    if until is not None:
        queryset = queryset.filter(at__date__lte=until)
    return queryset
