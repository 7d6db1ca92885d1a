# ruff: noqa: F811 - the fixtures imported from order_fixtures are test parameters
"""Offline uploads: rows replayed in time order through checkout and check-in, conflicts and
malformed lines reported by line number, the same file twice changes nothing."""

from __future__ import annotations

import pytest

from skaitykla.circulation.choices import CircChannel, OfflineBatchStatus
from skaitykla.circulation.models import Loan, OfflineBatch, OfflineTransaction
from skaitykla.circulation.services.loans import checkout_item
from skaitykla.circulation.services.offline import (
    import_offline_batch,
    offline_exceptions,
)
from skaitykla.patrons.choices import ReaderStatus
from tests.catalogue.factories import ItemFactory
from tests.circulation.order_fixtures import (  # noqa: F401 - fixtures
    _fresh_policy_cache,
    adult,
    attendant,
    egle,
    jonas,
    lnb,
    local,
    make_person,
)

pytestmark = pytest.mark.django_db

FILE = """timestamp,action,card,item
2026-03-02 10:20,checkin,,LV00000001
2026-03-02T10:15:00+02:00,checkout,LNB0001234,LV00000001
2026-03-02T08:10:00Z,checkout,LNB0005678,LV00000002
2026-03-02T10:15:00+02:00,checkout,LNB0001234,LV00000001
2026-03-02 11:00,checkout,LNB0001234,LV00000003
2026-03-02 11:05,checkout,LNB0007777,LV00000004
not-a-date,checkout,LNB0001234,LV00000004
2026-03-02 11:10,lend,LNB0001234,LV00000004

2026-03-02 11:10,checkout,,LV00000004
2026-03-02 11:10,checkout,LNB0001234
2099-01-01 10:00,checkin,,LV00000001
"""


@pytest.fixture
def items(lnb):
    return {n: ItemFactory(library=lnb, barcode=f"LV0000000{n}") for n in range(1, 5)}


@pytest.fixture
def blocked(lnb, adult):
    return make_person(lnb, adult, "Blokas", "LNB0007777", status=ReaderStatus.BLOCKED)


def test_rows_are_replayed_in_time_order_with_conflicts_reported(
    egle, jonas, blocked, items, lnb, attendant
):
    # While the desk was offline, item 3 was lent online to Jonas.
    online = checkout_item(
        item_barcode="LV00000003",
        card_barcode="LNB0005678",
        library=lnb,
        channel=CircChannel.DESK,
        at=local(2026, 3, 2, 9),
    )
    batch = import_offline_batch(
        file_bytes=FILE.encode(), filename="kasa-2026-03-02.csv", library=lnb, staff=attendant
    )
    assert batch.status == OfflineBatchStatus.DONE
    assert (batch.rows_total, batch.rows_done, batch.rows_failed) == (11, 3, 8)
    outcomes = {
        row.row_number: (row.outcome, row.error_code)
        for row in OfflineTransaction.objects.filter(batch=batch)
    }
    assert outcomes == {
        2: ("done", ""),
        3: ("done", ""),
        4: ("done", ""),
        5: ("duplicate", "duplicate_row"),
        6: ("conflict", "item_on_loan"),
        7: ("conflict", "reader_blocked"),
    }
    # The check-in written first in the file came after the checkout in time.
    lent = Loan.objects.get(item=items[1])
    assert lent.reader == egle.reader
    assert lent.channel == CircChannel.OFFLINE
    assert lent.checked_out_at == local(2026, 3, 2, 10, 15)
    assert lent.returned_at == local(2026, 3, 2, 10, 20)
    other = Loan.objects.get(item=items[2])
    assert (other.reader, other.checked_out_at) == (jonas.reader, local(2026, 3, 2, 10, 10))
    assert other.returned_at is None
    assert Loan.objects.get(item=items[3]).pk == online.pk
    assert not Loan.objects.filter(item=items[4]).exists()
    report = [(entry.line, entry.code) for entry in offline_exceptions(batch)]
    assert report == [
        (5, "duplicate_row"),
        (6, "item_on_loan"),
        (7, "reader_blocked"),
        (8, "bad_timestamp"),
        (9, "bad_action"),
        (11, "card_missing"),
        (12, "wrong_number_of_fields"),
        (13, "timestamp_in_future"),
    ]


def test_the_same_file_twice_changes_nothing(egle, jonas, blocked, items, lnb, attendant):
    first = import_offline_batch(
        file_bytes=FILE.encode(), filename="a.csv", library=lnb, staff=attendant
    )
    loans = list(Loan.objects.order_by("id").values_list("id", "returned_at"))
    rows = OfflineTransaction.objects.count()
    again = import_offline_batch(
        file_bytes=FILE.encode(), filename="b.csv", library=lnb, staff=attendant
    )
    assert again.pk == first.pk
    assert again.file_name == "a.csv"
    assert OfflineBatch.objects.count() == 1
    assert OfflineTransaction.objects.count() == rows
    assert list(Loan.objects.order_by("id").values_list("id", "returned_at")) == loans


def test_a_row_already_done_from_another_file_is_a_duplicate(egle, items, lnb, attendant):
    import_offline_batch(
        file_bytes=b"2026-03-02 10:15,checkout,LNB0001234,LV00000001\n",
        filename="a.csv",
        library=lnb,
        staff=attendant,
    )
    second = import_offline_batch(
        file_bytes=(
            b"2026-03-02 10:15,checkout,LNB0001234,LV00000001\n"
            b"2026-03-02 10:16,checkout,LNB0001234,LV00000002\n"
        ),
        filename="b.csv",
        library=lnb,
        staff=attendant,
    )
    outcomes = list(second.transactions.order_by("row_number").values_list("outcome", "error_code"))
    assert outcomes == [("duplicate", "duplicate_row"), ("done", "")]
    assert Loan.objects.filter(item=items[1]).count() == 1


def test_semicolons_a_byte_order_mark_and_lowercase_actions_are_accepted(egle, items, lnb):
    data = "\ufefftimestamp;action;card;item\n2026-03-02 10:15;CHECKOUT;LNB0001234;lv00000001\n"
    batch = import_offline_batch(
        file_bytes=data.encode("utf-8"), filename="kasa.csv", library=lnb, staff=None
    )
    assert (batch.rows_total, batch.rows_done, batch.rows_failed) == (1, 1, 0)
    assert Loan.objects.get(item=items[1]).reader == egle.reader


def test_an_unreadable_file_is_reported_not_raised(lnb):
    batch = import_offline_batch(
        file_bytes="laikas,veiksmas\n".encode("utf-16"), filename="x.csv", library=lnb, staff=None
    )
    assert batch.status == OfflineBatchStatus.DONE
    assert batch.error == "line 0: not_utf8"
    assert [(e.line, e.code) for e in offline_exceptions(batch)] == [(0, "not_utf8")]
    assert OfflineTransaction.objects.count() == 0
