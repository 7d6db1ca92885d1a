"""Core's API: the library network, its places and their calendars (read-only for staff)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.selectors import list_libraries, list_reading_rooms
from skaitykla.core.timezones import library_zone

#: The most days one calendar request may ask for.
CALENDAR_MAX_DAYS = 62
CALENDAR_DEFAULT_DAYS = 7


class ReadingRoomSerializer(serializers.ModelSerializer[ReadingRoom]):
    class Meta:
        model = ReadingRoom
        fields = [
            "code",
            "name",
            "name_en",
            "floor",
            "seats",
            "seats_per_session",
            "entry_requires_permission",
        ]


class LibrarySerializer(serializers.ModelSerializer[Library]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Library
        fields = [
            "code",
            "name",
            "name_en",
            "parent",
            "timezone",
            "address",
            "phone",
            "email",
            "website",
        ]


class LibraryDetailSerializer(LibrarySerializer):
    reading_rooms = ReadingRoomSerializer(many=True, read_only=True)

    class Meta(LibrarySerializer.Meta):
        fields = [*LibrarySerializer.Meta.fields, "reading_rooms"]


class LibraryListView(generics.ListAPIView[Library]):
    serializer_class = LibrarySerializer
    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]

    def get_queryset(self) -> QuerySet[Library]:
        return list_libraries().select_related("parent")


class LibraryDetailView(generics.RetrieveAPIView[Library]):
    serializer_class = LibraryDetailSerializer
    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Library]:
        return list_libraries().select_related("parent").prefetch_related("reading_rooms")


# --- Calendar ---------------------------------------------------------------------------------


class CalendarQuerySerializer(serializers.Serializer[dict[str, Any]]):
    start = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("First day, YYYY-MM-DD (default: today in the library's time zone)."),
    )
    days = serializers.IntegerField(
        required=False,
        default=CALENDAR_DEFAULT_DAYS,
        min_value=1,
        max_value=CALENDAR_MAX_DAYS,
        help_text=format_lazy(_("Number of days, 1 to {max}."), max=CALENDAR_MAX_DAYS),
    )
    room = serializers.CharField(
        required=False,
        help_text=_("Reading-room code: that room's hours instead of the library's."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("start")
        if start is not None and date.max - start < timedelta(days=attrs["days"] - 1):
            raise serializers.ValidationError({"start": _("The period runs past the last date.")})
        return attrs


class CalendarIntervalSerializer(serializers.Serializer[dict[str, Any]]):
    opens = serializers.TimeField(format="%H:%M")
    closes = serializers.TimeField(format="%H:%M")


class CalendarDaySerializer(serializers.Serializer[dict[str, Any]]):
    date = serializers.DateField()
    is_closed = serializers.BooleanField()
    intervals = CalendarIntervalSerializer(many=True)
    reason = serializers.CharField()
    is_holiday = serializers.BooleanField()
    is_eve_shortened = serializers.BooleanField()


class LibraryCalendarSerializer(serializers.Serializer[dict[str, Any]]):
    library = serializers.CharField(help_text=_("The library's ISIL code."))
    reading_room = serializers.CharField(allow_null=True)
    timezone = serializers.CharField(help_text=_("Times are wall-clock times in this zone."))
    start = serializers.DateField()
    days = CalendarDaySerializer(many=True)


class LibraryCalendarView(APIView):
    """The opening calendar of a library (or one reading room), day by day."""

    permission_classes = [permissions.IsAuthenticated, permissions.IsAdminUser]

    @extend_schema(
        operation_id="library_calendar",
        parameters=[
            OpenApiParameter("code", str, OpenApiParameter.PATH, description="ISIL code"),
            CalendarQuerySerializer,
        ],
        responses={
            200: LibraryCalendarSerializer,
            400: OpenApiResponse(description="A bad start date or number of days."),
            404: OpenApiResponse(description="No such library or reading room."),
            409: OpenApiResponse(description="A calendar error, e.g. an unknown holiday country."),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        library = get_object_or_404(list_libraries(), code=code)
        query = CalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        room = None
        if params.get("room"):
            room = get_object_or_404(list_reading_rooms(library=library), code=params["room"])
        start = params.get("start") or timezone.now().astimezone(library_zone(library)).date()
        calendar = LibraryCalendar.for_library(library, room)
        schedule = calendar.week_schedule(start, days=params["days"])
        payload = {
            "library": library.code,
            "reading_room": room.code if room is not None else None,
            "timezone": str(calendar.zone),
            "start": start,
            "days": [
                {
                    "date": day.date,
                    "is_closed": day.is_closed,
                    "intervals": [{"opens": o, "closes": c} for o, c in day.intervals],
                    "reason": day.reason,
                    "is_holiday": day.is_holiday,
                    "is_eve_shortened": day.is_eve_shortened,
                }
                for day in schedule
            ],
        }
        return Response(LibraryCalendarSerializer(payload).data)
