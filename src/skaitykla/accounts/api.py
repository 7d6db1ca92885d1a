"""Accounts API: who am I (staff)."""

from __future__ import annotations

from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.accounts.models import User


class MeSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()
    home_library = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "home_library",
            "preferred_language",
            "roles",
        ]

    def get_roles(self, user: User) -> list[str]:
        return sorted(group.name for group in user.groups.all())


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]
    serializer_class = MeSerializer

    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)  # IsAuthenticated ran first
        return Response(MeSerializer(request.user).data)
