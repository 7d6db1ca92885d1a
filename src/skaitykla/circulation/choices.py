"""Enumerations of the circulation app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LoanKind(models.TextChoices):
    HOME = "home", _("Home loan")
    READING_ROOM = "reading_room", _("Use in a reading room")


class CircChannel(models.TextChoices):
    DESK = "desk", _("Staff desk")
    SIP2 = "sip2", _("Self-service (SIP2)")
    API = "api", _("API")
    PORTAL = "portal", _("Reader portal")
    OFFLINE = "offline", _("Offline upload")
    SYSTEM = "system", _("System")


class RenewFrom(models.TextChoices):
    DUE_DATE = "due_date", _("From the current due date")
    TODAY = "today", _("From today")


class ClosedDayStrategy(models.TextChoices):
    NEXT_OPEN = "next_open", _("Move to the next open day")
    PREVIOUS_OPEN = "previous_open", _("Move to the previous open day")
    KEEP = "keep", _("Keep the date")


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    SUSPENDED = "suspended", _("Suspended")
    IN_TRANSIT = "in_transit", _("In transit to the pickup library")
    READY = "ready", _("Ready for pickup")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", pgettext_lazy("hold status", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("hold status", "Expired")


#: Holds in the queue (they have a position).
QUEUED_HOLD_STATUSES = (HoldStatus.WAITING, HoldStatus.SUSPENDED)
#: Holds with an item trapped for them.
TRAPPED_HOLD_STATUSES = (HoldStatus.IN_TRANSIT, HoldStatus.READY)
#: Holds that are still alive.
ACTIVE_HOLD_STATUSES = QUEUED_HOLD_STATUSES + TRAPPED_HOLD_STATUSES


class ActorRole(models.TextChoices):
    READER = "reader", _("Reader")
    STAFF = "staff", pgettext_lazy("actor role", "Staff")
    SYSTEM = "system", _("System")


class StackOrderStatus(models.TextChoices):
    ORDERED = "ordered", pgettext_lazy("stack order status", "Ordered")
    FETCHING = "fetching", _("Being fetched")
    ON_SHELF = "on_shelf", _("On the reading-room shelf")
    IN_USE = "in_use", _("In use by the reader")
    KEPT = "kept", _("Kept on the shelf for the next visit")
    RETURNED_TO_STACKS = "returned_to_stacks", _("Returned to the stacks")
    EXPIRED = "expired", pgettext_lazy("stack order status", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("stack order status", "Cancelled")


ACTIVE_ORDER_STATUSES = (
    StackOrderStatus.ORDERED,
    StackOrderStatus.FETCHING,
    StackOrderStatus.ON_SHELF,
    StackOrderStatus.IN_USE,
    StackOrderStatus.KEPT,
)


class FeeKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue fine")
    LOST = "lost", _("Lost item")
    DAMAGED = "damaged", _("Damaged item")
    CARD = "card", _("Card replacement")
    OTHER = "other", _("Other charge")


class FeeTransactionKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    WAIVER = "waiver", _("Waiver")
    CANCELLATION = "cancellation", _("Cancellation")


class TransitReason(models.TextChoices):
    HOLD = "hold", _("To the pickup library for a hold")
    HOME = "home", _("Back to its home library")


class OfflineKind(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    CHECKIN = "checkin", _("Check-in")


class OfflineBatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OfflineOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    CONFLICT = "conflict", _("Conflict")
    ERROR = "error", _("Error")
    DUPLICATE = "duplicate", _("Duplicate")


class NoticeKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE_1 = "overdue_1", _("First overdue notice")
    OVERDUE_2 = "overdue_2", _("Second overdue notice")
    OVERDUE_3 = "overdue_3", _("Third overdue notice")
    HOLD_READY = "hold_ready", _("Hold ready for pickup")
    ORDER_READY = "order_ready", _("Order ready in the reading room")
    HOLD_EXPIRED = "hold_expired", _("Hold expired")
