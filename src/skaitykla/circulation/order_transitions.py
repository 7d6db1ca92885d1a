"""The closed-stack order state machine as data: which status may follow which, and the item
status each order status implies (see ADR 0061).

    ordered → fetching → on_shelf → in_use ⇄ kept → returned_to_stacks
       ↘ cancelled / expired (while waiting; kept orders expire after their keep window)
"""

from __future__ import annotations

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation.choices import StackOrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.ORDERED: frozenset({S.FETCHING, S.ON_SHELF, S.CANCELLED, S.EXPIRED}),
    S.FETCHING: frozenset({S.ON_SHELF, S.CANCELLED, S.EXPIRED}),
    S.ON_SHELF: frozenset({S.IN_USE, S.RETURNED_TO_STACKS, S.CANCELLED, S.EXPIRED}),
    S.IN_USE: frozenset({S.KEPT, S.RETURNED_TO_STACKS}),
    S.KEPT: frozenset({S.IN_USE, S.RETURNED_TO_STACKS, S.CANCELLED, S.EXPIRED}),
    S.RETURNED_TO_STACKS: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: What the item's status is while its order is in a status (the rest: back in the stacks).
ITEM_STATUS: dict[str, str] = {
    S.ORDERED: ItemStatus.ORDERED,
    S.FETCHING: ItemStatus.ORDERED,
    S.ON_SHELF: ItemStatus.ON_SHELF,
    S.KEPT: ItemStatus.ON_SHELF,
    S.IN_USE: ItemStatus.ON_LOAN,
}

#: Statuses a reader may cancel from (staff may cancel from any status that allows it).
READER_CANCELLABLE = frozenset({S.ORDERED, S.ON_SHELF, S.KEPT})


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def item_status_for(order_status: str) -> str:
    return ITEM_STATUS.get(order_status, ItemStatus.AVAILABLE)
