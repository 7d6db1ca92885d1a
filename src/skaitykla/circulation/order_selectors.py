"""Reads for closed-stack orders: the stack attendant's pick list, a room's shelf, a reader's
orders. (``selectors.py`` holds the rest of the app's reads.)"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from skaitykla.circulation.choices import ACTIVE_ORDER_STATUSES, StackOrderStatus
from skaitykla.circulation.models import StackOrder
from skaitykla.core.models import Library, ReadingRoom

#: Orders the stack attendant still has to bring up.
TO_FETCH = (StackOrderStatus.ORDERED, StackOrderStatus.FETCHING)


def list_pick_list(*, library: Library, day: date) -> QuerySet[StackOrder]:
    """Orders to fetch for ``day`` (and any earlier day still not fetched), in the order the
    attendant walks the stacks: storage location, then call number, then barcode."""
    return (
        StackOrder.objects.filter(room__library=library, status__in=TO_FETCH, for_day__lte=day)
        .select_related("item__record", "room", "reader")
        .prefetch_related("reader__cards")
        .order_by("item__location", "item__call_number", "item__barcode", "id")
    )


def list_room_shelf(*, room: ReadingRoom) -> QuerySet[StackOrder]:
    """Items waiting for readers on a reading room's shelf (delivered or kept)."""
    return (
        StackOrder.objects.filter(
            room=room, status__in=[StackOrderStatus.ON_SHELF, StackOrderStatus.KEPT]
        )
        .select_related("item__record", "reader")
        .order_by("reader__last_name", "reader__first_name", "reader_id", "id")
    )


def list_reader_orders(*, reader_id: int, active_only: bool = False) -> QuerySet[StackOrder]:
    queryset = StackOrder.objects.filter(reader_id=reader_id)
    if active_only:
        queryset = queryset.filter(status__in=ACTIVE_ORDER_STATUSES)
    return queryset.select_related("item__record", "room").order_by("-for_day", "-id")


def get_order(*, order_id: int | str) -> StackOrder:
    from skaitykla.circulation.order_errors import OrderNotFoundError

    try:
        return StackOrder.objects.select_related(
            "item__record", "room__library", "reader__category"
        ).get(pk=int(order_id))
    except (StackOrder.DoesNotExist, ValueError, TypeError):
        raise OrderNotFoundError() from None
