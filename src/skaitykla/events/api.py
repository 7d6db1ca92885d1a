"""Events API: events with their sessions, registrations, check-in.

Published events and their sessions are public (as on the website); drafts, registrations and
attendance need staff permissions. Registering is open to anyone, rate limited like the form.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.core.api_access import is_staff_with, staff_with
from skaitykla.core.models import Library
from skaitykla.events import selectors, services
from skaitykla.events.choices import Audience, EventKind, EventStatus, RegistrationMode
from skaitykla.events.errors import EventNotFoundError
from skaitykla.events.models import Event, Registration, Session, Topic
from skaitykla.events.views.public import within_public_limit


def _can_see_drafts(request: Request) -> bool:
    return is_staff_with(request, "events.view_event")


class SessionSerializer(serializers.ModelSerializer[Session]):
    room = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    status = serializers.CharField(read_only=True, help_text="scheduled, held, cancelled")
    calendar_warning = serializers.CharField(
        read_only=True, help_text="'', closed_day, outside_hours"
    )
    free_seats = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "starts_at",
            "ends_at",
            "room",
            "is_online",
            "status",
            "calendar_warning",
            "free_seats",
        ]
        read_only_fields = fields

    def get_free_seats(self, session: Session) -> int:
        event = session.event
        return selectors.seats_free(event=event, session=None if event.is_course else session)


class EventSerializer(serializers.ModelSerializer[Event]):
    library = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    status = serializers.CharField(read_only=True, help_text="draft, published, cancelled")
    language = serializers.CharField(read_only=True, help_text="lt or en")
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "library",
            "kind",
            "title",
            "description",
            "topic",
            "audience",
            "language",
            "trainers",
            "accessibility_notes",
            "sign_language_on_request",
            "online_link",
            "registration_mode",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "status",
            "sessions",
        ]
        read_only_fields = fields


class EventCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EventKind.choices, default=EventKind.TRAINING)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    topic = serializers.SlugRelatedField(
        slug_field="slug", queryset=Topic.objects.all(), required=False, allow_null=True
    )
    audience = serializers.ChoiceField(choices=Audience.choices)
    language = serializers.CharField(max_length=8, default="lt", help_text="lt or en")
    trainers = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    accessibility_notes = serializers.CharField(required=False, allow_blank=True, default="")
    sign_language_on_request = serializers.BooleanField(default=False)
    online_link = serializers.URLField(required=False, allow_blank=True, default="")
    registration_mode = serializers.ChoiceField(
        choices=RegistrationMode.choices, default=RegistrationMode.PER_SESSION
    )
    capacity = serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1)
    registration_opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    registration_closes_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )
    publish = serializers.BooleanField(default=False)

    def validate_language(self, value: str) -> str:
        if value not in ("lt", "en"):
            raise serializers.ValidationError(_("Choose lt or en."))
        return value


class SessionCreateSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    room = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="room code in the event's library"
    )
    is_online = serializers.BooleanField(default=False)


class RegistrationSerializer(serializers.ModelSerializer[Registration]):
    status = serializers.CharField(
        read_only=True, help_text="confirmed, waiting, offered, cancelled, expired"
    )
    kind = serializers.CharField(read_only=True, help_text="individual, group, walk_in")

    class Meta:
        model = Registration
        fields = [
            "id",
            "event",
            "session",
            "kind",
            "name",
            "email",
            "organisation",
            "head_count",
            "status",
            "created_at",
            "offer_expires_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer[Any]):
    session = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**63 - 1
    )
    name = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254)
    organisation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    head_count = serializers.IntegerField(default=1, min_value=1, max_value=500)
    accessibility_needs = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    language = serializers.CharField(max_length=8, default="lt", help_text="lt or en")


class CheckInSerializer(serializers.Serializer[Any]):
    registration = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class AttendanceSerializer(serializers.Serializer[Any]):
    registration = serializers.IntegerField(source="registration_id")
    session = serializers.IntegerField(source="session_id")
    method = serializers.CharField()
    head_count = serializers.IntegerField()
    checked_in_at = serializers.DateTimeField()


def _event(request: Request, event_id: int) -> Event:
    try:
        return selectors.get_event(event_id=event_id, public=not _can_see_drafts(request))
    except EventNotFoundError:
        raise NotFound(_("No such event.")) from None


class EventListView(generics.ListCreateAPIView[Event]):
    serializer_class = EventSerializer

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [staff_with("events.add_event")()]
        return [permissions.AllowAny()]

    def get_queryset(self) -> QuerySet[Event]:
        if _can_see_drafts(self.request):
            return selectors.list_staff_events()
        return selectors.list_public_events()

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = EventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        publish = values.pop("publish")
        library = getattr(request.user, "home_library", None)
        if not isinstance(library, Library):
            raise NotFound(_("Your account has no home library."))
        event = services.create_event(
            actor=request.user,  # type: ignore[arg-type]
            library=library,
            data=services.EventData(
                **values, status=EventStatus.PUBLISHED if publish else EventStatus.DRAFT
            ),
        )
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=EventSerializer)
    def get(self, request: Request, event_id: int) -> Response:
        return Response(EventSerializer(_event(request, event_id)).data)


class SessionCreateView(APIView):
    permission_classes = [staff_with("events.add_event")]

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request: Request, event_id: int) -> Response:
        event = _event(request, event_id)
        data = SessionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room = None
        if data.validated_data["room"]:
            room = (
                selectors.list_rooms(library=event.library)
                .filter(code=data.validated_data["room"])
                .first()
            )
            if room is None:
                raise NotFound(_("No such room."))
        session = services.add_session(
            actor=request.user,  # type: ignore[arg-type]
            event=event,
            starts_at=data.validated_data["starts_at"],
            ends_at=data.validated_data["ends_at"],
            room=room,
            is_online=data.validated_data["is_online"],
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class RegistrationListView(generics.ListCreateAPIView[Registration]):
    serializer_class = RegistrationSerializer

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [staff_with("events.manage_registrations")()]

    def get_queryset(self) -> QuerySet[Registration]:
        event = _event(self.request, self.kwargs["event_id"])
        return selectors.list_registrations(event=event)

    @extend_schema(request=RegisterSerializer, responses={201: RegistrationSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = _event(request, kwargs["event_id"])
        staff = request.user.is_authenticated and request.user.is_staff
        if not staff and not within_public_limit(request, "events.register"):
            raise Throttled()
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        session = None
        if values.pop("session") is not None:
            try:
                session = selectors.get_session(
                    session_id=data.validated_data["session"], event=event
                )
            except EventNotFoundError:
                raise NotFound(_("No such session.")) from None
        registration = services.register(
            event=event,
            session=session,
            actor=request.user if staff else None,  # type: ignore[arg-type]
            base_url=request.build_absolute_uri("/"),
            **values,
        )
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


def _registration(registration_id: int) -> Registration:
    try:
        return selectors.get_registration(registration_id=registration_id)
    except EventNotFoundError:
        raise NotFound(_("No such registration.")) from None


class RegistrationDetailView(APIView):
    permission_classes = [staff_with("events.manage_registrations")]

    @extend_schema(responses=RegistrationSerializer)
    def get(self, request: Request, registration_id: int) -> Response:
        return Response(RegistrationSerializer(_registration(registration_id)).data)


class RegistrationCancelView(APIView):
    permission_classes = [staff_with("events.manage_registrations")]

    @extend_schema(request=None, responses=RegistrationSerializer)
    def post(self, request: Request, registration_id: int) -> Response:
        registration = services.cancel_registration(
            registration=_registration(registration_id),
            actor=request.user,  # type: ignore[arg-type]
            base_url=request.build_absolute_uri("/"),
        )
        return Response(RegistrationSerializer(registration).data)


class CheckInView(APIView):
    permission_classes = [staff_with("events.check_in")]

    @extend_schema(request=CheckInSerializer, responses={201: AttendanceSerializer})
    def post(self, request: Request, session_id: int) -> Response:
        try:
            session = selectors.get_session(session_id=session_id)
        except EventNotFoundError:
            raise NotFound(_("No such session.")) from None
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attendance = services.check_in(
            actor=request.user,  # type: ignore[arg-type]
            session=session,
            registration=_registration(data.validated_data["registration"]),
        )
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)
