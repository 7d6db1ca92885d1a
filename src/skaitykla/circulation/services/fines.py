"""Fees: overdue fines charged at check-in, lost-item fees, manual charges, payments and waivers.

A fee's ``outstanding`` part falls with each payment or waiver (a ``FeeTransaction`` row, by
staff, audited). The balance is the sum of what is outstanding (``selectors.reader_balance``).
Every change locks the reader row first, so two desks cannot take the same money twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from skaitykla.accounts.models import User
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import CircChannel, FeeKind, FeeTransactionKind
from skaitykla.circulation.errors import (
    FeeStateError,
    InvalidAmountError,
    PermissionDeniedError,
)
from skaitykla.circulation.models import Fee, FeeTransaction, Loan, LoanPolicy
from skaitykla.circulation.policies import overdue_fine
from skaitykla.circulation.services.gate import audit, lock_reader
from skaitykla.core.calendar import LibraryCalendar
from skaitykla.core.models import Library
from skaitykla.patrons.models import Reader

OBJECT_TYPE = "circulation.fee"
FEE_PERMISSION = "circulation.manage_fees"
CENT = Decimal("0.01")


def _money(value: Decimal | str | int | float) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise InvalidAmountError() from None
    if amount <= 0:
        raise InvalidAmountError()
    return amount


def _require(staff: User | None) -> User:
    if staff is None or not staff.has_perm(FEE_PERMISSION):
        raise PermissionDeniedError()
    return staff


def charge_overdue_fine(
    *,
    loan: Loan,
    policy: LoanPolicy,
    calendar: LibraryCalendar,
    returned_on: date,
    at: datetime,
) -> Fee | None:
    """Inside check-in (reader and item locked): the fine for a late loan, if any."""
    if loan.reader_id is None:
        return None
    quote = overdue_fine(
        policy=policy, calendar=calendar, due_at=loan.due_at, returned_on=returned_on
    )
    if quote.amount <= 0:
        return None
    fee = Fee.objects.create(
        reader_id=loan.reader_id,
        loan=loan,
        item_id=loan.item_id,
        library=loan.library,
        kind=FeeKind.OVERDUE,
        amount=quote.amount,
        outstanding=quote.amount,
        note=f"{quote.charged_days}",
        created_at=at,
    )
    audit(
        "fine_charged",
        staff=None,
        object_type=OBJECT_TYPE,
        object_id=fee.pk,
        library=loan.library,
        reader_id=loan.reader_id,
        amount=str(quote.amount),
        days=quote.charged_days,
    )
    return fee


def charge_lost_fee(*, loan: Loan, item: Item, policy: LoanPolicy, at: datetime) -> Fee | None:
    """Inside ``declare_lost`` (reader and item locked): the policy's lost fee or the price."""
    amount = policy.lost_fee if policy.lost_fee is not None else item.price
    if loan.reader_id is None or amount is None or amount <= 0:
        return None
    return Fee.objects.create(
        reader_id=loan.reader_id,
        loan=loan,
        item=item,
        library=loan.library,
        kind=FeeKind.LOST,
        amount=amount,
        outstanding=amount,
        created_at=at,
    )


def cancel_lost_fee(*, loan: Loan, at: datetime, staff: User | None) -> Decimal:
    """A lost item came back: what is still outstanding of its lost fee is cancelled."""
    cancelled = Decimal("0.00")
    for fee in Fee.objects.select_for_update(no_key=True).filter(
        loan=loan, kind=FeeKind.LOST, outstanding__gt=0
    ):
        FeeTransaction.objects.create(
            fee=fee,
            kind=FeeTransactionKind.CANCELLATION,
            amount=fee.outstanding,
            at=at,
            staff=staff,
            library=loan.library,
            reason="returned",
        )
        cancelled += fee.outstanding
        fee.outstanding = Decimal("0.00")
        fee.save(update_fields=["outstanding"])
    return cancelled


def charge_fee(
    *,
    reader: Reader,
    kind: str,
    amount: Decimal | str,
    library: Library,
    staff: User,
    note: str = "",
    at: datetime | None = None,
) -> Fee:
    """A manual charge (damaged item, card replacement, …) by staff."""
    _require(staff)
    if kind not in FeeKind.values:
        raise InvalidAmountError()
    value = _money(amount)
    at = at or timezone.now()
    with transaction.atomic():
        lock_reader(reader.pk)
        fee = Fee.objects.create(
            reader=reader,
            library=library,
            kind=kind,
            amount=value,
            outstanding=value,
            note=note[:300],
            created_at=at,
            created_by=staff,
        )
        audit(
            "fee_charged",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=fee.pk,
            library=library,
            reader_id=reader.pk,
            amount=str(value),
            kind=kind,
        )
    return fee


#: Channels where a machine takes the money itself (a self-service kiosk's payment unit).
SELF_SERVICE_PAYMENT_CHANNELS = frozenset({CircChannel.SIP2})


def pay_fees(
    *,
    reader: Reader,
    amount: Decimal | str,
    staff: User | None,
    library: Library | None = None,
    channel: str = CircChannel.DESK,
    at: datetime | None = None,
) -> list[FeeTransaction]:
    """Take a payment, applied to the oldest outstanding fees first. Paying more than the
    balance is refused. At a desk staff with the fee permission take it; a self-service kiosk
    (``channel="sip2"``, no staff) takes it itself and the audit row names the channel."""
    if staff is not None or channel not in SELF_SERVICE_PAYMENT_CHANNELS:
        _require(staff)
    value = _money(amount)
    at = at or timezone.now()
    with transaction.atomic():
        reader = lock_reader(reader.pk)
        fees = list(
            Fee.objects.select_for_update(no_key=True)
            .filter(reader=reader, outstanding__gt=0)
            .order_by("created_at", "id")
        )
        if value > sum((fee.outstanding for fee in fees), Decimal("0.00")):
            raise InvalidAmountError()
        left = value
        transactions = []
        for fee in fees:
            if left <= 0:
                break
            part = min(left, fee.outstanding)
            transactions.append(
                FeeTransaction.objects.create(
                    fee=fee,
                    kind=FeeTransactionKind.PAYMENT,
                    amount=part,
                    at=at,
                    staff=staff,
                    library=library or fee.library,
                )
            )
            fee.outstanding -= part
            fee.save(update_fields=["outstanding"])
            left -= part
        audit(
            "fees_paid",
            staff=staff,
            channel=channel,
            object_type="patrons.reader",
            object_id=reader.pk,
            library=library or reader.home_library,
            amount=str(value),
            fees=[t.fee_id for t in transactions],
        )
    return transactions


def waive_fee(
    *,
    fee: Fee | int,
    staff: User,
    reason: str,
    amount: Decimal | str | None = None,
    at: datetime | None = None,
) -> FeeTransaction:
    """Waive a fee (all that is outstanding, or ``amount`` of it), with a reason."""
    _require(staff)
    at = at or timezone.now()
    fee_id = fee.pk if isinstance(fee, Fee) else int(fee)
    with transaction.atomic():
        found = Fee.objects.filter(pk=fee_id).values_list("reader_id", flat=True).first()
        if found:
            lock_reader(found)
        current = Fee.objects.select_for_update(no_key=True).get(pk=fee_id)
        if current.outstanding <= 0:
            raise FeeStateError()
        value = current.outstanding if amount is None else _money(amount)
        if value > current.outstanding:
            raise InvalidAmountError()
        waiver = FeeTransaction.objects.create(
            fee=current,
            kind=FeeTransactionKind.WAIVER,
            amount=value,
            at=at,
            staff=staff,
            library=current.library,
            reason=reason[:300],
        )
        current.outstanding -= value
        current.save(update_fields=["outstanding"])
        audit(
            "fee_waived",
            staff=staff,
            channel=CircChannel.DESK,
            object_type=OBJECT_TYPE,
            object_id=current.pk,
            library=current.library,
            amount=str(value),
        )
    return waiver
