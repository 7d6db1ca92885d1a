"""The staff actions on a closed-stack order, by the name used in URLs (desk and API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from skaitykla.circulation.services import orders as order_services

#: Action → (service taking ``order`` and ``staff``, what the desk says after it).
ORDER_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "fetch": (order_services.start_fetching, _("Being fetched.")),
    "shelve": (order_services.mark_on_shelf, _("On the reading-room shelf.")),
    "hand_out": (order_services.start_use, _("Handed out to the reader.")),
    "keep": (order_services.keep_on_shelf, _("Kept on the shelf for the next visit.")),
    "return": (order_services.return_to_stacks, _("Returned to the stacks.")),
    "cancel": (order_services.cancel_stack_order, _("Order cancelled.")),
}
