"""Refusals of closed-stack orders (codes are stable; see ADR 0061)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skaitykla.circulation.errors import CirculationError
from skaitykla.core.errors import NotFoundError


class OrderNotFoundError(NotFoundError, CirculationError):
    code = "order_not_found"
    default_message = _("No such closed-stack order.")


class ItemNotOrderableError(CirculationError):
    code = "order_open_shelf"
    default_message = _(
        "This item is on the open shelves: take it from the shelf, it cannot be ordered."
    )


class ItemUnavailableError(CirculationError):
    code = "item_unavailable"
    default_message = _("This item cannot be ordered now.")


class OrderDailyLimitError(CirculationError):
    code = "order_daily_limit"
    default_message = _("The reader has reached the number of orders allowed for that day.")


class OrderDayPastError(CirculationError):
    code = "order_day_past"
    default_message = _("Orders cannot be placed for a day that has passed.")


class OrderDayTooFarError(CirculationError):
    code = "order_day_too_far"
    default_message = _("Orders are taken for the next two weeks only: choose an earlier day.")


class OrderAfterCutoffError(CirculationError):
    code = "order_after_cutoff"
    default_message = _("Orders for today are no longer taken: choose another day.")


class OrderTooLateTodayError(CirculationError):
    code = "order_too_late_today"
    default_message = _(
        "The item could not be brought before the reading room closes today: choose another day."
    )


class RoomClosedError(CirculationError):
    code = "room_closed"
    default_message = _("The reading room is closed on that day.")


class WrongLibraryError(CirculationError):
    code = "order_wrong_library"
    default_message = _("This item can be ordered only to a reading room of its own library.")


class RoomPermissionRequiredError(CirculationError):
    code = "room_permission_required"
    default_message = _("The reader has no permission to use this reading room.")


class OrderStateError(CirculationError):
    code = "order_state"
    default_message = _("The order cannot be changed in its current state.")
