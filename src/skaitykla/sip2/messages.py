"""The SIP2 message table: every command the 2.00 specification defines, with its fixed fields.

Fixed fields come in order with a width; variable fields (``XXvalue|``) follow. The field names
are ours (snake case); the codes and widths are the specification's.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Fixed fields that hold a date ``YYYYMMDDZZZZHHMMSS`` (blank allowed).
DATE_FIELDS = frozenset(
    {"transaction_date", "nb_due_date", "return_date", "date_time_sync", "expiration_date"}
)


@dataclass(frozen=True)
class MessageSpec:
    command: str
    name: str
    fixed: tuple[tuple[str, int], ...] = ()

    @property
    def fixed_width(self) -> int:
        return sum(width for _name, width in self.fixed)


_DATE = ("transaction_date", 18)

_SPECS = (
    # Requests (self-check unit → library system)
    MessageSpec("93", "login", (("uid_algorithm", 1), ("pwd_algorithm", 1))),
    MessageSpec(
        "99",
        "sc_status",
        (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)),
    ),
    MessageSpec("97", "request_acs_resend"),
    MessageSpec("23", "patron_status_request", (("language", 3), _DATE)),
    MessageSpec("63", "patron_information", (("language", 3), _DATE, ("summary", 10))),
    MessageSpec(
        "11",
        "checkout",
        (("sc_renewal_policy", 1), ("no_block", 1), _DATE, ("nb_due_date", 18)),
    ),
    MessageSpec("09", "checkin", (("no_block", 1), _DATE, ("return_date", 18))),
    MessageSpec(
        "29",
        "renew",
        (("third_party_allowed", 1), ("no_block", 1), _DATE, ("nb_due_date", 18)),
    ),
    MessageSpec("65", "renew_all", (_DATE,)),
    MessageSpec("17", "item_information", (_DATE,)),
    MessageSpec("35", "end_patron_session", (_DATE,)),
    MessageSpec(
        "37",
        "fee_paid",
        (_DATE, ("fee_type", 2), ("payment_type", 2), ("currency_type", 3)),
    ),
    MessageSpec("01", "block_patron", (("card_retained", 1), _DATE)),
    MessageSpec("19", "item_status_update", (_DATE,)),
    MessageSpec("25", "patron_enable", (_DATE,)),
    MessageSpec("15", "hold", (("hold_mode", 1), _DATE)),
    # Responses (library system → self-check unit)
    MessageSpec("94", "login_response", (("ok", 1),)),
    MessageSpec(
        "98",
        "acs_status",
        (
            ("online_status", 1),
            ("checkin_ok", 1),
            ("checkout_ok", 1),
            ("acs_renewal_policy", 1),
            ("status_update_ok", 1),
            ("offline_ok", 1),
            ("timeout_period", 3),
            ("retries_allowed", 3),
            ("date_time_sync", 18),
            ("protocol_version", 4),
        ),
    ),
    MessageSpec("96", "request_sc_resend"),
    MessageSpec("24", "patron_status_response", (("patron_status", 14), ("language", 3), _DATE)),
    MessageSpec(
        "64",
        "patron_information_response",
        (
            ("patron_status", 14),
            ("language", 3),
            _DATE,
            ("hold_items_count", 4),
            ("overdue_items_count", 4),
            ("charged_items_count", 4),
            ("fine_items_count", 4),
            ("recall_items_count", 4),
            ("unavailable_holds_count", 4),
        ),
    ),
    MessageSpec(
        "12",
        "checkout_response",
        (("ok", 1), ("renewal_ok", 1), ("magnetic_media", 1), ("desensitize", 1), _DATE),
    ),
    MessageSpec(
        "10",
        "checkin_response",
        (("ok", 1), ("resensitize", 1), ("magnetic_media", 1), ("alert", 1), _DATE),
    ),
    MessageSpec(
        "30",
        "renew_response",
        (("ok", 1), ("renewal_ok", 1), ("magnetic_media", 1), ("desensitize", 1), _DATE),
    ),
    MessageSpec(
        "66",
        "renew_all_response",
        (("ok", 1), ("renewed_count", 4), ("unrenewed_count", 4), _DATE),
    ),
    MessageSpec(
        "18",
        "item_information_response",
        (("circulation_status", 2), ("security_marker", 2), ("fee_type", 2), _DATE),
    ),
    MessageSpec("36", "end_session_response", (("end_session", 1), _DATE)),
    MessageSpec("38", "fee_paid_response", (("payment_accepted", 1), _DATE)),
    MessageSpec("20", "item_status_update_response", (("item_properties_ok", 1), _DATE)),
    MessageSpec("26", "patron_enable_response", (("patron_status", 14), ("language", 3), _DATE)),
    MessageSpec("16", "hold_response", (("ok", 1), ("available", 1), _DATE)),
)

SPECS: dict[str, MessageSpec] = {spec.command: spec for spec in _SPECS}

#: Supported-messages flags (BX) in the specification's order.
BX_ORDER = (
    "23",
    "11",
    "09",
    "01",
    "99",
    "97",
    "93",
    "63",
    "35",
    "37",
    "17",
    "19",
    "25",
    "15",
    "29",
    "65",
)

#: The 14 patron-status positions in order (a denied / true flag is ``Y``, otherwise a space).
PATRON_STATUS_FLAGS = (
    "charge_privileges_denied",
    "renewal_privileges_denied",
    "recall_privileges_denied",
    "hold_privileges_denied",
    "card_reported_lost",
    "too_many_items_charged",
    "too_many_items_overdue",
    "too_many_renewals",
    "too_many_claims_of_items_returned",
    "too_many_items_lost",
    "excessive_outstanding_fines",
    "excessive_outstanding_fees",
    "recall_overdue",
    "too_many_items_billed",
)

#: Circulation status (item information response).
CIRCULATION_STATUS = {
    "other": "01",
    "on_order": "02",
    "available": "03",
    "charged": "04",
    "charged_not_recallable": "05",
    "in_process": "06",
    "recalled": "07",
    "waiting_on_hold_shelf": "08",
    "waiting_to_be_reshelved": "09",
    "in_transit": "10",
    "claimed_returned": "11",
    "lost": "12",
    "missing": "13",
}
