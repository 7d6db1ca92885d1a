"""The catalogue API: public search, records and items; staff-only item writes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.catalogue.choices import ItemStatus, LoanType, MaterialType
from skaitykla.catalogue.errors import ItemNotFoundError, RecordNotFoundError
from skaitykla.catalogue.marc.writers import to_iso2709, to_marcxml
from skaitykla.catalogue.models import Item, Record
from skaitykla.catalogue.selectors import (
    availability_for,
    find_library,
    find_reading_room,
    get_item,
    get_record,
    search_filters,
    search_records,
)
from skaitykla.catalogue.services import (
    RECORD_FIELDS,
    ItemChanges,
    add_item,
    change_item,
    record_search,
)
from skaitykla.core.api_access import require_staff_with
from skaitykla.core.choices import Channel


class SearchQuerySerializer(serializers.Serializer[dict[str, Any]]):
    q = serializers.CharField(max_length=10_000, allow_blank=True, help_text="The query.")
    language = serializers.CharField(required=False, max_length=3)
    year_from = serializers.IntegerField(required=False, min_value=0, max_value=9999)
    year_to = serializers.IntegerField(required=False, min_value=0, max_value=9999)
    material_type = serializers.ChoiceField(choices=MaterialType.choices, required=False)
    library = serializers.CharField(required=False, max_length=32)
    room = serializers.CharField(required=False, max_length=40)
    available = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=1)


class AvailabilitySerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.CharField()
    total = serializers.IntegerField()
    available = serializers.IntegerField()
    on_loan = serializers.IntegerField()
    earliest_due = serializers.DateField(allow_null=True)


class SearchHitSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    year = serializers.IntegerField(allow_null=True)
    availability = AvailabilitySerializer()


class FacetValueSerializer(serializers.Serializer[dict[str, Any]]):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    count_is_lower_bound = serializers.BooleanField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))
    suggestions = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField(allow_blank=True)


class SearchView(APIView):
    """Search the catalogue: ranked results with live availability, and facet counts."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="catalogue_search",
        parameters=[SearchQuerySerializer],
        responses={200: SearchResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        filters = search_filters(
            language=params.get("language", ""),
            year_from=params.get("year_from"),
            year_to=params.get("year_to"),
            material_type=params.get("material_type", ""),
            library_code=params.get("library", ""),
            room_code=params.get("room", ""),
            available=params["available"],
        )
        result = search_records(params["q"], filters, page=params["page"])
        message = ""
        if result.query.empty and params["q"].strip():
            message = "Please use more specific words."
        elif not result.query.empty:
            record_search(query=params["q"], found=result.count, channel=Channel.WEB)
        payload = {
            "count": result.count,
            "count_is_lower_bound": result.capped,
            "page": result.page,
            "pages": result.pages,
            "results": [
                {
                    "id": hit.record.pk,
                    "title": hit.record.full_title,
                    "authors": hit.record.authors,
                    "year": hit.record.year,
                    "availability": hit.availability.as_dict(),
                }
                for hit in result.hits
            ],
            "facets": {
                key: [{"value": v, "label": str(label), "count": n} for v, label, n in values]
                for key, values in result.facets.items()
            },
            "suggestions": result.suggestions,
            "message": message,
        }
        return Response(SearchResponseSerializer(payload).data)


class ItemSerializer(serializers.ModelSerializer[Item]):
    library = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    reading_room = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    record = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Item
        fields = [
            "barcode",
            "record",
            "call_number",
            "library",
            "reading_room",
            "location",
            "loan_type",
            "max_loan_days",
            "status",
            "due_back",
            "public_note",
        ]


class RecordSerializer(serializers.ModelSerializer[Record]):
    class Meta:
        model = Record
        #: The fields an import writes, less the raw MARC and the local system numbers.
        fields = [
            "id",
            *(name for name in RECORD_FIELDS if name not in ("system_numbers", "marc")),
        ]


class RecordDetailSerializer(RecordSerializer):
    items = ItemSerializer(many=True, read_only=True)
    availability = AvailabilitySerializer(read_only=True)

    class Meta(RecordSerializer.Meta):
        fields = [*RecordSerializer.Meta.fields, "availability", "items"]


def _record(pk: int) -> Record:
    try:
        return get_record(pk)
    except RecordNotFoundError as error:
        raise NotFound(str(error)) from error


class RecordDetailView(APIView):
    """One record with its items and their live status."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="catalogue_record", responses={200: RecordDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        record = _record(pk)
        availability = availability_for([record.pk]).get(record.pk)
        data = RecordSerializer(record).data
        data["availability"] = availability.as_dict() if availability else None
        data["items"] = ItemSerializer(availability.items if availability else [], many=True).data
        return Response(data)


class RecordExportView(APIView):
    """The record as MARC21 (ISO 2709, UTF-8) or MARCXML."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="catalogue_record_export",
        parameters=[
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["marc21", "marcxml"])
        ],
        responses={200: OpenApiResponse(description="The MARC record.")},
    )
    def get(self, request: Request, pk: int, fmt: str) -> HttpResponse:
        record = _record(pk)
        if fmt == "marcxml":
            return HttpResponse(to_marcxml(record), content_type="application/marcxml+xml")
        if fmt == "marc21":
            return HttpResponse(to_iso2709(record), content_type="application/marc")
        raise NotFound("Unknown export format.")


class ItemWriteSerializer(serializers.Serializer[dict[str, Any]]):
    record = serializers.IntegerField(required=False)
    barcode = serializers.CharField(max_length=200, required=False)
    library = serializers.CharField(max_length=32, required=False)
    reading_room = serializers.CharField(max_length=40, required=False, allow_blank=True)
    call_number = serializers.CharField(max_length=120, required=False, allow_blank=True)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True)
    loan_type = serializers.ChoiceField(choices=LoanType.choices, required=False)
    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    due_back = serializers.DateField(required=False, allow_null=True)
    public_note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ItemCreateView(APIView):
    """Add an item (staff with ``catalogue.add_item``)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="catalogue_item_create",
        request=ItemWriteSerializer,
        responses={201: ItemSerializer, 409: OpenApiResponse(description="Duplicate barcode.")},
    )
    def post(self, request: Request) -> Response:
        require_staff_with(request, "catalogue.add_item")
        body = ItemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        missing = [name for name in ("record", "barcode", "library") if not data.get(name)]
        if missing:
            raise serializers.ValidationError(
                {name: ["This field is required."] for name in missing}
            )
        record = _record(data["record"])
        library = find_library(data["library"])
        if library is None:
            raise serializers.ValidationError({"library": ["Unknown library."]})
        room = find_reading_room(library, data.get("reading_room", ""))
        if data.get("reading_room") and room is None:
            raise serializers.ValidationError({"reading_room": ["Unknown reading room."]})
        item = add_item(
            record=record,
            barcode=data["barcode"],
            library=library,
            staff_user=request.user,
            call_number=data.get("call_number", ""),
            reading_room=room,
            location=data.get("location", ""),
            loan_type=data.get("loan_type", LoanType.HOME_LOAN),
            status=data.get("status", ItemStatus.AVAILABLE),
            public_note=data.get("public_note", ""),
        )
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemDetailView(APIView):
    """One item by barcode (public); staff with ``catalogue.change_item`` may change it."""

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def _item(self, barcode: str) -> Item:
        try:
            return get_item(barcode=barcode)
        except ItemNotFoundError as error:
            raise NotFound(str(error)) from error

    @extend_schema(operation_id="catalogue_item", responses={200: ItemSerializer})
    def get(self, request: Request, barcode: str) -> Response:
        return Response(ItemSerializer(self._item(barcode)).data)

    @extend_schema(
        operation_id="catalogue_item_update",
        request=ItemWriteSerializer,
        responses={200: ItemSerializer},
    )
    def patch(self, request: Request, barcode: str) -> Response:
        require_staff_with(request, "catalogue.change_item")
        item = self._item(barcode)
        body = ItemWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        room = None
        if data.get("reading_room"):
            room = find_reading_room(item.library, data["reading_room"])
            if room is None:
                raise serializers.ValidationError({"reading_room": ["Unknown reading room."]})
        changes = ItemChanges(
            call_number=data.get("call_number"),
            reading_room=room,
            location=data.get("location"),
            loan_type=data.get("loan_type"),
            status=data.get("status"),
            due_back=data.get("due_back"),
            public_note=data.get("public_note"),
        )
        item = change_item(item=item, changes=changes, staff_user=request.user)
        return Response(ItemSerializer(get_item(barcode=item.barcode)).data)
