"""Circulation services (keyword-only; each owns its transaction, locks, audit and facts)."""

from skaitykla.circulation.services.blocks import apply_automatic_blocks
from skaitykla.circulation.services.fines import (
    charge_fee,
    charge_overdue_fine,
    pay_fees,
    waive_fee,
)
from skaitykla.circulation.services.holds import (
    cancel_hold,
    expire_hold_shelf,
    expire_holds,
    make_ready,
    move_hold,
    place_hold,
    resume_hold,
    suspend_hold,
)
from skaitykla.circulation.services.in_house import record_in_house_use
from skaitykla.circulation.services.loans import (
    CheckinResult,
    checkin_item,
    checkout_item,
    claim_returned,
    declare_lost,
    open_reading_room_loan,
    renew_loan,
)
from skaitykla.circulation.services.policies import delete_loan_policy, save_loan_policy

mark_hold_ready = make_ready

__all__ = [
    "CheckinResult",
    "apply_automatic_blocks",
    "cancel_hold",
    "charge_fee",
    "charge_overdue_fine",
    "checkin_item",
    "checkout_item",
    "claim_returned",
    "declare_lost",
    "delete_loan_policy",
    "expire_hold_shelf",
    "expire_holds",
    "mark_hold_ready",
    "move_hold",
    "open_reading_room_loan",
    "pay_fees",
    "place_hold",
    "record_in_house_use",
    "renew_loan",
    "resume_hold",
    "save_loan_policy",
    "suspend_hold",
    "waive_fee",
]

# --- Closed-stack orders, notices, loan history, offline uploads (orders helper) -----------------
from skaitykla.circulation.services.history import anonymise_loan_history  # noqa: E402
from skaitykla.circulation.services.notices import (  # noqa: E402
    notify_hold_expired,
    notify_hold_ready,
    notify_order_ready,
    send_due_notices,
    send_hold_notices,
)
from skaitykla.circulation.services.offline import import_offline_batch  # noqa: E402
from skaitykla.circulation.services.orders import (  # noqa: E402
    cancel_stack_order,
    expire_stack_orders,
    keep_on_shelf,
    mark_on_shelf,
    place_stack_order,
    return_to_stacks,
    start_fetching,
    start_use,
)

__all__ += [
    "anonymise_loan_history",
    "cancel_stack_order",
    "expire_stack_orders",
    "import_offline_batch",
    "keep_on_shelf",
    "mark_on_shelf",
    "notify_hold_expired",
    "notify_hold_ready",
    "notify_order_ready",
    "place_stack_order",
    "return_to_stacks",
    "send_due_notices",
    "send_hold_notices",
    "start_fetching",
    "start_use",
]

# --- Staff settings pages: stack-order cut-offs (settings helper) --------------------------------
from skaitykla.circulation.services.cutoffs import (  # noqa: E402
    delete_order_cutoff,
    save_order_cutoff,
)

__all__ += ["delete_order_cutoff", "save_order_cutoff"]
