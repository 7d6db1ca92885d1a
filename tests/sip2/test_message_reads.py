"""The one-statement reads behind the busiest kiosk messages give exactly what the rows say:
item information (loan, hold queue, trapped hold, place), patron status (counts, balance,
blocks, the same flags as patron information), checkout of an unknown item; and the server's
worker threads keep one checked connection across messages."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from skaitykla.circulation.choices import FeeKind, HoldStatus
from skaitykla.circulation.models import Fee, Hold, Loan
from skaitykla.circulation.policies import forget_cached_policies
from skaitykla.circulation.services.holds import place_hold
from skaitykla.circulation.services.loans import checkin_item, checkout_item
from skaitykla.core.timezones import library_zone
from skaitykla.patrons.models import Block, ReaderCategory
from skaitykla.sip2 import handlers, worker_connections
from skaitykla.sip2.codec import format_date
from skaitykla.sip2.models import KioskCheckout
from skaitykla.sip2.session import KioskSession
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.circulation.conftest import open_mon_to_sat, set_rule
from tests.factories import ReadingRoomFactory
from tests.patrons.factories import reader_with_card
from tests.sip2.support import checkin, checkout, item_information, patron_information
from tests.sip2.support import patron_status as patron_status_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(library, kiosk, reader_card):
    forget_cached_policies()
    open_mon_to_sat(library)
    set_rule()
    return [
        ItemFactory(
            library=library, barcode="IT0001", record=RecordFactory(title="Metai", subtitle="poema")
        ),
        ItemFactory(
            library=library, barcode="IT0002", record=RecordFactory(title="Anykščių šilelis")
        ),
    ]


def _ask(kiosk, message):
    session = KioskSession(peer="test")
    session.login(kiosk)
    return handlers.dispatch(session, message)


def _lt(text: str) -> str:
    with translation.override("lt"):
        return str(translation.gettext(text))


def _other_reader(library, barcode: str):
    category = ReaderCategory.objects.get(code="adult")
    return reader_with_card(category=category, home_library=library, barcode=barcode)[0]


def test_item_on_loan_with_readers_waiting(world, kiosk, library, reader_card):
    loan = checkout_item(
        item_barcode="IT0001", card_barcode="LNB0000001", library=library, channel="desk"
    )
    place_hold(
        reader=_other_reader(library, "LNB0000002"),
        record=world[0].record,
        pickup_library=library,
        channel="portal",
    )
    place_hold(
        reader=_other_reader(library, "LNB0000003"),
        item=world[0],
        pickup_library=library,
        channel="portal",
    )
    with CaptureQueriesContext(connection) as queries:
        reply = _ask(kiosk, item_information("it0001"))
    assert len(queries) == 1
    assert reply.command == "18"
    assert reply.fixed["circulation_status"] == "04"
    assert reply.get("CF") == "0002"
    assert reply.get("AH") == format_date(loan.due_at.astimezone(library_zone(library)))
    assert reply.get("CM") == ""
    assert reply.fields[1:] == [
        ("AH", reply.get("AH")),
        ("AB", "IT0001"),
        ("AJ", "Metai : poema"),
        ("BG", "LT-TEST"),
        ("AQ", "LT-TEST"),
        ("AP", world[0].location),
        ("CK", "001"),
    ]


def test_item_trapped_for_a_hold_shows_its_shelf_date(world, kiosk, library, reader_card):
    checkout_item(item_barcode="IT0002", card_barcode="LNB0000001", library=library, channel="desk")
    waiting = _other_reader(library, "LNB0000002")
    place_hold(reader=waiting, record=world[1].record, pickup_library=library, channel="portal")
    checkin_item(item_barcode="IT0002", library=library, channel="desk")
    hold = Hold.objects.get(reader=waiting)
    assert hold.status == HoldStatus.READY
    assert hold.shelf_expires_on is not None
    reply = _ask(kiosk, item_information("IT0002"))
    assert reply.fixed["circulation_status"] == "08"
    assert reply.get("CF") == "0000"
    assert reply.get("AH") == ""
    assert reply.get("CM") == hold.shelf_expires_on.strftime("%Y%m%d") + "    235959"


def test_item_in_a_reading_room_is_placed_there(world, kiosk, library):
    room = ReadingRoomFactory(library=library, code="RR-A")
    ItemFactory(library=library, barcode="ROOM1", reading_room=room, location="Lentyna 4")
    ItemFactory(library=library, barcode="SHELF1", location="Lentyna 5")
    assert _ask(kiosk, item_information("ROOM1")).get("AP") == "RR-A"
    reply = _ask(kiosk, item_information("SHELF1"))
    assert reply.get("AP") == "Lentyna 5"
    assert reply.fixed["circulation_status"] == "03"


def test_unknown_item_is_not_recognised(world, kiosk):
    for request in (item_information("NOPE"), checkout("LNB0000001", "NOPE"), checkin("NOPE")):
        reply = _ask(kiosk, request)
        assert reply.get("AF") == _lt("This item is not recognised.")
        if request.command != "17":
            assert reply.fixed["ok"] == "0"
    assert Loan.objects.count() == 0
    assert KioskCheckout.objects.count() == 0


def test_refused_checkout_names_the_item(world, kiosk, library):
    checkout_item(item_barcode="IT0001", card_barcode="LNB0000001", library=library, channel="desk")
    _other_reader(library, "LNB0000002")
    reply = _ask(kiosk, checkout("LNB0000002", "IT0001"))
    assert reply.fixed["ok"] == "0"
    assert reply.get("AJ") == "Metai : poema"
    assert reply.get("AB") == "IT0001"


def test_patron_status_counts_balance_and_blocks(world, kiosk, library, reader_card):
    reader, _card = reader_card
    long_ago = timezone.now() - timedelta(days=60)
    checkout_item(
        item_barcode="IT0001",
        card_barcode="LNB0000001",
        library=library,
        channel="desk",
        at=long_ago,
    )
    checkout_item(item_barcode="IT0002", card_barcode="LNB0000001", library=library, channel="desk")
    Fee.objects.create(
        reader=reader,
        library=library,
        kind=FeeKind.OTHER,
        amount=Decimal("7.50"),
        outstanding=Decimal("2.25"),
        created_at=timezone.now(),
    )
    Fee.objects.create(
        reader=reader,
        library=library,
        kind=FeeKind.OTHER,
        amount=Decimal("1.00"),
        outstanding=Decimal("0.00"),
        created_at=timezone.now(),
    )
    today = timezone.localdate()
    Block.objects.create(
        reader=reader,
        reason="x",
        starts_on=today - timedelta(days=1),
        blocks_loans=False,
        blocks_holds=True,
        blocks_renewals=False,
    )
    Block.objects.create(  # already over: no effect
        reader=reader, reason="y", starts_on=date(2020, 1, 1), ends_on=date(2020, 2, 1)
    )
    status = _ask(kiosk, patron_status_request("LNB0000001"))
    information = _ask(kiosk, patron_information("LNB0000001"))
    # Recall and hold privileges denied (the hold block); nothing else.
    flags = "  YY          "
    assert status.fixed["patron_status"] == flags
    assert information.fixed["patron_status"] == flags
    assert information.fixed["charged_items_count"] == "0002"
    assert information.fixed["overdue_items_count"] == "0001"
    assert status.get("BV") == information.get("BV") == "2.25"
    assert status.get("BL") == "Y"


def test_patron_status_flags_the_limits(world, kiosk, library, reader_card):
    reader, _card = reader_card
    set_rule(max_overdue_items_before_block=1, max_balance_before_block=Decimal("2.00"))
    forget_cached_policies()
    checkout_item(
        item_barcode="IT0001",
        card_barcode="LNB0000001",
        library=library,
        channel="desk",
        at=timezone.now() - timedelta(days=60),
    )
    Fee.objects.create(
        reader=reader,
        library=library,
        kind=FeeKind.OTHER,
        amount=Decimal("2.00"),
        outstanding=Decimal("2.00"),
        created_at=timezone.now(),
    )
    Block.objects.create(reader=reader, reason="z", starts_on=timezone.localdate())
    status = _ask(kiosk, patron_status_request("LNB0000001"))
    information = _ask(kiosk, patron_information("LNB0000001"))
    # Everything blocked, too many overdue, excessive fines and fees.
    flags = "YYYY  Y   YY  "
    assert status.fixed["patron_status"] == flags
    assert information.fixed["patron_status"] == flags
    assert status.get("BV") == "2.00"
    assert status.get_all("AF") == [
        _lt("Your account is blocked. Please ask staff."),
        _lt("You have too many overdue items."),
        _lt("Please pay your outstanding fees first."),
    ]


def test_a_worker_keeps_one_checked_connection_across_messages(world, kiosk):
    worker_connections.before_message()
    _ask(kiosk, item_information("IT0001"))
    worker_connections.after_message()
    opened = connection.connection
    assert opened is not None
    connection.health_check_done = True
    # The test connection may be older than CONN_MAX_AGE by now (a long suite): make it young,
    # as a worker's connection is between its messages.
    connection.close_at = time.monotonic() + 600
    for _ in range(3):
        worker_connections.before_message()
        _ask(kiosk, item_information("IT0001"))
        worker_connections.after_message()
        # No health-check round trip was asked for, and the same connection stays.
        assert connection.health_check_done is True
        assert connection.connection is opened


@pytest.mark.postgresql  # SQLite's in-memory test database never really closes its connection
def test_a_worker_replaces_a_broken_or_expired_connection(world, kiosk):
    worker_connections.before_message()
    _ask(kiosk, item_information("IT0001"))
    worker_connections.after_message()
    connection.connection.close()  # the database server went away under us
    with pytest.raises(OperationalError):
        _ask(kiosk, item_information("IT0001"))
    worker_connections.after_message()
    assert connection.connection is None
    worker_connections.before_message()
    assert _ask(kiosk, item_information("IT0001")).get("AB") == "IT0001"
    worker_connections.after_message()
    assert connection.connection is not None
    connection.close_at = time.monotonic() - 1  # CONN_MAX_AGE is over
    worker_connections.after_message()
    assert connection.connection is None
