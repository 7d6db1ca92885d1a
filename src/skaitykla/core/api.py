"""Core's API: the library network and its places (read-only for staff)."""

from __future__ import annotations

from rest_framework import generics, permissions, serializers

from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.selectors import list_libraries


class ReadingRoomSerializer(serializers.ModelSerializer[ReadingRoom]):
    class Meta:
        model = ReadingRoom
        fields = ["code", "name", "name_en", "floor", "seats", "seats_per_session", "entry_requires_permission"]


class LibrarySerializer(serializers.ModelSerializer[Library]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Library
        fields = ["code", "name", "name_en", "parent", "timezone", "address", "phone", "email", "website"]


class LibraryDetailSerializer(LibrarySerializer):
    reading_rooms = ReadingRoomSerializer(many=True, read_only=True)

    class Meta(LibrarySerializer.Meta):
        fields = [*LibrarySerializer.Meta.fields, "reading_rooms"]


class LibraryListView(generics.ListAPIView[Library]):
    serializer_class = LibrarySerializer
    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return list_libraries().select_related("parent")


class LibraryDetailView(generics.RetrieveAPIView[Library]):
    serializer_class = LibraryDetailSerializer
    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return list_libraries().select_related("parent").prefetch_related("reading_rooms")
