"""SIP2 request → reply. Every circulation action calls the circulation services (the same
functions as the staff desk), so the same rules, refusals and audit apply; a refusal becomes
``ok=0`` with its reason, in the kiosk's language, in the screen message (AF).

Handlers run in a worker thread with a database connection; they never see a line that failed
to parse.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.errors import ItemNotFoundError
from skaitykla.circulation.models import Loan
from skaitykla.circulation.services.fines import pay_fees
from skaitykla.circulation.services.loans import checkin_item, renew_loan
from skaitykla.core.errors import DomainError
from skaitykla.core.timezones import library_zone
from skaitykla.patrons.choices import ReaderStatus
from skaitykla.patrons.errors import InvalidPinError, LoginThrottledError
from skaitykla.patrons.models import Card
from skaitykla.patrons.services import authenticate_reader
from skaitykla.sip2 import selectors, services
from skaitykla.sip2.choices import NoBlockKind
from skaitykla.sip2.codec import Message, Sip2ParseError, format_date, parse_date
from skaitykla.sip2.config import ServerLimits, server_limits
from skaitykla.sip2.errors import (
    AlreadyOnLoanToReaderError,
    ItemNotRecognisedError,
    KioskLoginThrottledError,
)
from skaitykla.sip2.messages import BX_ORDER, CIRCULATION_STATUS, PATRON_STATUS_FLAGS
from skaitykla.sip2.models import KioskAccount
from skaitykla.sip2.selectors import PatronSnapshot
from skaitykla.sip2.session import KioskSession

logger = logging.getLogger(__name__)

CHANNEL = CircChannel.SIP2
#: Messages this server answers (the BX flags of ``98``).
SUPPORTED = frozenset(
    {"23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "29", "65"}
)
#: Largest item list one ``64`` carries when the kiosk gives no BQ.
DEFAULT_PAGE = 50
#: SIP2 language codes: 000 unknown/default, 001 English.
_LANGUAGE_CODES = {"en": "001"}
_CURRENCY = "EUR"
#: Check-in outcomes (circulation's ``CheckinResult.messages``) a person must look at.
_STAFF_ATTENTION = frozenset({"item_withdrawn", "item_found", "item_ordered"})

_ITEM_STATUS_TO_CIRCULATION = {
    ItemStatus.AVAILABLE: "available",
    ItemStatus.ON_SHELF: "available",
    ItemStatus.ON_LOAN: "charged",
    ItemStatus.IN_TRANSIT: "in_transit",
    ItemStatus.ON_HOLD_SHELF: "waiting_on_hold_shelf",
    ItemStatus.ORDERED: "in_process",
    ItemStatus.MISSING: "missing",
    ItemStatus.WITHDRAWN: "other",
    ItemStatus.LOST: "lost",
    ItemStatus.CLAIMED_RETURNED: "claimed_returned",
}


@dataclass
class Context:
    session: KioskSession
    message: Message
    limits: ServerLimits

    @property
    def kiosk(self) -> KioskAccount:
        assert self.session.kiosk is not None
        return self.session.kiosk

    @property
    def institution(self) -> str:
        if self.session.kiosk is not None:
            return self.session.kiosk.institution
        return self.message.get("AO")

    def local(self, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        if self.session.kiosk is None:
            return timezone.localtime(moment)
        return moment.astimezone(library_zone(self.kiosk.library))

    def now_field(self) -> str:
        return format_date(self.local(timezone.now()))

    def kiosk_time(self, name: str) -> datetime | None:
        """A date the kiosk sent, made aware in its library's zone (None if blank)."""
        try:
            naive = parse_date(self.message.fixed.get(name, ""))
        except Sip2ParseError:
            return None
        if naive is None:
            return None
        if self.message.fixed.get(name, "")[8:12].strip() == "Z":
            return naive.replace(tzinfo=UTC)
        return timezone.make_aware(naive, library_zone(self.kiosk.library))


def dispatch(
    session: KioskSession, message: Message, *, limits: ServerLimits | None = None
) -> Message:
    handler = _HANDLERS.get(message.command)
    context = Context(session=session, message=message, limits=limits or server_limits())
    language = session.kiosk.language if session.kiosk is not None else "lt"
    with translation.override(language):
        if handler is None:
            return _negative(context, _("This request is not supported here."))
        return handler(context)


def failure_reply(session: KioskSession, message: Message) -> Message:
    """The negative reply to ``message`` after an unexpected error (nothing was changed)."""
    context = Context(session=session, message=message, limits=server_limits())
    language = session.kiosk.language if session.kiosk is not None else "lt"
    with translation.override(language):
        return _negative(context, _("The library system could not do this. Please ask staff."))


# --- Small builders ---------------------------------------------------------------------------


def _yn(value: bool) -> str:
    return "Y" if value else "N"


def _count(value: int) -> str:
    return f"{min(value, 9999):04d}"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _screen(reply: Message, *texts: object) -> Message:
    for text in texts:
        if text:
            reply.add("AF", str(text))
    return reply


def _error_text(error: DomainError) -> str:
    return str(error.message)


def _title(item: Item | None) -> str:
    if item is None:
        return ""
    return item.record.full_title if item.record_id else ""


def _negative(context: Context, text: str) -> Message:
    """The "no" reply for any request, with ``text`` as the screen message."""
    command = context.message.command
    now = context.now_field()
    ao = context.institution
    if command == "93":
        return Message("94", {"ok": "0"})
    if command in ("99", "97"):
        return Message("96")
    if command in ("23", "01", "25"):
        reply_command = "26" if command == "25" else "24"
        reply = Message(
            reply_command,
            {"patron_status": "Y" * 14, "language": "000", "transaction_date": now},
        )
        reply.add("AO", ao).add("AA", context.message.get("AA")).add("AE", "").add("BL", "N")
        return _screen(reply, text)
    if command == "63":
        reply = Message(
            "64",
            {
                "patron_status": "Y" * 14,
                "language": "000",
                "transaction_date": now,
                **{
                    name: "0000"
                    for name in (
                        "hold_items_count",
                        "overdue_items_count",
                        "charged_items_count",
                        "fine_items_count",
                        "recall_items_count",
                        "unavailable_holds_count",
                    )
                },
            },
        )
        reply.add("AO", ao).add("AA", context.message.get("AA")).add("AE", "").add("BL", "N")
        return _screen(reply, text)
    if command in ("11", "29"):
        reply = Message(
            "12" if command == "11" else "30",
            {
                "ok": "0",
                "renewal_ok": "N",
                "magnetic_media": "N",
                "desensitize": "N",
                "transaction_date": now,
            },
        )
        reply.add("AO", ao).add("AA", context.message.get("AA"))
        reply.add("AB", context.message.get("AB")).add("AJ", "").add("AH", "")
        return _screen(reply, text)
    if command == "09":
        reply = Message(
            "10",
            {
                "ok": "0",
                "resensitize": "N",
                "magnetic_media": "N",
                "alert": "N",
                "transaction_date": now,
            },
        )
        reply.add("AO", ao).add("AB", context.message.get("AB")).add("AQ", "")
        return _screen(reply, text)
    if command == "65":
        reply = Message(
            "66",
            {
                "ok": "0",
                "renewed_count": "0000",
                "unrenewed_count": "0000",
                "transaction_date": now,
            },
        )
        reply.add("AO", ao)
        return _screen(reply, text)
    if command == "17":
        reply = Message(
            "18",
            {
                "circulation_status": "01",
                "security_marker": "00",
                "fee_type": "01",
                "transaction_date": now,
            },
        )
        reply.add("AB", context.message.get("AB")).add("AJ", "")
        return _screen(reply, text)
    if command == "35":
        reply = Message("36", {"end_session": "N", "transaction_date": now})
        reply.add("AO", ao).add("AA", context.message.get("AA"))
        return _screen(reply, text)
    if command == "37":
        reply = Message("38", {"payment_accepted": "N", "transaction_date": now})
        reply.add("AO", ao).add("AA", context.message.get("AA"))
        return _screen(reply, text)
    if command == "19":
        reply = Message("20", {"item_properties_ok": "0", "transaction_date": now})
        reply.add("AB", context.message.get("AB"))
        return _screen(reply, text)
    if command == "15":
        reply = Message("16", {"ok": "0", "available": "N", "transaction_date": now})
        reply.add("AO", ao).add("AA", context.message.get("AA"))
        return _screen(reply, text)
    return Message("96")


# --- Patrons ------------------------------------------------------------------------------------


@dataclass
class PatronCheck:
    card: Card | None
    #: None: no PIN sent; True/False: the PIN was right/wrong.
    pin_ok: bool | None
    refusal: str = ""

    @property
    def usable(self) -> bool:
        return self.card is not None and self.pin_ok is not False


def _check_patron(context: Context) -> PatronCheck:
    card_number = context.message.get("AA").strip()
    card = selectors.get_card(barcode=card_number) if card_number else None
    if card is None:
        return PatronCheck(None, None, _("This card is not recognised."))
    if not context.message.has("AD"):
        return PatronCheck(card, None)
    pin = context.message.get("AD")
    # Kiosks resend the PIN with every message of a patron's visit: check it once (hashing,
    # throttling and the audit row are the patrons service's), then trust this session.
    if context.session.patron_verified(card.barcode, pin):
        return PatronCheck(card, True)
    try:
        authenticate_reader(card_number=card_number, pin=pin)
    except LoginThrottledError as error:
        context.session.forget_patron()
        return PatronCheck(card, False, _error_text(error))
    except InvalidPinError:
        context.session.forget_patron()
        return PatronCheck(card, False, _("The card number or PIN is not right."))
    context.session.remember_patron(card.barcode, pin)
    return PatronCheck(card, True)


def _name(snapshot: PatronSnapshot) -> str:
    reader = snapshot.reader
    if reader.status == ReaderStatus.ANONYMISED:
        return ""
    return f"{reader.first_name} {reader.last_name}"


def _patron_status(snapshot: PatronSnapshot) -> str:
    flags = {
        "charge_privileges_denied": snapshot.charge_denied,
        "renewal_privileges_denied": snapshot.renewal_denied,
        "recall_privileges_denied": snapshot.hold_denied,
        "hold_privileges_denied": snapshot.hold_denied,
        "card_reported_lost": snapshot.card_lost,
        "too_many_items_charged": snapshot.too_many_charged,
        "too_many_items_overdue": snapshot.too_many_overdue,
        "excessive_outstanding_fines": snapshot.excessive_fines,
        "excessive_outstanding_fees": snapshot.excessive_fines,
    }
    return "".join("Y" if flags.get(name) else " " for name in PATRON_STATUS_FLAGS)


def _patron_screen_messages(snapshot: PatronSnapshot) -> list[str]:
    texts: list[str] = []
    if snapshot.card_lost:
        texts.append(_("This card has been reported lost."))
    elif not snapshot.valid:
        texts.append(_("This card cannot be used. Please ask staff."))
    elif snapshot.blocks_loans or snapshot.reader.status != ReaderStatus.ACTIVE:
        texts.append(_("Your account is blocked. Please ask staff."))
    if snapshot.too_many_charged:
        texts.append(_("You have reached your loan limit."))
    if snapshot.too_many_overdue:
        texts.append(_("You have too many overdue items."))
    if snapshot.excessive_fines:
        texts.append(_("Please pay your outstanding fees first."))
    return texts


def _language_code(context: Context) -> str:
    if context.session.kiosk is None:
        return "000"
    return _LANGUAGE_CODES.get(context.kiosk.language, "000")


def _patron_status_reply(context: Context, check: PatronCheck, command: str = "24") -> Message:
    now = context.now_field()
    if check.card is None:
        return _negative(context, check.refusal)
    snapshot = selectors.patron_snapshot(
        card=check.card, library=context.kiosk.library, with_items=False
    )
    reply = Message(
        command,
        {
            "patron_status": _patron_status(snapshot),
            "language": _language_code(context),
            "transaction_date": now,
        },
    )
    reply.add("AO", context.institution).add("AA", context.message.get("AA"))
    reply.add("AE", _name(snapshot) if check.pin_ok is not False else "")
    reply.add("BL", _yn(snapshot.valid))
    if check.pin_ok is not None:
        reply.add("CQ", _yn(check.pin_ok))
    reply.add("BH", _CURRENCY).add("BV", _money(snapshot.balance))
    _screen(reply, check.refusal, *_patron_screen_messages(snapshot))
    return reply


def handle_patron_status(context: Context) -> Message:
    return _patron_status_reply(context, _check_patron(context))


def _page(context: Context, total: int) -> tuple[int, int]:
    """0-based slice bounds from BP/BQ (1-based, inclusive)."""
    try:
        start = max(int(context.message.get("BP") or 1), 1)
    except ValueError:
        start = 1
    try:
        end = int(context.message.get("BQ") or start + DEFAULT_PAGE - 1)
    except ValueError:
        end = start + DEFAULT_PAGE - 1
    end = min(max(end, start), start + DEFAULT_PAGE * 4 - 1, total)
    return start - 1, end


def handle_patron_information(context: Context) -> Message:
    kiosk = context.kiosk
    if not kiosk.allow_patron_information:
        return _negative(context, _("This kiosk cannot show patron information."))
    check = _check_patron(context)
    if check.card is None:
        return _negative(context, check.refusal)
    snapshot = selectors.patron_snapshot(card=check.card, library=kiosk.library)
    disclose = check.pin_ok is not False
    reply = Message(
        "64",
        {
            "patron_status": _patron_status(snapshot),
            "language": _language_code(context),
            "transaction_date": context.now_field(),
            "hold_items_count": _count(len(snapshot.holds_ready)),
            "overdue_items_count": _count(len(snapshot.overdue)),
            "charged_items_count": _count(len(snapshot.charged)),
            "fine_items_count": _count(len(snapshot.fees)),
            "recall_items_count": _count(0),
            "unavailable_holds_count": _count(len(snapshot.holds_waiting)),
        },
    )
    reply.add("AO", context.institution).add("AA", context.message.get("AA"))
    reply.add("AE", _name(snapshot) if disclose else "")
    if snapshot.loan_limit is not None:
        reply.add("CB", _count(snapshot.loan_limit))
    if snapshot.max_overdue is not None:
        reply.add("CA", _count(snapshot.max_overdue))
    reply.add("BL", _yn(snapshot.valid))
    if check.pin_ok is not None:
        reply.add("CQ", _yn(check.pin_ok))
    reply.add("BH", _CURRENCY).add("BV", _money(snapshot.balance))
    if snapshot.max_balance is not None:
        reply.add("CC", _money(snapshot.max_balance))
    if disclose:
        summary = context.message.fixed.get("summary", "")
        selected = summary.find("Y")
        lists: dict[int, tuple[str, list[str]]] = {
            0: ("AS", [hold.record.title for hold in snapshot.holds_ready]),
            1: ("AT", [loan.item.barcode for loan in snapshot.overdue]),
            2: ("AU", [loan.item.barcode for loan in snapshot.charged]),
            3: (
                "AV",
                [f"{_money(fee.outstanding)} {fee.get_kind_display()}" for fee in snapshot.fees],
            ),
            4: ("BU", []),
            5: ("CD", [hold.record.title for hold in snapshot.holds_waiting]),
        }
        if selected in lists:
            code, values = lists[selected]
            start, end = _page(context, len(values))
            for value in values[start:end]:
                reply.add(code, value)
    _screen(reply, check.refusal, *_patron_screen_messages(snapshot))
    return reply


def handle_end_session(context: Context) -> Message:
    context.session.forget_patron()
    reply = Message("36", {"end_session": "Y", "transaction_date": context.now_field()})
    reply.add("AO", context.institution).add("AA", context.message.get("AA"))
    return reply


def handle_block_patron(context: Context) -> Message:
    kiosk = context.kiosk
    if not kiosk.allow_block_patron:
        return _negative(context, _("This kiosk cannot block cards."))
    card = selectors.get_card(barcode=context.message.get("AA").strip())
    if card is None:
        return _negative(context, _("This card is not recognised."))
    # Already lost or replaced: the card stays unusable either way.
    with contextlib.suppress(DomainError):
        services.block_card_at_kiosk(kiosk=kiosk, card=card)
    card.refresh_from_db()
    return _patron_status_reply(context, PatronCheck(card, None))


# --- Items --------------------------------------------------------------------------------------


def handle_item_information(context: Context) -> Message:
    item = selectors.item_information(barcode=context.message.get("AB"))
    if item is None:
        return _negative(context, _("This item is not recognised."))
    status_key = _ITEM_STATUS_TO_CIRCULATION.get(ItemStatus(item.status), "other")
    if item.due_at is not None:
        status_key = "charged"
    reply = Message(
        "18",
        {
            "circulation_status": CIRCULATION_STATUS[status_key],
            "security_marker": "00",
            "fee_type": "01",
            "transaction_date": context.now_field(),
        },
    )
    reply.add("CF", _count(item.hold_queue))
    if item.due_at is not None:
        reply.add("AH", format_date(context.local(item.due_at)))
    if item.shelf_expires_on is not None:
        reply.add("CM", item.shelf_expires_on.strftime("%Y%m%d") + "    235959")
    reply.add("AB", item.barcode).add("AJ", item.title)
    reply.add("BG", item.library_code).add("AQ", item.library_code)
    reply.add("AP", item.location)
    reply.add("CK", "001")
    return reply


# --- Circulation --------------------------------------------------------------------------------


def _loan_reply(
    context: Context, command: str, loan: Loan, *, renewal: bool, texts: tuple[str, ...] = ()
) -> Message:
    reply = Message(
        command,
        {
            "ok": "1",
            "renewal_ok": _yn(renewal),
            "magnetic_media": "N",
            "desensitize": "Y",
            "transaction_date": context.now_field(),
        },
    )
    reply.add("AO", context.institution).add("AA", context.message.get("AA"))
    reply.add("AB", loan.item.barcode).add("AJ", _title(loan.item))
    reply.add("AH", format_date(context.local(loan.due_at)))
    reply.add("BK", str(loan.pk))
    return _screen(reply, *texts)


def _refusal(context: Context, error: DomainError, item: Item | None) -> Message:
    reply = _negative(context, _error_text(error))
    if item is not None:
        reply.fields = [
            (code, _title(item) if code == "AJ" else value) for code, value in reply.fields
        ]
    return reply


def handle_checkout(context: Context) -> Message:
    kiosk = context.kiosk
    message = context.message
    if not kiosk.allow_checkout:
        return _negative(context, _("This kiosk cannot lend items."))
    no_block = message.fixed.get("no_block") == "Y"
    item_barcode = message.get("AB").strip()
    card_barcode = message.get("AA").strip()
    if no_block:
        return _offline_checkout(context, item_barcode, card_barcode)
    check = _check_patron(context)
    if not check.usable:
        return _negative(context, check.refusal)
    assert check.card is not None
    try:
        result = services.checkout_at_kiosk(
            kiosk=kiosk,
            card=check.card,
            item_barcode=item_barcode,
            renewal_allowed=message.fixed.get("sc_renewal_policy") == "Y" and kiosk.allow_renew,
            retry_minutes=context.limits.retry_window_minutes,
        )
    except ItemNotRecognisedError as error:
        return _negative(context, _error_text(error))
    except DomainError as error:
        return _refusal(context, error, selectors.item_label(barcode=item_barcode))
    return _loan_reply(context, "12", result.loan, renewal=result.renewal)


def _offline_checkout(context: Context, item_barcode: str, card_barcode: str) -> Message:
    """``no block = Y``: the kiosk already lent the item offline. Always "yes"; a refusal by
    the circulation rules is recorded for staff to reconcile."""
    kiosk = context.kiosk
    at = context.kiosk_time("transaction_date")
    if at is not None and at > timezone.now():
        at = None
    item = selectors.get_item(barcode=item_barcode)
    card = selectors.get_card(barcode=card_barcode)
    loan: Loan | None = None
    error_code = error_message = ""
    try:
        if item is None:
            raise DomainError(_("This item is not recognised."), code="item_not_found")
        if card is None:
            raise DomainError(_("This card is not recognised."), code="reader_not_found")
        loan = services.checkout_at_kiosk(
            kiosk=kiosk,
            card=card,
            item_barcode=item.barcode,
            renewal_allowed=False,
            retry_minutes=context.limits.retry_window_minutes,
            at=at,
        ).loan
    except AlreadyOnLoanToReaderError:
        loan = selectors.open_loan_for_item(item=item) if item is not None else None
    except DomainError as error:
        error_code, error_message = error.code, _error_text(error)
    services.record_no_block(
        kiosk=kiosk,
        kind=NoBlockKind.CHECKOUT,
        item_barcode=item_barcode,
        card_barcode=card_barcode,
        transacted_at=at,
        error_code=error_code,
        error_message=error_message,
    )
    if loan is not None:
        return _loan_reply(context, "12", loan, renewal=False)
    reply = Message(
        "12",
        {
            "ok": "1",
            "renewal_ok": "N",
            "magnetic_media": "N",
            "desensitize": "Y",
            "transaction_date": context.now_field(),
        },
    )
    reply.add("AO", context.institution).add("AA", card_barcode).add("AB", item_barcode)
    reply.add("AJ", _title(item)).add("AH", context.message.fixed.get("nb_due_date", "").strip())
    return reply


def _checkin_refusal(
    context: Context,
    error: DomainError,
    item_barcode: str,
    returned_at: datetime | None,
    *,
    no_block: bool,
) -> Message:
    """A refused check-in; with no block = Y (done offline) still "yes", recorded for staff."""
    kiosk = context.kiosk
    known = not isinstance(error, ItemNotRecognisedError)
    item = selectors.item_label(barcode=item_barcode) if known else None
    if not no_block:
        return _refusal(context, error, item)
    services.record_no_block(
        kiosk=kiosk,
        kind=NoBlockKind.CHECKIN,
        item_barcode=item_barcode,
        transacted_at=returned_at,
        error_code=error.code,
        error_message=_error_text(error),
    )
    reply = Message(
        "10",
        {
            "ok": "1",
            "resensitize": "Y",
            "magnetic_media": "N",
            "alert": "N",
            "transaction_date": context.now_field(),
        },
    )
    reply.add("AO", context.institution).add("AB", item_barcode)
    return reply.add("AQ", item.library.code if item else "").add("AJ", _title(item))


def handle_checkin(context: Context) -> Message:
    kiosk = context.kiosk
    message = context.message
    if not kiosk.allow_checkin:
        return _negative(context, _("This kiosk cannot take returns."))
    no_block = message.fixed.get("no_block") == "Y"
    item_barcode = message.get("AB").strip()
    returned_at = context.kiosk_time("return_date") if no_block else None
    if returned_at is not None and returned_at > timezone.now():
        returned_at = None
    backdate_to = (
        returned_at.astimezone(library_zone(kiosk.library)).date() if returned_at else None
    )
    refusal: DomainError | None = None
    try:
        result = checkin_item(
            item_barcode=item_barcode,
            library=kiosk.library,
            channel=CHANNEL,
            backdate_to=backdate_to,
        )
    except ItemNotFoundError:
        refusal = ItemNotRecognisedError()
    except DomainError as error:
        refusal = error
    if refusal is not None:
        return _checkin_refusal(context, refusal, item_barcode, returned_at, no_block=no_block)
    if no_block:
        services.record_no_block(
            kiosk=kiosk,
            kind=NoBlockKind.CHECKIN,
            item_barcode=item_barcode,
            transacted_at=returned_at,
        )
    item = result.item
    hold = result.hold
    in_transit_to = result.in_transit_to
    for_staff = bool(_STAFF_ATTENTION.intersection(result.messages))
    alert = hold is not None or in_transit_to is not None or for_staff
    reply = Message(
        "10",
        {
            "ok": "1",
            "resensitize": _yn(not alert),
            "magnetic_media": "N",
            "alert": _yn(alert),
            "transaction_date": context.now_field(),
        },
    )
    reply.add("AO", context.institution).add("AB", item.barcode)
    reply.add("AQ", item.library.code).add("AJ", _title(item))
    texts: list[str] = []
    if hold is not None:
        pickup = hold.pickup_library
        if pickup is not None and pickup.pk != kiosk.library_id:
            reply.add("CL", "TRANSIT").add("CV", "02")
            texts.append(_("Reserved: send to %(library)s.") % {"library": pickup.code})
        else:
            reply.add("CL", "HOLD").add("CV", "01")
            texts.append(_("Reserved for another reader: put it on the hold shelf."))
    elif in_transit_to is not None:
        reply.add("CL", "TRANSIT").add("CV", "04")
        texts.append(_("Send to %(library)s.") % {"library": in_transit_to.code})
    elif for_staff:
        reply.add("CL", "STAFF").add("CV", "99")
        texts.append(_("Please give this item to staff."))
    if result.fine > 0:
        texts.append(_("An overdue fine of %(amount)s EUR was charged.") % {"amount": result.fine})
    return _screen(reply, *texts)


def handle_renew(context: Context) -> Message:
    kiosk = context.kiosk
    if not kiosk.allow_renew:
        return _negative(context, _("This kiosk cannot renew loans."))
    check = _check_patron(context)
    if not check.usable:
        return _negative(context, check.refusal)
    assert check.card is not None
    reader = check.card.reader
    item = selectors.get_item(barcode=context.message.get("AB"))
    loan = selectors.open_loan_for_item(item=item) if item is not None else None
    if item is None or loan is None or loan.reader_id != reader.pk:
        return _negative(context, _("This item is not on loan to you."))
    try:
        loan = renew_loan(loan=loan, reader=reader, channel=CHANNEL)
    except DomainError as error:
        return _refusal(context, error, item)
    return _loan_reply(context, "30", loan, renewal=True)


def handle_renew_all(context: Context) -> Message:
    kiosk = context.kiosk
    if not kiosk.allow_renew:
        return _negative(context, _("This kiosk cannot renew loans."))
    check = _check_patron(context)
    if not check.usable:
        return _negative(context, check.refusal)
    assert check.card is not None
    reader = check.card.reader
    renewed: list[str] = []
    unrenewed: list[str] = []
    reasons: list[str] = []
    loans = Loan.objects.select_related("item").filter(reader=reader, returned_at__isnull=True)
    for loan in loans.order_by("due_at", "id"):
        try:
            renew_loan(loan=loan, reader=reader, channel=CHANNEL)
        except DomainError as error:
            unrenewed.append(loan.item.barcode)
            reasons.append(f"{loan.item.barcode}: {_error_text(error)}")
        else:
            renewed.append(loan.item.barcode)
    reply = Message(
        "66",
        {
            "ok": "1",
            "renewed_count": _count(len(renewed)),
            "unrenewed_count": _count(len(unrenewed)),
            "transaction_date": context.now_field(),
        },
    )
    reply.add("AO", context.institution)
    for barcode in renewed:
        reply.add("BM", barcode)
    for barcode in unrenewed:
        reply.add("BN", barcode)
    return _screen(reply, *reasons[:5])


def handle_fee_paid(context: Context) -> Message:
    kiosk = context.kiosk
    if not kiosk.allow_fee_paid:
        return _negative(context, _("This kiosk cannot take payments."))
    check = _check_patron(context)
    if not check.usable:
        return _negative(context, check.refusal)
    assert check.card is not None
    try:
        amount = Decimal(context.message.get("BV").strip())
    except InvalidOperation:
        return _negative(context, _("The amount is not valid."))
    if amount <= 0:
        return _negative(context, _("The amount is not valid."))
    try:
        # The kiosk's payment unit took the money: a self-service payment (no staff member).
        pay_fees(
            reader=check.card.reader,
            amount=amount,
            staff=None,
            library=context.kiosk.library,
            channel=CHANNEL,
        )
    except DomainError as error:
        return _negative(context, _error_text(error))
    reply = Message("38", {"payment_accepted": "Y", "transaction_date": context.now_field()})
    reply.add("AO", context.institution).add("AA", context.message.get("AA"))
    if context.message.get("BK"):
        reply.add("BK", context.message.get("BK"))
    return reply


# --- Session ------------------------------------------------------------------------------------


def handle_login(context: Context) -> Message:
    try:
        kiosk = services.authenticate_kiosk(
            username=context.message.get("CN"),
            password=context.message.get("CO"),
            address=context.session.address,
            failure_limit=context.limits.login_failure_limit,
            window=timedelta(minutes=context.limits.login_window_minutes),
        )
    except KioskLoginThrottledError:
        logger.warning("SIP2 session %s: login refused, too many failures", context.session.peer)
        kiosk = None
    if kiosk is None:
        context.session.failed_logins += 1
        context.session.logout()
        return Message("94", {"ok": "0"})
    context.session.login(kiosk)
    return Message("94", {"ok": "1"})


def handle_sc_status(context: Context) -> Message:
    kiosk = context.session.kiosk
    supported = set(SUPPORTED)
    if kiosk is not None:
        for command, action in (
            ("11", "checkout"),
            ("09", "checkin"),
            ("29", "renew"),
            ("65", "renew"),
            ("63", "patron_information"),
            ("37", "fee_paid"),
            ("01", "block_patron"),
        ):
            if not kiosk.allows(action):
                supported.discard(command)
    timeout_tenths = min(int(context.limits.idle_timeout * 10), 999)
    reply = Message(
        "98",
        {
            "online_status": "Y",
            "checkin_ok": _yn(kiosk is not None and kiosk.allow_checkin),
            "checkout_ok": _yn(kiosk is not None and kiosk.allow_checkout),
            "acs_renewal_policy": _yn(kiosk is not None and kiosk.allow_renew),
            "status_update_ok": "N",
            "offline_ok": "Y",
            "timeout_period": f"{timeout_tenths:03d}",
            "retries_allowed": "003",
            "date_time_sync": context.now_field(),
            "protocol_version": "2.00",
        },
    )
    reply.add("AO", context.institution)
    if kiosk is not None:
        reply.add("AM", kiosk.library.name)
    reply.add("BX", "".join(_yn(command in supported) for command in BX_ORDER))
    if kiosk is not None:
        reply.add("AN", kiosk.location_code or kiosk.username)
    return reply


_HANDLERS: dict[str, Callable[[Context], Message]] = {
    "93": handle_login,
    "99": handle_sc_status,
    "23": handle_patron_status,
    "63": handle_patron_information,
    "11": handle_checkout,
    "09": handle_checkin,
    "29": handle_renew,
    "65": handle_renew_all,
    "17": handle_item_information,
    "35": handle_end_session,
    "37": handle_fee_paid,
    "01": handle_block_patron,
}
