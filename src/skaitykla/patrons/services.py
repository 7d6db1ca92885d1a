"""Every state change of the patrons app: one keyword-only function per use case.

Each function owns its transaction, its locks, its audit row (no personal values: who did what
to which reader id) and its statistics fact (de-identified). Refusals raise ``DomainError``
subclasses from ``patrons.errors``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from skaitykla.accounts.models import User
from skaitykla.core.choices import ActorKind, Channel
from skaitykla.core.models import Library, ReadingRoom
from skaitykla.core.services import record_audit, record_service_event
from skaitykla.patrons import data_rights, selectors
from skaitykla.patrons.choices import (
    CardState,
    ConsentKind,
    DocumentType,
    LoanHistoryChoice,
    ReaderStatus,
    RegistrationChannel,
    VisitOutcome,
)
from skaitykla.patrons.errors import (
    BlockError,
    CardStateError,
    ConsentError,
    DuplicateCardError,
    ErasureRefusedError,
    GuardianRequiredError,
    InvalidBirthDateError,
    InvalidCardNumberError,
    InvalidGuardianError,
    InvalidPinError,
    LoginThrottledError,
    ReaderStateError,
    RetentionCapExceededError,
)
from skaitykla.patrons.models import (
    Block,
    Card,
    Consent,
    IdentityVerification,
    Reader,
    ReaderCategory,
    ReaderLoginFailure,
    ReaderPolicy,
    RoomPermission,
    Visit,
    age_on,
)
from skaitykla.patrons.normalisation import normalise_barcode, search_keys
from skaitykla.patrons.obligations import open_obligations

logger = logging.getLogger(__name__)

OBJECT_TYPE = "patrons.reader"
Actor = User | Reader | None
#: Oldest plausible reader (years); an older birth date is a typing error.
MAX_AGE_YEARS = 130
MAX_BARCODE_LENGTH = 40


# --- Small shared pieces ---------------------------------------------------------------------


def _audit(
    action: str,
    *,
    reader: Reader,
    actor: Actor,
    library: Library | None = None,
    **detail: object,
) -> None:
    actor_id: object
    if isinstance(actor, User):
        kind, actor_id = ActorKind.STAFF, actor.pk
    elif isinstance(actor, Reader):
        kind, actor_id = ActorKind.READER, actor.pk
    else:
        kind, actor_id = ActorKind.SYSTEM, ""
    record_audit(
        actor_kind=kind,
        actor_id=actor_id,
        action=f"patrons.{action}",
        object_type=OBJECT_TYPE,
        object_id=reader.pk,
        library=library or reader.home_library,
        detail=dict(detail),
    )


def _refuse_other_fields(fields: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = set(fields).difference(allowed)
    if unknown:
        raise ReaderStateError(_("These fields cannot be changed here."), fields=sorted(unknown))


def _staff(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _lock_reader(reader_id: int) -> Reader:
    """Re-read the reader under a row lock (PostgreSQL; SQLite holds the write lock already).

    The reader is locked before any of its rows (cards, blocks, consents), in every service,
    so two services never wait on each other in opposite orders."""
    return (
        Reader.objects.select_for_update(of=("self",))
        .select_related("category", "home_library")
        .get(pk=reader_id)
    )


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_birth_date(birth_date: date | None, today: date) -> None:
    """Refuse a birth date in the future or more than ``MAX_AGE_YEARS`` ago."""
    if birth_date is None:
        return
    if birth_date > today:
        raise InvalidBirthDateError(_("The birth date cannot be in the future."))
    if birth_date < add_years(today, -MAX_AGE_YEARS):
        raise InvalidBirthDateError(_("Please check the birth date."))


def _check_guardian(
    *,
    birth_date: date | None,
    guardian: Reader | None,
    guardian_consent: bool,
    today: date,
    policy: ReaderPolicy,
) -> bool:
    """Apply the minors rule; returns whether the reader is a minor needing a guardian."""
    age = age_on(birth_date, today)
    is_minor = age is not None and age < policy.guardian_required_under_age
    if not is_minor:
        return False
    if guardian is None:
        raise GuardianRequiredError(
            _("A reader under %(age)s needs a guardian who is a registered reader.")
            % {"age": policy.guardian_required_under_age}
        )
    if guardian.status != ReaderStatus.ACTIVE:
        raise InvalidGuardianError(_("The guardian must be an active reader."))
    guardian_age = guardian.age_on(today)
    if guardian_age is not None and guardian_age < 18:
        raise InvalidGuardianError(_("The guardian must be an adult."))
    if not guardian_consent:
        raise GuardianRequiredError(_("The guardian's consent is required."))
    return True


def check_pin_strength(pin: str) -> None:
    """A PIN of 4–12 digits, or a password of at least 8 characters."""
    if pin.isdigit() and 4 <= len(pin) <= 12:
        return
    if not pin.isdigit() and 8 <= len(pin) <= 128:
        return
    raise InvalidPinError(
        _("Choose a PIN of 4 to 12 digits or a password of at least 8 characters.")
    )


def _card_valid_until(category: ReaderCategory, issued_on: date) -> date | None:
    if category.card_validity_years is None:
        return None
    return add_years(issued_on, category.card_validity_years)


def _create_card(
    *, reader: Reader, barcode: str, actor: Actor, library: Library, today: date
) -> Card:
    normalised = normalise_barcode(barcode)
    if not normalised:
        raise InvalidCardNumberError(_("Enter a card number."))
    if len(normalised) > MAX_BARCODE_LENGTH:
        raise InvalidCardNumberError(_("The card number is too long."))
    if Card.objects.filter(barcode=normalised).exists():
        raise DuplicateCardError(_("This card number is already in use."))
    try:
        with transaction.atomic():
            return Card.objects.create(
                reader=reader,
                barcode=normalised,
                state=CardState.ACTIVE,
                issued_on=today,
                valid_until=_card_valid_until(reader.category, today),
                issued_by=_staff(actor),
                library=library,
            )
    except IntegrityError as error:
        # Lost the race: another transaction took the number (or the reader got a card).
        raise DuplicateCardError(_("This card number is already in use.")) from error


def _consent(reader: Reader, kind: str, value: str) -> Consent:
    Consent.objects.filter(reader=reader, kind=kind, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    return Consent.objects.create(reader=reader, kind=kind, value=value)


def _guardian_by_card(card_number: str) -> Reader:
    """The guardian named by a card number: it must be someone's active card."""
    card = selectors.get_card(barcode=card_number)
    if card is None or card.state != CardState.ACTIVE:
        raise InvalidGuardianError(_("No active reader has this card number."))
    return card.reader


def _set_search_keys(reader: Reader) -> None:
    for name, key in search_keys(reader.first_name, reader.last_name, reader.email).items():
        setattr(reader, name, key)


# --- Registration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderData:
    """The fields a reader record is created from (the form or API has validated their shape)."""

    first_name: str
    last_name: str
    birth_date: date | None
    email: str = ""
    phone: str = ""
    address: str = ""
    personal_code: str = ""
    preferred_language: str = "lt"


def _new_reader(
    *,
    data: ReaderData,
    category: ReaderCategory,
    home_library: Library,
    channel: str,
    status: str,
    guardian: Reader | None,
    guardian_consent: bool,
    pin: str,
    privacy_policy_accepted: bool,
    marketing_email: bool,
    loan_history: str,
    today: date,
) -> Reader:
    if not data.first_name.strip() or not data.last_name.strip():
        raise ReaderStateError(_("First name and last name are required."))
    check_birth_date(data.birth_date, today)
    policy = selectors.get_policy()
    is_minor = _check_guardian(
        birth_date=data.birth_date,
        guardian=guardian,
        guardian_consent=guardian_consent,
        today=today,
        policy=policy,
    )
    if not privacy_policy_accepted:
        raise ConsentError(_("The privacy policy must be accepted to register."))
    if pin:
        check_pin_strength(pin)
    if loan_history not in LoanHistoryChoice.values:
        raise ConsentError(_("Unknown loan history choice."))
    reader = Reader(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        birth_date=data.birth_date,
        personal_code=data.personal_code.strip(),
        email=data.email.strip(),
        phone=data.phone.strip(),
        address=data.address.strip(),
        preferred_language=data.preferred_language,
        category=category,
        home_library=home_library,
        status=status,
        registration_channel=channel,
        guardian=guardian if is_minor else None,
        guardian_consent_at=timezone.now() if is_minor else None,
        loan_history=loan_history,
        loan_history_days=policy.loan_history_days,
        pin_hash=make_password(pin) if pin else "",
    )
    _set_search_keys(reader)
    reader.save()
    _consent(reader, ConsentKind.PRIVACY_POLICY, policy.privacy_policy_version)
    _consent(reader, ConsentKind.LOAN_HISTORY, loan_history)
    if marketing_email:
        _consent(reader, ConsentKind.MARKETING_EMAIL, "yes")
    if is_minor and guardian is not None:
        _consent(reader, ConsentKind.GUARDIAN, str(guardian.pk))
    return reader


def register_reader(
    *,
    actor: User,
    data: ReaderData,
    category: ReaderCategory,
    library: Library,
    document_type: str,
    card_barcode: str,
    pin: str = "",
    guardian: Reader | None = None,
    guardian_card: str = "",
    guardian_consent: bool = False,
    privacy_policy_accepted: bool = True,
    marketing_email: bool = False,
    loan_history: str = LoanHistoryChoice.ANONYMISE_AFTER,
    channel: str = RegistrationChannel.DESK,
) -> Reader:
    """Register a reader at the desk: identity seen, card issued, the reader is active.

    The guardian is given as a reader or by their card number (``guardian_card``, as typed at
    the desk). ``channel`` is "desk", or "network" for a reader who brings a network (LIBIS)
    card from another library: the same card number is then registered here."""
    if document_type not in DocumentType.values:
        raise ReaderStateError(_("Choose the identity document that was shown."))
    if channel not in (RegistrationChannel.DESK, RegistrationChannel.NETWORK):
        raise ReaderStateError(_("Unknown registration channel."))
    if guardian_card:
        guardian = _guardian_by_card(guardian_card)
    today = selectors.library_today(library)
    with transaction.atomic():
        reader = _new_reader(
            data=data,
            category=category,
            home_library=library,
            channel=channel,
            status=ReaderStatus.ACTIVE,
            guardian=guardian,
            guardian_consent=guardian_consent,
            pin=pin,
            privacy_policy_accepted=privacy_policy_accepted,
            marketing_email=marketing_email,
            loan_history=loan_history,
            today=today,
        )
        IdentityVerification.objects.create(
            reader=reader, document_type=document_type, verified_by=actor, library=library
        )
        card = _create_card(
            reader=reader, barcode=card_barcode, actor=actor, library=library, today=today
        )
        _audit(
            "reader.registered",
            reader=reader,
            actor=actor,
            library=library,
            channel=channel,
            card_id=card.pk,
        )
        record_service_event(
            kind="registration",
            library=library,
            channel=Channel.IN_PERSON,
            reader_category=category.code,
            age_band=selectors.age_band(reader.age_on(today)),
        )
    return reader


def preregister_reader(
    *,
    data: ReaderData,
    library: Library,
    pin: str,
    category: ReaderCategory | None = None,
    guardian_card: str = "",
    guardian_consent: bool = False,
    privacy_policy_accepted: bool = False,
    marketing_email: bool = False,
    loan_history: str = LoanHistoryChoice.ANONYMISE_AFTER,
) -> Reader:
    """Online pre-registration: a pending record until a librarian verifies the identity."""
    category = category or selectors.default_category()
    if category is None:
        raise ReaderStateError(_("Online registration is not open."))
    if not pin:
        raise InvalidPinError(_("Choose a PIN."))
    guardian = _guardian_by_card(guardian_card) if guardian_card else None
    today = selectors.library_today(library)
    with transaction.atomic():
        reader = _new_reader(
            data=data,
            category=category,
            home_library=library,
            channel=RegistrationChannel.ONLINE,
            status=ReaderStatus.PENDING,
            guardian=guardian,
            guardian_consent=guardian_consent,
            pin=pin,
            privacy_policy_accepted=privacy_policy_accepted,
            marketing_email=marketing_email,
            loan_history=loan_history,
            today=today,
        )
        _audit("reader.preregistered", reader=reader, actor=None, library=library)
    return reader


def verify_reader(
    *,
    reader: Reader,
    actor: User,
    library: Library,
    document_type: str,
    card_barcode: str,
) -> Card:
    """Verify a pending reader's identity at the desk and issue the first card."""
    if document_type not in DocumentType.values:
        raise ReaderStateError(_("Choose the identity document that was shown."))
    today = selectors.library_today(library)
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        if reader.status != ReaderStatus.PENDING:
            raise ReaderStateError(_("Only a pending registration can be verified."))
        IdentityVerification.objects.create(
            reader=reader, document_type=document_type, verified_by=actor, library=library
        )
        card = _create_card(
            reader=reader, barcode=card_barcode, actor=actor, library=library, today=today
        )
        reader.status = ReaderStatus.ACTIVE
        reader.save(update_fields=["status", "updated_at"])
        _audit("reader.verified", reader=reader, actor=actor, library=library, card_id=card.pk)
        record_service_event(
            kind="registration",
            library=library,
            channel=Channel.WEB,
            reader_category=reader.category.code,
            age_band=selectors.age_band(reader.age_on(today)),
        )
    return card


def record_identity_check(
    *, reader: Reader, actor: User, library: Library, document_type: str
) -> IdentityVerification:
    """Record that staff saw an identity document again (e.g. at renewal)."""
    if document_type not in DocumentType.values:
        raise ReaderStateError(_("Choose the identity document that was shown."))
    with transaction.atomic():
        verification = IdentityVerification.objects.create(
            reader=reader, document_type=document_type, verified_by=actor, library=library
        )
        _audit("reader.identity_checked", reader=reader, actor=actor, library=library)
    return verification


#: Fields staff may change with ``update_reader``; a reader changes only ``READER_EDITABLE``.
STAFF_EDITABLE = frozenset(
    {
        "first_name",
        "last_name",
        "birth_date",
        "personal_code",
        "email",
        "phone",
        "address",
        "preferred_language",
        "category",
        "home_library",
        "protected",
    }
)
READER_EDITABLE = frozenset({"email", "phone", "address", "preferred_language"})


def update_reader(*, reader: Reader, actor: User | Reader, **changes: Any) -> Reader:
    """Change a reader's record; the audit row names the changed fields, never their values."""
    _refuse_other_fields(changes, READER_EDITABLE if isinstance(actor, Reader) else STAFF_EDITABLE)
    if isinstance(actor, Reader) and actor.pk != reader.pk:
        raise ReaderStateError(_("These fields cannot be changed here."))
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        if reader.status == ReaderStatus.ANONYMISED:
            raise ReaderStateError(_("This record has been anonymised."))
        today = selectors.library_today(reader.home_library)
        if "birth_date" in changes:
            check_birth_date(changes["birth_date"], today)
            _check_guardian(
                birth_date=changes["birth_date"],
                guardian=reader.guardian,
                guardian_consent=reader.guardian_consent_at is not None,
                today=today,
                policy=selectors.get_policy(),
            )
        changed = []
        for name, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
            if getattr(reader, name) != value:
                setattr(reader, name, value)
                changed.append(name)
        if not changed:
            return reader
        _set_search_keys(reader)
        reader.save(update_fields=[*changed, "name_key", "name_key_alt", "email_key", "updated_at"])
        _audit("reader.updated", reader=reader, actor=actor, fields=sorted(changed))
    return reader


# --- Cards -----------------------------------------------------------------------------------


def issue_card(*, reader: Reader, actor: User, library: Library, barcode: str) -> Card:
    """Issue a card to a reader who has no active card (e.g. after a lost one)."""
    today = selectors.library_today(library)
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        if reader.status in (ReaderStatus.PENDING, ReaderStatus.ANONYMISED):
            raise ReaderStateError(_("Verify the reader's identity first."))
        if Card.objects.filter(reader=reader, state=CardState.ACTIVE).exists():
            raise CardStateError(_("The reader already has an active card: replace it instead."))
        card = _create_card(
            reader=reader, barcode=barcode, actor=actor, library=library, today=today
        )
        if reader.status == ReaderStatus.EXPIRED:
            reader.status = ReaderStatus.ACTIVE
            reader.save(update_fields=["status", "updated_at"])
        _audit("card.issued", reader=reader, actor=actor, library=library, card_id=card.pk)
    return card


def replace_card(
    *, reader: Reader, actor: User, library: Library, barcode: str, lost: bool = False
) -> Card:
    """Replace the active card by a new number; the old one becomes lost or replaced."""
    today = selectors.library_today(library)
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        old = Card.objects.select_for_update().filter(reader=reader, state=CardState.ACTIVE).first()
        if old is None:
            raise CardStateError(_("The reader has no active card to replace."))
        old.state = CardState.LOST if lost else CardState.REPLACED
        old.save(update_fields=["state"])
        card = _create_card(
            reader=reader, barcode=barcode, actor=actor, library=library, today=today
        )
        old.replaced_by = card
        old.save(update_fields=["replaced_by"])
        _audit(
            "card.replaced",
            reader=reader,
            actor=actor,
            library=library,
            card_id=card.pk,
            old_card_id=old.pk,
            old_state=old.state,
        )
    return card


def hand_out_card(
    *, reader: Reader, actor: User, library: Library, barcode: str, lost: bool = False
) -> Card:
    """The desk's card action: issue a card to a reader without an active one, else replace
    the active card (``lost``: the old card was lost). Decided under the reader's lock."""
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        if Card.objects.filter(reader=reader, state=CardState.ACTIVE).exists():
            return replace_card(
                reader=reader, actor=actor, library=library, barcode=barcode, lost=lost
            )
        return issue_card(reader=reader, actor=actor, library=library, barcode=barcode)


def mark_card_lost(*, card: Card, actor: User | Reader) -> Card:
    with transaction.atomic():
        reader = _lock_reader(card.reader_id)
        card = Card.objects.select_for_update().get(pk=card.pk)
        if card.state != CardState.ACTIVE:
            raise CardStateError(_("Only an active card can be reported lost."))
        if isinstance(actor, Reader) and actor.pk != card.reader_id:
            raise CardStateError(_("Only an active card can be reported lost."))
        card.state = CardState.LOST
        card.save(update_fields=["state"])
        _audit("card.lost", reader=reader, actor=actor, card_id=card.pk)
    return card


def renew_card(*, card: Card, actor: User, library: Library) -> Card:
    """Extend an active card by its category's validity, counted from today."""
    today = selectors.library_today(library)
    with transaction.atomic():
        reader = _lock_reader(card.reader_id)
        card = Card.objects.select_for_update().get(pk=card.pk)
        if card.state != CardState.ACTIVE:
            raise CardStateError(_("Only an active card can be renewed."))
        card.valid_until = _card_valid_until(reader.category, today)
        card.save(update_fields=["valid_until"])
        if reader.status == ReaderStatus.EXPIRED:
            reader.status = ReaderStatus.ACTIVE
            reader.save(update_fields=["status", "updated_at"])
        _audit("card.renewed", reader=reader, actor=actor, library=library, card_id=card.pk)
    return card


# --- PIN and login ---------------------------------------------------------------------------


def set_pin(*, reader: Reader, actor: User, pin: str) -> None:
    """Staff set a new PIN (the reader types it at the desk)."""
    check_pin_strength(pin)
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        reader.pin_hash = make_password(pin)
        reader.save(update_fields=["pin_hash", "updated_at"])
        _audit("reader.pin_set", reader=reader, actor=actor)


def change_pin(*, reader: Reader, current_pin: str, new_pin: str) -> None:
    """The reader changes their own PIN; the current one must be right."""
    if not reader.pin_hash or not check_password(current_pin, reader.pin_hash):
        raise InvalidPinError(_("The current PIN is not right."), code="pin_wrong")
    check_pin_strength(new_pin)
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        reader.pin_hash = make_password(new_pin)
        reader.save(update_fields=["pin_hash", "updated_at"])
        _audit("reader.pin_changed", reader=reader, actor=reader)


_CARD_SALT = "skaitykla.patrons.login"
_CLIENT_SALT = "skaitykla.patrons.login.client"


def _throttle_key(value: str, *, salt: str = _CARD_SALT) -> str:
    """A keyed hash of a card number or a client address: neither is ever stored."""
    return salted_hmac(salt, value).hexdigest()[:64]


_DUMMY_HASH: list[str] = []


def _burn_time(pin: str) -> None:
    """Check a PIN against a dummy hash so an unknown card takes as long as a wrong PIN."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(make_password("not-a-real-pin"))
    check_password(pin, _DUMMY_HASH[0])


def authenticate_reader(*, card_number: str, pin: str, ip_address: str | None = None) -> Reader:
    """Check a card number and PIN. Failures are counted in the database (shared by every
    process); too many for one card, or four times as many from one client address, in the
    cool-off window lock that card (or that address) out."""
    policy = selectors.get_policy()
    normalised = normalise_barcode(card_number)
    key = _throttle_key(normalised)
    client_key = _throttle_key(ip_address, salt=_CLIENT_SALT) if ip_address else ""
    recent = ReaderLoginFailure.objects.filter(
        at__gte=timezone.now() - timedelta(minutes=policy.login_cooloff_minutes)
    )
    if recent.filter(key=key).count() >= policy.login_failure_limit or (
        client_key
        and recent.filter(client_key=client_key).count() >= policy.login_failure_limit * 4
    ):
        raise LoginThrottledError(
            _("Too many failed attempts. Try again in %(minutes)s minutes.")
            % {"minutes": policy.login_cooloff_minutes}
        )
    card = selectors.get_card(barcode=normalised) if normalised else None
    reader = card.reader if card is not None and card.state == CardState.ACTIVE else None
    if reader is not None and reader.pin_hash:
        ok = check_password(pin, reader.pin_hash)
    else:
        ok = False
        _burn_time(pin)
    if (
        not ok
        or reader is None
        or reader.status not in (ReaderStatus.ACTIVE, ReaderStatus.EXPIRED, ReaderStatus.BLOCKED)
    ):
        ReaderLoginFailure.objects.create(key=key, client_key=client_key)
        raise InvalidPinError(_("The card number or PIN is not right."))
    with transaction.atomic():
        ReaderLoginFailure.objects.filter(key=key).delete()
        _audit("reader.logged_in", reader=reader, actor=reader)
    return reader


def prune_login_failures(*, now: datetime | None = None) -> int:
    policy = selectors.get_policy()
    cutoff = (now or timezone.now()) - timedelta(minutes=policy.login_cooloff_minutes)
    deleted, _counts = ReaderLoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- Blocks ----------------------------------------------------------------------------------


def place_block(
    *,
    reader: Reader,
    actor: User,
    reason: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    blocks_loans: bool = True,
    blocks_holds: bool = True,
    blocks_renewals: bool = True,
    blocks_room_entry: bool = False,
) -> Block:
    if not reason.strip():
        raise BlockError(_("Give the reason for the block."))
    if not (blocks_loans or blocks_holds or blocks_renewals or blocks_room_entry):
        raise BlockError(_("Choose at least one action the block stops."))
    starts_on = starts_on or selectors.library_today(reader.home_library)
    if ends_on is not None and ends_on < starts_on:
        raise BlockError(_("The block cannot end before it starts."))
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        block = Block.objects.create(
            reader=reader,
            reason=reason.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            blocks_loans=blocks_loans,
            blocks_holds=blocks_holds,
            blocks_renewals=blocks_renewals,
            blocks_room_entry=blocks_room_entry,
            created_by=actor,
        )
        if reader.status == ReaderStatus.ACTIVE:
            reader.status = ReaderStatus.BLOCKED
            reader.save(update_fields=["status", "updated_at"])
        _audit("block.placed", reader=reader, actor=actor, block_id=block.pk)
    return block


def lift_block(*, block: Block, actor: User) -> Block:
    with transaction.atomic():
        reader = _lock_reader(block.reader_id)
        block = Block.objects.select_for_update().get(pk=block.pk)
        if block.lifted_at is not None:
            raise BlockError(_("This block has already been lifted."))
        block.lifted_at = timezone.now()
        block.lifted_by = actor
        block.save(update_fields=["lifted_at", "lifted_by"])
        still_blocked = Block.objects.filter(reader=reader, lifted_at__isnull=True).exists()
        if reader.status == ReaderStatus.BLOCKED and not still_blocked:
            reader.status = ReaderStatus.ACTIVE
            reader.save(update_fields=["status", "updated_at"])
        _audit("block.lifted", reader=reader, actor=actor, block_id=block.pk)
    return block


# --- Consents and privacy choices ------------------------------------------------------------


def give_consent(*, reader: Reader, actor: User | Reader, kind: str, value: str = "yes") -> Consent:
    if kind not in ConsentKind.values or kind == ConsentKind.GUARDIAN:
        raise ConsentError(_("Unknown consent."))
    if kind == ConsentKind.PRIVACY_POLICY:
        value = selectors.get_policy().privacy_policy_version
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        consent = _consent(reader, kind, value)
        _audit("consent.given", reader=reader, actor=actor, kind=kind)
    return consent


def withdraw_consent(*, reader: Reader, actor: User | Reader, kind: str) -> Consent:
    """Record a withdrawal (the row stays, with its time). Withdrawing the privacy policy is a
    request to leave: it records an erasure request too."""
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        consent = (
            Consent.objects.select_for_update()
            .filter(reader=reader, kind=kind, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            raise ConsentError(_("There is no such consent to withdraw."))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        if kind == ConsentKind.PRIVACY_POLICY and reader.erasure_requested_at is None:
            reader.erasure_requested_at = timezone.now()
            reader.save(update_fields=["erasure_requested_at", "updated_at"])
        _audit("consent.withdrawn", reader=reader, actor=actor, kind=kind)
    return consent


def save_privacy_choices(
    *,
    reader: Reader,
    actor: User | Reader,
    marketing_email: bool,
    loan_history: str,
    loan_history_days: int,
) -> Reader:
    """The privacy page in one step: the marketing consent given or withdrawn and the loan
    history choice set, each only when it changed (so only changes leave consent rows)."""
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        marketing = Consent.objects.filter(
            reader=reader, kind=ConsentKind.MARKETING_EMAIL, withdrawn_at__isnull=True
        ).exists()
        if marketing_email and not marketing:
            give_consent(reader=reader, actor=actor, kind=ConsentKind.MARKETING_EMAIL)
        elif marketing and not marketing_email:
            withdraw_consent(reader=reader, actor=actor, kind=ConsentKind.MARKETING_EMAIL)
        if (loan_history, loan_history_days) != (reader.loan_history, reader.loan_history_days):
            reader = set_loan_history_choice(
                reader=reader, actor=actor, choice=loan_history, days=loan_history_days
            )
    return reader


def set_loan_history_choice(
    *, reader: Reader, actor: User | Reader, choice: str, days: int | None = None
) -> Reader:
    if choice not in LoanHistoryChoice.values:
        raise ConsentError(_("Unknown loan history choice."))
    if days is not None and not 1 <= days <= 3650:
        raise ConsentError(_("Choose between 1 and 3650 days."))
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        reader.loan_history = choice
        if days is not None:
            reader.loan_history_days = days
        reader.save(update_fields=["loan_history", "loan_history_days", "updated_at"])
        _consent(reader, ConsentKind.LOAN_HISTORY, choice)
        _audit("consent.loan_history", reader=reader, actor=actor, choice=choice)
    return reader


# --- Reading rooms ---------------------------------------------------------------------------


def set_room_permission(
    *, reader: Reader, room: ReadingRoom, actor: User, allowed: bool, note: str = ""
) -> RoomPermission:
    with transaction.atomic():
        permission, _created = RoomPermission.objects.update_or_create(
            reader=reader,
            room=room,
            defaults={"allowed": allowed, "note": note.strip(), "decided_by": actor},
        )
        _audit(
            "room_permission.set",
            reader=reader,
            actor=actor,
            library=room.library,
            room=room.code,
            allowed=allowed,
        )
    return permission


def _entry_denial(reader: Reader, room: ReadingRoom, today: date, scanned: Card | None) -> str:
    if reader.status in (ReaderStatus.PENDING, ReaderStatus.ANONYMISED):
        return "reader_not_active"
    card = Card.objects.filter(reader=reader, state=CardState.ACTIVE).first()
    if card is None:
        return "no_active_card"
    if scanned is not None and scanned.pk != card.pk:
        return "card_not_active"
    if card.valid_until is not None and card.valid_until < today:
        return "card_expired"
    if selectors.active_blocks(reader=reader, day=today, action="room_entry"):
        return "blocked"
    if room.entry_requires_permission:
        permission = RoomPermission.objects.filter(reader=reader, room=room).first()
        if permission is None or not permission.allowed:
            return "no_permission"
    return ""


DENIAL_MESSAGES = {
    "reader_not_active": _("The reader's registration is not active."),
    "no_active_card": _("The reader has no active card."),
    "card_not_active": _("This card was reported lost or has been replaced."),
    "card_expired": _("The reader's card has expired."),
    "blocked": _("The reader is blocked from entering reading rooms."),
    "no_permission": _("The reader has no permission for this room."),
    "room_full": _("The room is full."),
    "unknown_card": _("Unknown card."),
}


def scan_room_entry(
    *,
    room: ReadingRoom,
    reader: Reader,
    actor: User,
    now: datetime | None = None,
    card: Card | None = None,
) -> Visit:
    """An entry scan at a room desk: records an allowed or denied visit; allowed visits add a
    de-identified "visit" fact. Capacity counts readers inside today (``left_at`` empty).
    ``card`` is the card scanned: one that is no longer the reader's active card is refused."""
    now = now or timezone.now()
    today = selectors.library_today(room.library, now)
    with transaction.atomic():
        # Lock the room: concurrent scans into one room serialise, so capacity holds.
        room = ReadingRoom.objects.select_for_update().select_related("library").get(pk=room.pk)
        reader = Reader.objects.select_related("category", "home_library").get(pk=reader.pk)
        # A visit left open on an earlier day (no exit scan) is closed at entry.
        Visit.objects.filter(
            reader=reader,
            room=room,
            outcome=VisitOutcome.ALLOWED,
            left_at__isnull=True,
            day__lt=today,
        ).update(left_at=now)
        already = Visit.objects.filter(
            reader=reader, room=room, outcome=VisitOutcome.ALLOWED, left_at__isnull=True
        ).first()
        if already is not None:
            return already
        denial = _entry_denial(reader, room, today, card)
        capacity = selectors.room_capacity(room)
        if (
            not denial
            and capacity is not None
            and selectors.room_occupancy(room=room, day=today) >= capacity
        ):
            denial = "room_full"
        visit = Visit.objects.create(
            reader=reader,
            room=room,
            outcome=VisitOutcome.DENIED if denial else VisitOutcome.ALLOWED,
            denial_code=denial,
            at=now,
            day=today,
            scanned_by=actor,
        )
        _audit(
            "visit.scanned",
            reader=reader,
            actor=actor,
            library=room.library,
            room=room.code,
            outcome=visit.outcome,
            code=denial,
        )
        if not denial:
            record_service_event(
                kind="visit",
                library=room.library,
                place=room.code,
                channel=Channel.IN_PERSON,
                reader_category=reader.category.code,
                age_band=selectors.age_band(reader.age_on(today)),
                at=now,
            )
    return visit


def record_room_exit(
    *, room: ReadingRoom, reader: Reader, actor: User, now: datetime | None = None
) -> Visit | None:
    now = now or timezone.now()
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update()
            .filter(reader=reader, room=room, outcome=VisitOutcome.ALLOWED, left_at__isnull=True)
            .first()
        )
        if visit is None:
            return None
        visit.left_at = now
        visit.save(update_fields=["left_at"])
        _audit("visit.left", reader=reader, actor=actor, library=room.library, room=room.code)
    return visit


# --- Staff access audit ----------------------------------------------------------------------


def record_reader_view(*, reader: Reader, actor: User, what: str = "record") -> None:
    """Every staff view of a reader record leaves a row: who looked at whom (no values)."""
    _audit("reader.viewed", reader=reader, actor=actor, what=what)


# --- Data subject rights: erasure ------------------------------------------------------------

#: What erasure does with each table that refers to a reader: ``data_rights.RULES``.
ERASURE_ACTIONS = data_rights.RULES


_ANONYMISED_VALUES: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "birth_date": None,
    "personal_code": "",
    "email": "",
    "phone": "",
    "address": "",
    "pin_hash": "",
    "guardian": None,
    "guardian_consent_at": None,
    "name_key": "",
    "name_key_alt": "",
    "email_key": "",
    "erasure_requested_at": None,
}


def _erasure_obstacles(reader: Reader) -> list[str]:
    reasons = list(open_obligations(reader))
    for model, field_name in selectors.reader_relations():
        rule = data_rights.RULES.get(selectors.relation_key(model, field_name))
        if rule is not None and rule.erasure != "refuse":
            continue
        queryset = model._default_manager.filter(**{field_name: reader})
        if model is Reader:
            queryset = queryset.exclude(status=ReaderStatus.ANONYMISED)
        if queryset.exists():
            # A refusing rule, or a relation nobody has reviewed yet (fail safe).
            reasons.append(f"{model._meta.model_name}_{field_name}")
    return reasons


def _anonymise(reader: Reader, now: datetime) -> None:
    for model, field_name in selectors.reader_relations():
        rule = data_rights.RULES.get(selectors.relation_key(model, field_name))
        rows = model._default_manager.filter(**{field_name: reader})
        if rule is None:
            continue  # unreviewed: ``_erasure_obstacles`` refused if it had rows
        if rule.erasure == "delete":
            rows.delete()
        elif isinstance(rule.erasure, data_rights.Anonymise):
            rows.update(**{field_name: None, **rule.erasure.values})
    for name, value in _ANONYMISED_VALUES.items():
        setattr(reader, name, value)
    reader.status = ReaderStatus.ANONYMISED
    reader.anonymised_at = now
    reader.save()


def erase_reader(*, reader: Reader, actor: User) -> Reader:
    """Erase a reader (GDPR Art. 17): refused while anything is open; otherwise every row that
    refers to the reader goes and the record keeps only its id, category and home library.
    De-identified statistics facts are untouched."""
    now = timezone.now()
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        if reader.status == ReaderStatus.ANONYMISED:
            raise ErasureRefusedError(_("This record has already been anonymised."))
        reasons = _erasure_obstacles(reader)
        if reasons:
            raise ErasureRefusedError(
                _("The reader cannot be erased while loans, debts or wards are open."),
                reasons=reasons,
            )
        _anonymise(reader, now)
        _audit("reader.erased", reader=reader, actor=actor)
    return reader


def request_erasure(*, reader: Reader) -> Reader:
    """The reader asks to be erased; staff carry it out (or explain what is still open)."""
    with transaction.atomic():
        reader = _lock_reader(reader.pk)
        if reader.erasure_requested_at is None:
            reader.erasure_requested_at = timezone.now()
            reader.save(update_fields=["erasure_requested_at", "updated_at"])
            _audit("reader.erasure_requested", reader=reader, actor=reader)
    return reader


def record_data_export(*, reader: Reader, actor: User | Reader, fmt: str) -> None:
    _audit("reader.exported", reader=reader, actor=actor, format=fmt)


# --- Periodic jobs ---------------------------------------------------------------------------


def expire_preregistrations(*, now: datetime | None = None) -> int:
    """Delete pre-registrations nobody verified within the policy's number of days."""
    now = now or timezone.now()
    policy = selectors.get_policy()
    cutoff = now - timedelta(days=policy.preregistration_valid_days)
    deleted = 0
    with transaction.atomic():
        stale = list(
            Reader.objects.select_for_update()
            .filter(status=ReaderStatus.PENDING, created_at__lt=cutoff)
            .select_related("home_library")
        )
        for reader in stale:
            _audit("reader.preregistration_expired", reader=reader, actor=None)
            reader.delete()
            deleted += 1
    return deleted


def expire_cards(*, now: datetime | None = None) -> int:
    """Mark active readers whose active card's validity has passed as expired."""
    today = timezone.localdate(now or timezone.now())
    # One UPDATE: a card renewed meanwhile is not read stale and then overwritten.
    return Reader.objects.filter(
        status=ReaderStatus.ACTIVE,
        cards__state=CardState.ACTIVE,
        cards__valid_until__lt=today,
    ).update(status=ReaderStatus.EXPIRED)


@dataclass
class RetentionReport:
    dry_run: bool
    candidates: list[int] = field(default_factory=list)
    skipped_open: list[int] = field(default_factory=list)
    total_readers: int = 0
    cap: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "anonymised" if not self.dry_run else "would_anonymise": self.candidates,
            "skipped_open": self.skipped_open,
            "total_readers": self.total_readers,
            "cap": self.cap,
        }


def apply_retention(
    *,
    dry_run: bool = True,
    now: datetime | None = None,
    max_share: Decimal | float | None = None,
) -> RetentionReport:
    """Anonymise readers whose last card expired more than N years ago and who have nothing
    open. Never touches protected, pending or already anonymised readers. Refuses the whole
    run when it would touch more than ``max_share`` of the readers. A dry run reports exactly
    what the real run would do."""
    now = now or timezone.now()
    policy = selectors.get_policy()
    share = Decimal(str(max_share if max_share is not None else policy.retention_max_share))
    cutoff = add_years(timezone.localdate(now), -policy.retention_years_after_expiry)
    report = RetentionReport(dry_run=dry_run)
    with transaction.atomic():
        candidates = (
            Reader.objects.filter(protected=False)
            .exclude(status__in=[ReaderStatus.PENDING, ReaderStatus.ANONYMISED])
            .exclude(Q(cards__valid_until__isnull=True) | Q(cards__isnull=True))
            .annotate(last_valid=Max("cards__valid_until"))
            .filter(last_valid__lt=cutoff)
            .select_related("home_library")
            .order_by("pk")
        )
        chosen: list[Reader] = []
        for candidate in candidates:
            # Lock each reader (an aggregate query cannot take row locks on PostgreSQL).
            reader = _lock_reader(candidate.pk) if not dry_run else candidate
            if _erasure_obstacles(reader):
                report.skipped_open.append(reader.pk)
            else:
                chosen.append(reader)
        report.candidates = [reader.pk for reader in chosen]
        report.total_readers = Reader.objects.exclude(status=ReaderStatus.ANONYMISED).count()
        report.cap = int(report.total_readers * share)
        if len(chosen) > report.cap:
            raise RetentionCapExceededError(
                _(
                    "The retention run would anonymise %(count)s readers, more than the cap of "
                    "%(cap)s: nothing was changed."
                )
                % {"count": len(chosen), "cap": report.cap},
                count=len(chosen),
                cap=report.cap,
            )
        if dry_run:
            return report
        for reader in chosen:
            _anonymise(reader, now)
            _audit("reader.retention_anonymised", reader=reader, actor=None)
    logger.info("retention anonymised %s readers", len(chosen))
    return report


# --- Categories and policy (editable by heads of department) ----------------------------------

#: The fields ``save_category`` and ``update_policy`` change, in the order the forms show them.
CATEGORY_FIELDS = (
    "code",
    "name",
    "name_en",
    "loan_limit",
    "card_validity_years",
    "min_age",
    "max_age",
    "is_default",
    "is_active",
)
POLICY_FIELDS = (
    "guardian_required_under_age",
    "preregistration_valid_days",
    "retention_years_after_expiry",
    "retention_max_share",
    "privacy_policy_version",
    "loan_history_days",
    "login_failure_limit",
    "login_cooloff_minutes",
)


def save_category(
    *, actor: User, category: ReaderCategory | None = None, **fields: Any
) -> ReaderCategory:
    """Create or change a reader category; one category at most is the online default."""
    _refuse_other_fields(fields, CATEGORY_FIELDS)
    with transaction.atomic():
        if category is None:
            category = ReaderCategory()
        else:
            category = ReaderCategory.objects.select_for_update().get(pk=category.pk)
        for name, value in fields.items():
            setattr(category, name, value)
        if category.is_default:
            ReaderCategory.objects.exclude(pk=category.pk).filter(is_default=True).update(
                is_default=False
            )
        category.save()
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=actor.pk,
            action="patrons.category.saved",
            object_type="patrons.readercategory",
            object_id=category.pk,
            detail={"fields": sorted(fields)},
        )
    return category


def update_policy(*, actor: User, **fields: Any) -> ReaderPolicy:
    """Change the reader policy (registration, retention, login throttle)."""
    _refuse_other_fields(fields, POLICY_FIELDS)
    share = fields.get("retention_max_share")
    if share is not None and not Decimal("0") < Decimal(str(share)) <= Decimal("1"):
        raise ReaderStateError(_("The share must be more than 0 and at most 1."))
    with transaction.atomic():
        policy, _created = ReaderPolicy.objects.select_for_update().get_or_create(pk=1)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.save()
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=actor.pk,
            action="patrons.policy.updated",
            object_type="patrons.readerpolicy",
            object_id=policy.pk,
            detail={"fields": sorted(fields)},
        )
    return policy
