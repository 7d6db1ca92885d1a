"""State changes the sip2 app owns: kiosk login, its checkout trail, offline (no-block) records.

Circulation itself (checkout, check-in, renewal, payment) is done by the circulation services,
called from ``handlers`` exactly as the staff desk calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.models import Loan
from skaitykla.circulation.services.gate import lock_reader
from skaitykla.circulation.services.loans import checkout_item, renew_loan
from skaitykla.core import rate_limit
from skaitykla.core.choices import ActorKind
from skaitykla.core.compiled_writes import insert_row
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit
from skaitykla.patrons.choices import CardState, ReaderStatus
from skaitykla.patrons.models import Card, Reader
from skaitykla.patrons.services import mark_card_lost
from skaitykla.sip2 import selectors
from skaitykla.sip2.choices import NoBlockOutcome
from skaitykla.sip2.errors import (
    AlreadyOnLoanToReaderError,
    ItemNotRecognisedError,
    KioskLoginThrottledError,
)
from skaitykla.sip2.models import KioskAccount, KioskCheckout, NoBlockTransaction

_DUMMY = KioskAccount()
_DUMMY.set_password("not-a-real-kiosk-password")


#: Rate-limit scopes of failed kiosk logins (``core.rate_limit``; names and addresses hashed).
LOGIN_SCOPE = "sip2.login"
LOGIN_ADDRESS_SCOPE = "sip2.login.address"
#: An address may fail this many times the per-name limit, over all names, in one window.
ADDRESS_FACTOR = 4


def authenticate_kiosk(
    *,
    username: str,
    password: str,
    address: str = "",
    failure_limit: int = 20,
    window: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> KioskAccount | None:
    """The active kiosk account for these credentials, or None (same time either way).

    Failures are counted in the database, so they add up across connections and server
    processes: ``failure_limit`` for one account name from ``address`` and ``ADDRESS_FACTOR``
    times as many from ``address`` for any names, per fixed window. Past the first, that name
    from there is refused with ``KioskLoginThrottledError`` until the window ends; past the
    second, every name from there. The right password is refused too, without being checked.
    Each attempt is counted before its password is checked (one atomic statement per counter),
    so attempts racing on other connections cannot all pass the limit; a refused or successful
    attempt is taken back, leaving the failures. Neither the name nor the address is stored. A
    caller without an address (a shell command, a test) is not counted.
    """
    now = now or timezone.now()
    counters = (
        [
            (LOGIN_SCOPE, f"{username}\n{address}", failure_limit),
            (LOGIN_ADDRESS_SCOPE, address, failure_limit * ADDRESS_FACTOR),
        ]
        if address
        else []
    )
    over = [
        rate_limit.hit(scope=scope, key=key, window=window, now=now) > limit
        for scope, key, limit in counters
    ]

    def take_back() -> None:
        for scope, key, _limit in counters:
            rate_limit.release(scope=scope, key=key, window=window, now=now)

    if any(over):
        take_back()
        raise KioskLoginThrottledError(
            _("Too many failed logins. Try again in %(minutes)s minutes.")
            % {"minutes": int(window.total_seconds() // 60)}
        )
    kiosk = selectors.get_kiosk(username=username) if username else None
    if kiosk is None or not kiosk.is_active:
        _DUMMY.check_password(password)
        return None
    if not kiosk.check_password(password):
        return None
    take_back()
    return kiosk


@dataclass(frozen=True)
class KioskCheckoutResult:
    loan: Loan
    renewal: bool
    #: The same checkout this kiosk already made (a resend): nothing was changed.
    repeated: bool


def checkout_at_kiosk(
    *,
    kiosk: KioskAccount,
    card: Card,
    item_barcode: str,
    renewal_allowed: bool,
    retry_minutes: int,
    at: datetime | None = None,
) -> KioskCheckoutResult:
    """Lend the item with ``item_barcode`` to ``card``'s reader through the circulation
    services, safe against resends.

    The reader row is locked first (the circulation services lock it first too), so a resend
    racing the original sees its loan: a checkout this kiosk made for this reader and item in
    the last ``retry_minutes`` is answered again as it was (no second loan, no renewal). An
    item already on loan to the reader otherwise is renewed only if the kiosk allows renewals.
    An unknown barcode raises ``ItemNotRecognisedError``; nothing is written then.
    """
    reader = card.reader
    with transaction.atomic():
        # The circulation lock (FOR NO KEY UPDATE on PostgreSQL), taken again by checkout_item.
        lock_reader(reader.pk)
        target = selectors.kiosk_checkout_target(
            kiosk=kiosk, item_barcode=item_barcode, reader=reader, minutes=retry_minutes
        )
        if target is None:
            raise ItemNotRecognisedError()
        if target.repeated and target.open_loan_id is not None:
            earlier = selectors.loan_for_reply(loan_id=target.open_loan_id)
            return KioskCheckoutResult(earlier, renewal=False, repeated=True)
        if target.open_loan_id is not None and target.open_loan_reader_id == reader.pk:
            if not renewal_allowed:
                raise AlreadyOnLoanToReaderError()
            current = selectors.loan_for_reply(loan_id=target.open_loan_id)
            loan = renew_loan(loan=current, reader=reader, channel=CircChannel.SIP2)
            return KioskCheckoutResult(loan, renewal=True, repeated=False)
        if card.state == CardState.ACTIVE and reader.status != ReaderStatus.ANONYMISED:
            # The card the kiosk's patron check has just read: not read (nor locked) again.
            loan = checkout_item(
                item_barcode=target.barcode,
                card=card,
                library=kiosk.library,
                channel=CircChannel.SIP2,
                at=at,
            )
        else:  # the circulation services refuse it with their own reason
            loan = checkout_item(
                item_barcode=target.barcode,
                card_barcode=card.barcode,
                library=kiosk.library,
                channel=CircChannel.SIP2,
                at=at,
            )
        record_kiosk_checkout(kiosk=kiosk, loan=loan, item_barcode=target.barcode, reader=reader)
    return KioskCheckoutResult(loan, renewal=False, repeated=False)


#: Kiosk account fields staff may set besides the password.
KIOSK_FIELDS = frozenset(
    {
        "location_code",
        "service_point",
        "allow_checkout",
        "allow_checkin",
        "allow_renew",
        "allow_patron_information",
        "allow_fee_paid",
        "allow_block_patron",
        "encoding",
        "error_detection_required",
        "language",
        "is_active",
    }
)


def save_kiosk_account(
    *,
    username: str,
    library: Library,
    password: str | None = None,
    actor_id: object = "",
    **fields: object,
) -> KioskAccount:
    """Create or change a kiosk account (the password only when given); audited, no secrets."""
    return _save_kiosk(username, library, password, actor_id, fields, new=False)


def create_kiosk_account(
    *,
    username: str,
    library: Library,
    password: str | None = None,
    actor_id: object = "",
    **fields: object,
) -> KioskAccount:
    """A new kiosk account: a login name already taken is refused, never changed; the unique
    login name settles a race between two creations."""
    return _save_kiosk(username, library, password, actor_id, fields, new=True)


def _save_kiosk(
    username: str,
    library: Library,
    password: str | None,
    actor_id: object,
    fields: dict[str, object],
    *,
    new: bool,
) -> KioskAccount:
    unknown = set(fields) - KIOSK_FIELDS
    if unknown:
        raise ValueError(f"unknown kiosk fields: {sorted(unknown)}")
    username = username.strip()
    if not username:
        raise DomainError(_("A kiosk account needs a login name."), code="sip2_username")
    taken = DomainError(_("A kiosk account with this login name exists."), code="sip2_taken")
    with transaction.atomic():
        kiosk = KioskAccount.objects.select_for_update().filter(username=username).first()
        if kiosk is not None and new:
            raise taken
        created = kiosk is None
        if kiosk is None:
            if not password:
                raise DomainError(_("A new kiosk account needs a password."), code="sip2_password")
            kiosk = KioskAccount(username=username, library=library)
        kiosk.library = library
        for name, value in fields.items():
            setattr(kiosk, name, value)
        if password:
            kiosk.set_password(password)
        try:
            kiosk.full_clean()
        except ValidationError as error:
            raise DomainError(" ".join(error.messages), code="sip2_invalid") from None
        try:
            with transaction.atomic():
                kiosk.save()
        except IntegrityError:
            raise taken from None
        record_audit(
            actor_kind=ActorKind.STAFF if actor_id else ActorKind.SYSTEM,
            actor_id=actor_id,
            action="sip2.kiosk_created" if created else "sip2.kiosk_changed",
            object_type="sip2.kioskaccount",
            object_id=kiosk.pk,
            library=library,
            detail={"fields": sorted(fields), "password_changed": bool(password)},
        )
    return kiosk


def record_kiosk_checkout(
    *, kiosk: KioskAccount, loan: Loan, item_barcode: str, reader: Reader
) -> KioskCheckout:
    return insert_row(
        KioskCheckout(kiosk=kiosk, loan_id=loan.pk, item_barcode=item_barcode, reader_id=reader.pk)
    )


def record_no_block(
    *,
    kiosk: KioskAccount,
    kind: str,
    item_barcode: str,
    card_barcode: str = "",
    transacted_at: datetime | None = None,
    error_code: str = "",
    error_message: str = "",
) -> NoBlockTransaction:
    """Record an offline kiosk transaction; a refusal becomes an exception for staff."""
    with transaction.atomic():
        entry = NoBlockTransaction.objects.create(
            kiosk=kiosk,
            kind=kind,
            item_barcode=item_barcode[:64],
            card_barcode=card_barcode[:64],
            transacted_at=transacted_at,
            outcome=NoBlockOutcome.EXCEPTION if error_code else NoBlockOutcome.APPLIED,
            error_code=error_code[:60],
            error_message=error_message[:300],
        )
        record_audit(
            actor_kind=ActorKind.KIOSK,
            actor_id=kiosk.pk,
            action="sip2.no_block",
            object_type="sip2.noblocktransaction",
            object_id=entry.pk,
            library=kiosk.library,
            detail={"kind": kind, "outcome": entry.outcome, "code": error_code},
        )
    return entry


def block_card_at_kiosk(*, kiosk: KioskAccount, card: Card) -> Card:
    """SIP2 ``01``: the kiosk asks to block a card (kept by the machine or tampered with)."""
    with transaction.atomic():
        card = mark_card_lost(card=card, actor=card.reader)
        record_audit(
            actor_kind=ActorKind.KIOSK,
            actor_id=kiosk.pk,
            action="sip2.card_blocked",
            object_type="patrons.reader",
            object_id=card.reader_id,
            library=kiosk.library,
            detail={"card_id": card.pk},
        )
    return card


def mark_no_block_reviewed(*, entry: NoBlockTransaction, actor_id: object) -> NoBlockTransaction:
    """Staff reconciled an offline kiosk transaction (its exception is dealt with); once only."""
    with transaction.atomic():
        locked = (
            NoBlockTransaction.objects.select_for_update()
            .select_related("kiosk__library")
            .get(pk=entry.pk)
        )
        if locked.resolved_at is not None:
            return locked
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["resolved_at"])
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=actor_id,
            action="sip2.no_block_reviewed",
            object_type="sip2.noblocktransaction",
            object_id=locked.pk,
            library=locked.kiosk.library,
            detail={"outcome": locked.outcome, "code": locked.error_code},
        )
    return locked
