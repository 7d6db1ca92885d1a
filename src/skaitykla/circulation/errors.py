"""Refusals of the circulation app, each with a stable code and whether staff may override it.

An overridable refusal can be passed by staff who hold ``circulation.override_refusal`` by
naming its code in ``override``; each override writes an audit row.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from skaitykla.core.errors import DomainError, NotFoundError


class CirculationError(DomainError):
    code = "circulation"
    default_message: str | Promise = _("The circulation action was refused.")

    def __init__(self, message: str | Promise | None = None, **params: object) -> None:
        super().__init__(message if message is not None else self.default_message)
        self.params = params


class ReaderNotFoundError(NotFoundError, CirculationError):
    code = "reader_not_found"
    default_message = _("No reader with this card.")


class ItemNotFoundError(NotFoundError, CirculationError):
    code = "item_not_found"
    default_message = _("No item with this barcode.")


class LoanNotFoundError(NotFoundError, CirculationError):
    code = "loan_not_found"
    default_message = _("No such loan.")


class HoldNotFoundError(NotFoundError, CirculationError):
    code = "hold_not_found"
    default_message = _("No such hold.")


class OverrideNotPermittedError(CirculationError):
    code = "override_not_permitted"
    default_message = _("You may not override circulation refusals.")


# --- Reader -------------------------------------------------------------------------------------


class ReaderExpiredError(CirculationError):
    code = "reader_expired"
    default_message = _("The reader's registration has expired.")


class ReaderBlockedError(CirculationError):
    code = "reader_blocked"
    default_message = _("The reader is blocked.")


class ReaderPendingError(CirculationError):
    code = "reader_pending"
    default_message = _("The reader's identity has not been verified yet.")


class CardLostError(CirculationError):
    code = "card_lost"
    default_message = _("This card was reported lost or replaced.")


class LoanLimitError(CirculationError):
    code = "loan_limit"
    overridable = True
    default_message = _("The reader has reached the loan limit.")


class LoanTypeLimitError(CirculationError):
    code = "loan_type_limit"
    overridable = True
    default_message = _("The reader has reached the loan limit for this loan type.")


class LibraryLoanLimitError(CirculationError):
    code = "library_loan_limit"
    overridable = True
    default_message = _("The reader has reached the loan limit at this library.")


class TitleAlreadyOnLoanError(CirculationError):
    code = "title_already_on_loan"
    overridable = True
    default_message = _("The reader already has a copy of this title.")


class OverdueItemsError(CirculationError):
    code = "overdue_items"
    overridable = True
    default_message = _("The reader has too many overdue items.")


class BalanceOverLimitError(CirculationError):
    code = "balance_over_limit"
    overridable = True
    default_message = _("The reader's unpaid fees are over the limit.")


# --- Item ---------------------------------------------------------------------------------------


class ItemWithdrawnError(CirculationError):
    code = "item_withdrawn"
    default_message = _("This item has been withdrawn.")


class ItemLostError(CirculationError):
    code = "item_lost"
    default_message = _("This item is recorded as lost.")


class ItemMissingError(CirculationError):
    code = "item_missing"
    overridable = True
    default_message = _("This item is recorded as missing.")


class ItemReferenceOnlyError(CirculationError):
    code = "item_reference_only"
    overridable = True
    default_message = _("This item is for reference only and is not lent.")


class ItemReadingRoomOnlyError(CirculationError):
    code = "item_reading_room_only"
    overridable = True
    default_message = _("This item may be used only in a reading room.")


class ItemOnLoanError(CirculationError):
    code = "item_on_loan"
    default_message = _("This item is on loan to another reader: check it in first.")


class ItemOnHoldForOtherError(CirculationError):
    code = "item_on_hold_for_other"
    overridable = True
    default_message = _("This item is reserved for another reader.")


class ItemInTransitError(CirculationError):
    code = "item_in_transit"
    overridable = True
    default_message = _("This item is in transit.")


class ItemOrderedError(CirculationError):
    code = "item_ordered"
    default_message = _("This item is ordered to a reading room.")


class ItemNotOnLoanError(CirculationError):
    code = "item_not_on_loan"
    default_message = _("This item is not on loan.")


# --- Renewal ------------------------------------------------------------------------------------


class RenewalLimitError(CirculationError):
    code = "renewal_limit"
    overridable = True
    default_message = _("This loan cannot be renewed again.")


class RenewalTooSoonError(CirculationError):
    code = "renewal_too_soon"
    overridable = True
    default_message = _("It is too early to renew this loan.")


class HoldCannotBeMetError(CirculationError):
    code = "hold_cannot_be_met"
    overridable = True
    default_message = _("Another reader is waiting for this title.")


class ClaimedReturnedError(CirculationError):
    code = "claimed_returned"
    default_message = _("The reader says this item was returned.")


class NotLaterError(CirculationError):
    code = "not_later"
    default_message = _("Renewing would not make the due date later.")


class ReadingRoomLoanError(CirculationError):
    code = "reading_room_loan"
    default_message = _("A reading-room loan cannot be renewed.")


class LoanClosedError(CirculationError):
    code = "loan_closed"
    default_message = _("This loan has already been closed.")


# --- Holds --------------------------------------------------------------------------------------


class HoldLimitError(CirculationError):
    code = "hold_limit"
    overridable = True
    default_message = _("The reader has reached the hold limit.")


class AlreadyOnLoanToReaderError(CirculationError):
    code = "already_on_loan_to_reader"
    default_message = _("The reader already has this title on loan.")


class DuplicateHoldError(CirculationError):
    code = "duplicate_hold"
    default_message = _("The reader has already reserved this title.")


class RecordNotHoldableError(CirculationError):
    code = "record_not_holdable"
    default_message = _("No copy of this title can be reserved.")


class ItemAvailableHereError(CirculationError):
    code = "item_available_here"
    overridable = True
    default_message = _("A copy is on the shelf at the pickup library: take it from the shelf.")


class PickupNotAllowedError(CirculationError):
    code = "pickup_not_allowed"
    default_message = _("Items cannot be picked up at this library.")


class HoldStateError(CirculationError):
    code = "hold_state"
    default_message = _("The hold cannot be changed in its current state.")


class InvalidDateError(CirculationError):
    code = "invalid_date"
    default_message = _("The date is not valid here.")


# --- Fees ---------------------------------------------------------------------------------------


class FeeStateError(CirculationError):
    code = "fee_state"
    default_message = _("This fee has nothing left to pay or waive.")


class InvalidAmountError(CirculationError):
    code = "invalid_amount"
    default_message = _("The amount is not valid.")


class PermissionDeniedError(CirculationError):
    code = "permission_denied"
    default_message = _("You do not have permission for this action.")
