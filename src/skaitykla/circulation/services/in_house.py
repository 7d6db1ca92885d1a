"""In-house use: an item used on the premises without a loan (rule 10)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from skaitykla.accounts.models import User
from skaitykla.catalogue.models import Item
from skaitykla.circulation.errors import ItemNotFoundError, ItemOnLoanError
from skaitykla.circulation.models import InHouseUse, Loan
from skaitykla.circulation.selectors import find_item
from skaitykla.circulation.services.gate import audit, check_channel, fact
from skaitykla.core.models import Library


def write_in_house_use(
    *, item: Item, library: Library, staff: User | None, channel: str, at: datetime
) -> InHouseUse:
    """Inside a caller's transaction: the row and its statistics fact."""
    use = InHouseUse.objects.create(item=item, library=library, at=at, channel=channel, staff=staff)
    fact("in_house_use", library=library, channel=channel, at=at, category=item.loan_type)
    return use


def record_in_house_use(
    *,
    item_barcode: str,
    library: Library,
    staff: User | None = None,
    channel: str,
    at: datetime | None = None,
) -> InHouseUse:
    """A quick scan at any desk: the item was used here. An item on loan cannot be."""
    check_channel(channel)
    at = at or timezone.now()
    item = find_item(item_barcode)
    if item is None:
        raise ItemNotFoundError()
    with transaction.atomic():
        if Loan.objects.filter(item=item, returned_at__isnull=True).exists():
            raise ItemOnLoanError()
        use = write_in_house_use(item=item, library=library, staff=staff, channel=channel, at=at)
        audit(
            "in_house_use",
            staff=staff,
            channel=channel,
            object_type="catalogue.item",
            object_id=item.pk,
            library=library,
        )
    return use
