"""Readers API: readers, cards, blocks, room permissions and visits.

Object-level permissions: staff see readers by their role's model permissions (and each look
writes an audit row); a signed-in reader (reader session, not a staff account) sees only
themself, and any other reader's id answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.accounts.models import User
from skaitykla.core.models import ReadingRoom
from skaitykla.patrons import selectors, services
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.errors import ReaderNotFoundError
from skaitykla.patrons.models import Block, Card, Reader, RoomPermission, Visit
from skaitykla.patrons.reader_session import current_reader


class ReaderSerializer(serializers.ModelSerializer[Reader]):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    home_library = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    # Plain strings: "status" enums of several apps would collide in the OpenAPI schema.
    status = serializers.CharField(read_only=True, help_text="pending, active, expired, blocked")

    class Meta:
        model = Reader
        fields = [
            "id",
            "first_name",
            "last_name",
            "birth_date",
            "email",
            "phone",
            "address",
            "preferred_language",
            "category",
            "home_library",
            "status",
            "registration_channel",
            "guardian",
            "loan_history",
            "loan_history_days",
            "created_at",
        ]
        read_only_fields = fields


class CardSerializer(serializers.ModelSerializer[Card]):
    class Meta:
        model = Card
        fields = ["id", "barcode", "state", "issued_on", "valid_until"]
        read_only_fields = fields


class BlockSerializer(serializers.ModelSerializer[Block]):
    class Meta:
        model = Block
        fields = [
            "id",
            "reason",
            "starts_on",
            "ends_on",
            "blocks_loans",
            "blocks_holds",
            "blocks_renewals",
            "blocks_room_entry",
            "lifted_at",
        ]
        read_only_fields = ["id", "lifted_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"starts_on": {"required": False}}


class RoomPermissionSerializer(serializers.ModelSerializer[RoomPermission]):
    room = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    room_id = serializers.PrimaryKeyRelatedField(
        queryset=ReadingRoom.objects.filter(is_active=True), write_only=True, source="room"
    )

    class Meta:
        model = RoomPermission
        fields = ["id", "room", "room_id", "allowed", "note", "decided_at"]
        read_only_fields = ["id", "room", "decided_at"]


class VisitSerializer(serializers.ModelSerializer[Visit]):
    room = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Visit
        fields = ["id", "room", "outcome", "denial_code", "at", "left_at"]
        read_only_fields = fields


class EntryScanSerializer(serializers.Serializer[dict[str, Any]]):
    room_id = serializers.PrimaryKeyRelatedField(
        queryset=ReadingRoom.objects.filter(is_active=True)
    )
    card = serializers.CharField(max_length=60)


def _staff(request: Request, permission: str) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_active and user.is_staff:
        if not user.has_perm(permission):
            raise PermissionDenied
        return user
    return None


def access_reader(
    request: Request, reader_id: int, permission: str = "patrons.view_reader"
) -> Reader:
    """The reader this request may see: staff by role, a reader only themself; else 404."""
    staff = _staff(request, permission)
    if staff is not None:
        try:
            reader = selectors.get_reader(reader_id=reader_id)
        except ReaderNotFoundError:
            raise Http404 from None
        if reader.status == ReaderStatus.ANONYMISED:
            raise Http404
        services.record_reader_view(reader=reader, actor=staff, what="api")
        return reader
    me = current_reader(request._request)
    if me is None:
        raise NotAuthenticated
    if me.pk != reader_id:
        raise Http404
    return me


class ReadersAccess(permissions.BasePermission):
    """Authentication is checked per object in ``access_reader``; writes need staff."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff)


class ReaderListView(APIView):
    """Staff: find readers by card number, name (accent-insensitive prefix) or e-mail."""

    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=ReaderSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("patrons.view_reader"):
            raise PermissionDenied
        results = selectors.search_readers(query=request.query_params.get("q", ""))
        return Response(ReaderSerializer(results, many=True).data)


class ReaderMeView(APIView):
    """The signed-in reader's own record (reader session)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=ReaderSerializer)
    def get(self, request: Request) -> Response:
        me = current_reader(request._request)
        if me is None:
            raise NotAuthenticated
        return Response(ReaderSerializer(me).data)


class ReaderDetailView(APIView):
    permission_classes = [ReadersAccess]

    @extend_schema(responses=ReaderSerializer)
    def get(self, request: Request, reader_id: int) -> Response:
        return Response(ReaderSerializer(access_reader(request, reader_id)).data)


class _ReaderChildView(APIView):
    permission_classes = [ReadersAccess]
    serializer: type[serializers.ModelSerializer[Any]]

    def rows(self, reader: Reader) -> QuerySet[Any]:
        raise NotImplementedError

    def get(self, request: Request, reader_id: int) -> Response:
        reader = access_reader(request, reader_id)
        return Response(self.serializer(self.rows(reader), many=True).data)


class ReaderCardsView(_ReaderChildView):
    serializer = CardSerializer

    @extend_schema(responses=CardSerializer(many=True))
    def get(self, request: Request, reader_id: int) -> Response:
        return super().get(request, reader_id)

    def rows(self, reader: Reader) -> QuerySet[Any]:
        return selectors.list_cards(reader=reader)


class ReaderVisitsView(_ReaderChildView):
    serializer = VisitSerializer

    @extend_schema(responses=VisitSerializer(many=True))
    def get(self, request: Request, reader_id: int) -> Response:
        return super().get(request, reader_id)

    def rows(self, reader: Reader) -> QuerySet[Any]:
        return selectors.list_visits(reader=reader)[:200]


class ReaderBlocksView(_ReaderChildView):
    serializer = BlockSerializer

    @extend_schema(responses=BlockSerializer(many=True))
    def get(self, request: Request, reader_id: int) -> Response:
        return super().get(request, reader_id)

    def rows(self, reader: Reader) -> QuerySet[Any]:
        return selectors.list_blocks(reader=reader)

    @extend_schema(request=BlockSerializer, responses={201: BlockSerializer})
    def post(self, request: Request, reader_id: int) -> Response:
        reader = access_reader(request, reader_id, "patrons.block_reader")
        serializer = BlockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        block = services.place_block(reader=reader, actor=request.user, **serializer.validated_data)
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED)


class ReaderRoomPermissionsView(_ReaderChildView):
    serializer = RoomPermissionSerializer

    @extend_schema(responses=RoomPermissionSerializer(many=True))
    def get(self, request: Request, reader_id: int) -> Response:
        return super().get(request, reader_id)

    def rows(self, reader: Reader) -> QuerySet[Any]:
        return selectors.list_room_permissions(reader=reader)

    @extend_schema(request=RoomPermissionSerializer, responses={201: RoomPermissionSerializer})
    def post(self, request: Request, reader_id: int) -> Response:
        reader = access_reader(request, reader_id, "patrons.add_roompermission")
        serializer = RoomPermissionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        data = serializer.validated_data
        permission = services.set_room_permission(
            reader=reader,
            room=data["room"],
            actor=request.user,
            allowed=data["allowed"],
            note=data.get("note", ""),
        )
        return Response(RoomPermissionSerializer(permission).data, status=status.HTTP_201_CREATED)


class EntryScanView(APIView):
    """Staff at a room desk: scan a card; answers the recorded visit (allowed or denied)."""

    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]

    @extend_schema(request=EntryScanSerializer, responses={201: VisitSerializer})
    def post(self, request: Request) -> Response:
        if not request.user.has_perm("patrons.scan_room_entry"):
            raise PermissionDenied
        serializer = EntryScanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        card = selectors.get_card(barcode=serializer.validated_data["card"])
        if card is None:
            raise Http404
        assert isinstance(request.user, User)
        visit = services.scan_room_entry(
            room=serializer.validated_data["room_id"],
            reader=card.reader,
            actor=request.user,
            card=card,
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)
