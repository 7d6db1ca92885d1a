"""Circulation API: checkout, check-in, renewal, holds and closed-stack orders.

Staff act by role (the same permissions as the desk screens); a reader signed in to the portal
(reader session) may renew, place and cancel only their own loans, holds and orders: another
reader's id is 404. A refusal is HTTP 409 ``{"code", "detail", "overridable"}`` (the project's
exception handler); overriding one needs ``circulation.override_refusal`` and names its code in
``override``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.accounts.models import User
from skaitykla.catalogue.models import Item, Record
from skaitykla.circulation import order_selectors, reader_queries
from skaitykla.circulation.api_representations import checkin_representation, loan_representation
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.errors import ItemNotFoundError
from skaitykla.circulation.models import Hold, Loan, StackOrder
from skaitykla.circulation.order_actions import ORDER_ACTIONS
from skaitykla.circulation.order_errors import OrderNotFoundError
from skaitykla.circulation.selectors import find_item
from skaitykla.circulation.services.holds import cancel_hold, place_hold
from skaitykla.circulation.services.loans import (
    CheckinResult,
    checkin_item,
    checkout_item,
    renew_loan,
)
from skaitykla.circulation.services.orders import cancel_stack_order, place_stack_order
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.selectors import get_portal_library
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.models import Reader
from skaitykla.patrons.reader_session import current_reader

# --- Serializers ---------------------------------------------------------------------------------


class LoanSerializer(serializers.ModelSerializer[Loan]):
    item_barcode = serializers.CharField(source="item.barcode", read_only=True)
    title = serializers.CharField(source="item.record.title", read_only=True)
    library = serializers.CharField(source="library.code", read_only=True)
    kind = serializers.CharField(read_only=True, help_text="home, reading_room")

    class Meta:
        model = Loan
        fields = [
            "id",
            "reader",
            "item_barcode",
            "title",
            "library",
            "kind",
            "checked_out_at",
            "due_at",
            "renewals_count",
            "returned_at",
        ]
        read_only_fields = fields


class HoldSerializer(serializers.ModelSerializer[Hold]):
    title = serializers.CharField(source="record.title", read_only=True)
    item_barcode = serializers.CharField(
        source="item.barcode", read_only=True, default=None, allow_null=True
    )
    pickup_library = serializers.CharField(source="pickup_library.code", read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="waiting, suspended, in_transit, ready, fulfilled, cancelled, expired",
    )

    class Meta:
        model = Hold
        fields = [
            "id",
            "reader",
            "record",
            "title",
            "item_barcode",
            "pickup_library",
            "status",
            "position",
            "placed_at",
            "not_needed_after",
            "shelf_expires_on",
        ]
        read_only_fields = fields


class StackOrderSerializer(serializers.ModelSerializer[StackOrder]):
    item_barcode = serializers.CharField(source="item.barcode", read_only=True)
    title = serializers.CharField(source="item.record.title", read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="ordered, fetching, on_shelf, in_use, kept, returned_to_stacks, expired, "
        "cancelled",
    )

    class Meta:
        model = StackOrder
        fields = [
            "id",
            "reader",
            "item_barcode",
            "title",
            "room",
            "for_day",
            "status",
            "ordered_at",
            "pickup_until",
            "keep_until",
        ]
        read_only_fields = fields


class CheckoutRequestSerializer(serializers.Serializer[Any]):
    item_barcode = serializers.CharField(max_length=64)
    card_barcode = serializers.CharField(max_length=40, required=False, allow_blank=True)
    reader = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    library = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="library code (default: yours)"
    )
    override = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=10
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("card_barcode") and not attrs.get("reader"):
            raise serializers.ValidationError(_("Give the reader's card number or id."))
        return attrs


class CheckinRequestSerializer(serializers.Serializer[Any]):
    item_barcode = serializers.CharField(max_length=64)
    library = serializers.CharField(max_length=40, required=False, allow_blank=True)
    backdate_to = serializers.DateField(required=False, allow_null=True, default=None)


class CheckinResultSerializer(serializers.Serializer[Any]):
    item_barcode = serializers.CharField(source="item.barcode")
    loan = LoanSerializer(allow_null=True)
    fine = serializers.DecimalField(max_digits=10, decimal_places=2)
    hold = serializers.IntegerField(source="hold.pk", allow_null=True, default=None)
    hold_status = serializers.CharField(source="hold.status", allow_null=True, default=None)
    in_transit_to = serializers.CharField(
        source="in_transit_to.code", allow_null=True, default=None
    )
    in_house_use = serializers.BooleanField()
    messages = serializers.ListField(child=serializers.CharField())


class RenewRequestSerializer(serializers.Serializer[Any]):
    loan = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    override = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=10
    )


class HoldRequestSerializer(serializers.Serializer[Any]):
    reader = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="staff: the reader; a signed-in reader: omit (or their own id)",
    )
    record = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    item_barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    pickup_library = serializers.CharField(max_length=40, help_text="library code")
    not_needed_after = serializers.DateField(required=False, allow_null=True, default=None)
    override = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=10
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("record") and not attrs.get("item_barcode"):
            raise serializers.ValidationError(_("Give the record id or the item barcode."))
        return attrs


class OrderRequestSerializer(serializers.Serializer[Any]):
    reader = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    item_barcode = serializers.CharField(max_length=64)
    room = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="reading room id")
    for_day = serializers.DateField()


# --- Who is asking -----------------------------------------------------------------------------


class _Actor:
    """Either a member of staff (with the permission the action needs) or a signed-in reader."""

    def __init__(self, staff: User | None, reader: Reader | None) -> None:
        self.staff = staff
        self.reader = reader


def _staff(request: Request) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_active and user.is_staff:
        return user
    return None


def _require_staff(request: Request, permission: str) -> User:
    staff = _staff(request)
    if staff is None:
        if request.user and request.user.is_authenticated:
            raise PermissionDenied
        raise NotAuthenticated
    if not staff.has_perm(permission):
        raise PermissionDenied
    return staff


def _actor(request: Request, permission: str, *, write: bool) -> _Actor:
    """Staff by role; else the signed-in reader (their writes must carry the CSRF token, as
    DRF asks of a signed-in staff session)."""
    staff = _staff(request)
    if staff is not None:
        if not staff.has_perm(permission):
            raise PermissionDenied
        return _Actor(staff, None)
    if request.user and request.user.is_authenticated:
        raise PermissionDenied
    reader = current_reader(request._request)
    if reader is None:
        raise NotAuthenticated
    if write:
        SessionAuthentication().enforce_csrf(request)
    return _Actor(None, reader)


def _library(staff: User, code: str = "") -> Library:
    if code:
        library = Library.objects.filter(code=code, is_active=True).first()
        if library is None:
            raise NotFound(_("No such library."))
        return library
    library = staff.home_library or get_portal_library()
    if library is None:
        raise NotFound(_("Your account has no home library."))
    return library


def _reader_for(actor: _Actor, reader_id: int | None) -> Reader:
    """The reader an action is for: staff name one; a reader is themself (another id: 404)."""
    if actor.reader is not None:
        if reader_id is not None and reader_id != actor.reader.pk:
            raise NotFound(_("No such reader."))
        return actor.reader
    if reader_id is None:
        raise NotFound(_("No such reader."))
    reader = (
        Reader.objects.select_related("category", "home_library")
        .exclude(status=ReaderStatus.ANONYMISED)
        .filter(pk=reader_id)
        .first()
    )
    if reader is None:
        raise NotFound(_("No such reader."))
    return reader


def _item(barcode: str) -> Item:
    item = find_item(barcode)
    if item is None:
        raise ItemNotFoundError()
    return item


# --- Views ---------------------------------------------------------------------------------------


class CheckoutView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="circulation_checkout",
        request=CheckoutRequestSerializer,
        responses={201: LoanSerializer},
    )
    def post(self, request: Request) -> Response:
        staff = _require_staff(request, "circulation.add_loan")
        data = CheckoutRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reader = None
        if not values.get("card_barcode"):
            reader = _reader_for(_Actor(staff, None), values["reader"])
        loan = checkout_item(
            item_barcode=values["item_barcode"],
            reader=reader,
            card_barcode=values.get("card_barcode") or None,
            library=_library(staff, values.get("library", "")),
            staff=staff,
            channel=CircChannel.API,
            override=values["override"],
        )
        return Response(loan_representation(loan), status=status.HTTP_201_CREATED)


class CheckinView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="circulation_checkin",
        request=CheckinRequestSerializer,
        responses=CheckinResultSerializer,
    )
    def post(self, request: Request) -> Response:
        staff = _require_staff(request, "circulation.change_loan")
        data = CheckinRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result: CheckinResult = checkin_item(
            item_barcode=values["item_barcode"],
            library=_library(staff, values.get("library", "")),
            staff=staff,
            channel=CircChannel.API,
            backdate_to=values["backdate_to"],
        )
        return Response(checkin_representation(result))


class RenewView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="circulation_renew", request=RenewRequestSerializer, responses=LoanSerializer
    )
    def post(self, request: Request) -> Response:
        actor = _actor(request, "circulation.change_loan", write=True)
        data = RenewRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if actor.reader is not None:
            if values["override"]:
                raise PermissionDenied
            loan = reader_queries.get_open_loan(reader=actor.reader, loan_id=values["loan"])
        else:
            found = Loan.objects.filter(pk=values["loan"]).first()
            if found is None:
                raise NotFound(_("No such loan."))
            loan = found
        renewed = renew_loan(
            loan=loan,
            reader=actor.reader,
            staff=actor.staff,
            channel=CircChannel.API,
            override=values["override"],
        )
        return Response(loan_representation(renewed))


class HoldsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="circulation_holds_list",
        parameters=[OpenApiParameter("reader", int, required=False, description="staff: whose")],
        responses=HoldSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        actor = _actor(request, "circulation.view_hold", write=False)
        raw = request.query_params.get("reader")
        reader_id = int(raw) if raw and raw.isdigit() else None
        if actor.staff is not None and reader_id is None:
            raise serializers.ValidationError({"reader": _("Give the reader's id.")})
        reader = _reader_for(actor, reader_id)
        holds = reader_queries.list_active_holds(reader=reader).select_related("item")
        return Response(HoldSerializer(holds, many=True).data)

    @extend_schema(
        operation_id="circulation_hold_place",
        request=HoldRequestSerializer,
        responses={201: HoldSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = _actor(request, "circulation.add_hold", write=True)
        data = HoldRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if actor.reader is not None and values["override"]:
            raise PermissionDenied
        reader = _reader_for(actor, values.get("reader"))
        pickup = Library.objects.filter(code=values["pickup_library"], is_active=True).first()
        if pickup is None:
            raise NotFound(_("No such library."))
        record = item = None
        if values.get("item_barcode"):
            item = _item(values["item_barcode"])
        else:
            record = Record.objects.filter(pk=values["record"]).first()
            if record is None:
                raise NotFound(_("No such record."))
        hold = place_hold(
            reader=reader,
            record=record,
            item=item,
            pickup_library=pickup,
            not_needed_after=values["not_needed_after"],
            staff=actor.staff,
            channel=CircChannel.API,
            override=values["override"],
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldCancelView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="circulation_hold_cancel", request=None, responses=HoldSerializer)
    def post(self, request: Request, hold_id: int) -> Response:
        actor = _actor(request, "circulation.change_hold", write=True)
        if actor.reader is not None:
            hold = reader_queries.get_active_hold(reader=actor.reader, hold_id=hold_id)
        else:
            found = Hold.objects.filter(pk=hold_id).first()
            if found is None:
                raise NotFound(_("No such hold."))
            hold = found
        cancelled = cancel_hold(
            hold=hold, reader=actor.reader, staff=actor.staff, channel=CircChannel.API
        )
        return Response(HoldSerializer(cancelled).data)


class OrdersView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="circulation_orders_list",
        parameters=[
            OpenApiParameter("reader", int, required=False, description="staff: whose"),
        ],
        responses=StackOrderSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        actor = _actor(request, "circulation.view_stackorder", write=False)
        raw = request.query_params.get("reader")
        reader_id = int(raw) if raw and raw.isdigit() else None
        if actor.staff is not None and reader_id is None:
            raise serializers.ValidationError({"reader": _("Give the reader's id.")})
        reader = _reader_for(actor, reader_id)
        orders = order_selectors.list_reader_orders(reader_id=reader.pk)[:200]
        return Response(StackOrderSerializer(orders, many=True).data)

    @extend_schema(
        operation_id="circulation_order_place",
        request=OrderRequestSerializer,
        responses={201: StackOrderSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = _actor(request, "circulation.add_stackorder", write=True)
        data = OrderRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reader = _reader_for(actor, values.get("reader"))
        room = ReadingRoom.objects.filter(pk=values["room"], is_active=True).first()
        if room is None:
            raise NotFound(_("No such reading room."))
        order = place_stack_order(
            reader=reader,
            item=_item(values["item_barcode"]),
            room=room,
            for_day=values["for_day"],
            staff=actor.staff,
            channel=CircChannel.API,
        )
        return Response(StackOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderTransitionView(APIView):
    """``fetch``, ``shelve``, ``hand_out``, ``keep``, ``return`` (staff) and ``cancel`` (staff,
    or the reader for their own order)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="circulation_order_transition",
        request=None,
        responses=StackOrderSerializer,
        description="transition: fetch, shelve, hand_out, keep, return, cancel",
    )
    def post(self, request: Request, order_id: int, transition: str) -> Response:
        if transition not in ORDER_ACTIONS:
            raise NotFound(_("No such action."))
        if transition == "cancel":
            actor = _actor(request, "circulation.handle_stack_orders", write=True)
        else:
            actor = _Actor(_require_staff(request, "circulation.handle_stack_orders"), None)
        if actor.reader is not None:
            order = reader_queries.get_active_order(reader=actor.reader, order_id=order_id)
            order = cancel_stack_order(order=order, reader=actor.reader)
            return Response(StackOrderSerializer(order).data)
        try:
            order = order_selectors.get_order(order_id=order_id)
        except OrderNotFoundError:
            raise NotFound(_("No such order.")) from None
        service = ORDER_ACTIONS[transition][0]
        order = service(order=order, staff=actor.staff)
        return Response(StackOrderSerializer(order).data)
