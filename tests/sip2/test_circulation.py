"""Checkout, check-in, renewal over a real socket through the circulation services: the same
rules and refusals as the staff desk, retries that never make a second loan, 97 resend."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from skaitykla.catalogue.models import Item
from skaitykla.circulation.errors import ItemOnLoanError, LoanLimitError
from skaitykla.circulation.models import Hold, Loan
from skaitykla.circulation.policies import forget_cached_policies
from skaitykla.circulation.services.loans import checkout_item
from skaitykla.core.models import AuditEntry
from skaitykla.patrons.choices import CardState
from skaitykla.patrons.models import Card, ReaderCategory
from skaitykla.sip2 import codec
from skaitykla.sip2.choices import NoBlockOutcome
from skaitykla.sip2.codec import Message
from skaitykla.sip2.models import KioskCheckout, NoBlockTransaction
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.circulation.conftest import open_mon_to_sat, set_rule
from tests.factories import LibraryFactory
from tests.patrons.factories import TEST_PIN, reader_with_card
from tests.sip2.support import (
    NOW,
    RawKiosk,
    checkin,
    checkout,
    item_information,
    patron_information,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(library, kiosk, reader_card):
    forget_cached_policies()
    open_mon_to_sat(library)
    set_rule()
    items = [
        ItemFactory(library=library, barcode=f"IT{n:04d}", record=RecordFactory(title=f"Knyga {n}"))
        for n in range(1, 6)
    ]
    return items


def _loans() -> list[tuple[str, int]]:
    return list(
        Loan.objects.filter(returned_at__isnull=True)
        .order_by("id")
        .values_list("item__barcode", "renewals_count")
    )


def _lt(message) -> str:
    with translation.override("lt"):
        return str(message)


def test_checkout_and_checkin(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        out = client.ask(checkout("LNB0000001", "it0001", pin=TEST_PIN))
        assert out.command == "12"
        assert out.fixed["ok"] == "1"
        assert out.fixed["renewal_ok"] == "N"
        assert out.fixed["desensitize"] == "Y"
        assert out.get("AJ") == "Knyga 1"
        loan = Loan.objects.get(item__barcode="IT0001", returned_at__isnull=True)
        assert loan.channel == "sip2"
        local_due = loan.due_at.astimezone(ZoneInfo("Europe/Vilnius")).replace(tzinfo=None)
        assert codec.parse_date(out.get("AH")) == local_due.replace(microsecond=0)
        assert out.get("BK") == str(loan.pk)
        back = client.ask(checkin("IT0001"))
    assert back.command == "10"
    assert back.fixed["ok"] == "1"
    assert back.fixed["alert"] == "N"
    assert back.fixed["resensitize"] == "Y"
    assert back.get("AQ") == "LT-TEST"
    assert _loans() == []
    assert Item.objects.get(barcode="IT0001").status == "available"


def test_refusal_goes_to_screen_message_in_kiosk_language(sip2_server, world, reader_card, library):
    set_rule(max_loans_total=1)
    forget_cached_policies()
    with RawKiosk(sip2_server.port) as client:
        client.login()
        assert client.ask(checkout("LNB0000001", "IT0001")).fixed["ok"] == "1"
        before = (_loans(), AuditEntry.objects.count())
        refused = client.ask(checkout("LNB0000001", "IT0002"))
    assert refused.fixed["ok"] == "0"
    assert refused.get("AJ") == "Knyga 2"
    assert refused.get("AH") == ""
    assert refused.get("AF") == _lt(LoanLimitError.default_message)
    assert (_loans(), AuditEntry.objects.count()) == before


def test_wrong_pin_refuses_checkout(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        refused = client.ask(checkout("LNB0000001", "IT0001", pin="0000"))
    assert refused.fixed["ok"] == "0"
    assert refused.get("AF") == "Neteisingas pažymėjimo numeris arba PIN kodas."
    assert _loans() == []


def test_item_on_loan_to_someone_else(sip2_server, world, library):
    category = ReaderCategory.objects.get(code="adult")
    reader_with_card(category=category, home_library=library, barcode="LNB0000002")
    checkout_item(item_barcode="IT0001", card_barcode="LNB0000002", library=library, channel="desk")
    with RawKiosk(sip2_server.port) as client:
        client.login()
        refused = client.ask(checkout("LNB0000001", "IT0001"))
    assert refused.fixed["ok"] == "0"
    assert refused.get("AF") == _lt(ItemOnLoanError.default_message)


def test_resent_checkout_gives_the_same_answer_and_one_loan(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        first = client.ask(checkout("LNB0000001", "IT0001"))
    # The kiosk lost the answer, reconnects and sends the checkout again.
    with RawKiosk(sip2_server.port) as again:
        again.login()
        second = again.ask(checkout("LNB0000001", "IT0001", renewal="Y"))
    assert first.fixed["ok"] == second.fixed["ok"] == "1"
    assert second.fixed["renewal_ok"] == "N"
    assert first.get("AH") == second.get("AH")
    assert _loans() == [("IT0001", 0)]
    assert KioskCheckout.objects.count() == 1


def test_same_reader_after_the_retry_window_is_a_renewal(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        client.ask(checkout("LNB0000001", "IT0001"))
        KioskCheckout.objects.update(at=timezone.now() - timedelta(hours=1))
        refused = client.ask(checkout("LNB0000001", "IT0001"))
        renewed = client.ask(checkout("LNB0000001", "IT0001", renewal="Y"))
    assert refused.fixed["ok"] == "0"
    assert refused.get("AF") == "Šį egzempliorių jau turite."
    assert renewed.fixed["ok"] == "1"
    assert renewed.fixed["renewal_ok"] == "Y"
    assert _loans() == [("IT0001", 1)]


def test_97_replays_the_last_answer_without_touching_the_database(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        answer = client.ask_raw(
            codec.build(checkout("LNB0000001", "IT0001"), error_detection=True, sequence=4)
        )
        counts = (AuditEntry.objects.count(), Loan.objects.count())
        assert client.ask_raw(b"97AZFEF5\r") == answer
        assert client.ask_raw(b"97\r") == answer
    assert (AuditEntry.objects.count(), Loan.objects.count()) == counts
    assert _loans() == [("IT0001", 0)]


def test_duplicate_sequence_and_checksum_is_replayed(sip2_server, world, reader_card):
    request = codec.build(checkout("LNB0000001", "IT0001"), error_detection=True, sequence=5)
    with RawKiosk(sip2_server.port) as client:
        client.login()
        first = client.ask_raw(request)
        counts = AuditEntry.objects.count()
        assert client.ask_raw(request) == first
    assert AuditEntry.objects.count() == counts
    assert _loans() == [("IT0001", 0)]


def test_no_block_checkout_is_accepted_and_refusals_recorded(
    sip2_server, world, reader_card, library
):
    card = Card.objects.get(barcode="LNB0000001")
    Card.objects.filter(pk=card.pk).update(state=CardState.LOST)
    with RawKiosk(sip2_server.port) as client:
        client.login()
        reply = client.ask(checkout("LNB0000001", "IT0001", no_block="Y"))
    assert reply.fixed["ok"] == "1"
    assert _loans() == []
    entry = NoBlockTransaction.objects.get()
    assert entry.outcome == NoBlockOutcome.EXCEPTION
    assert entry.error_code == "card_lost"
    assert entry.item_barcode == "IT0001"


def test_no_block_checkout_applies_with_the_kiosk_time(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        reply = client.ask(checkout("LNB0000001", "IT0002", no_block="Y"))
    assert reply.fixed["ok"] == "1"
    loan = Loan.objects.get(returned_at__isnull=True)
    assert timezone.localtime(loan.checked_out_at).strftime("%Y%m%d") == NOW[:8]
    assert NoBlockTransaction.objects.get().outcome == NoBlockOutcome.APPLIED


def test_checkin_of_an_item_on_hold_raises_the_alert(sip2_server, world, reader_card, library):
    from skaitykla.circulation.services.holds import place_hold

    category = reader_card[0].category
    other, _card = reader_with_card(category=category, home_library=library, barcode="LNB0000009")
    with RawKiosk(sip2_server.port) as client:
        client.login()
        client.ask(checkout("LNB0000001", "IT0001"))
        place_hold(
            reader=other,
            record=Item.objects.get(barcode="IT0001").record,
            pickup_library=library,
            channel="portal",
        )
        back = client.ask(checkin("IT0001"))
    assert back.fixed["ok"] == "1"
    assert back.fixed["alert"] == "Y"
    assert back.get("CV") == "01"
    assert back.get("CL") == "HOLD"
    assert Hold.objects.get(reader=other).status == "ready"


def test_checkin_of_another_librarys_item_says_where_to_send_it(
    sip2_server, world, reader_card, library
):
    elsewhere = LibraryFactory(code="LT-ELSE")
    open_mon_to_sat(elsewhere)
    ItemFactory(library=elsewhere, barcode="AWAY1", record=RecordFactory(title="Toli"))
    with RawKiosk(sip2_server.port) as client:
        client.login()
        client.ask(checkout("LNB0000001", "AWAY1"))
        back = client.ask(checkin("AWAY1"))
    assert back.fixed["alert"] == "Y"
    assert back.get("CV") == "04"
    assert back.get("AF") == "Siųskite į LT-ELSE."


def test_renew_and_renew_all(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        client.ask(checkout("LNB0000001", "IT0001"))
        client.ask(checkout("LNB0000001", "IT0002"))
        renew = Message(
            "29",
            {
                "third_party_allowed": "N",
                "no_block": "N",
                "transaction_date": NOW,
                "nb_due_date": " " * 18,
            },
        )
        renew.add("AO", "LT-TEST").add("AA", "LNB0000001").add("AB", "IT0001")
        renewed = client.ask(renew)
        all_reply = client.ask(
            Message("65", {"transaction_date": NOW}).add("AO", "x").add("AA", "LNB0000001")
        )
        not_mine = client.ask(
            Message("29", dict(renew.fixed)).add("AA", "LNB0000001").add("AB", "IT0003")
        )
    assert renewed.command == "30"
    assert renewed.fixed["ok"] == "1"
    assert renewed.fixed["renewal_ok"] == "Y"
    assert all_reply.fixed["renewed_count"] == "0002"
    assert all_reply.fixed["unrenewed_count"] == "0000"
    assert sorted(all_reply.get_all("BM")) == ["IT0001", "IT0002"]
    assert not_mine.fixed["ok"] == "0"
    assert _loans() == [("IT0001", 2), ("IT0002", 1)]


def test_patron_information_lists_charged_items_with_paging(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        for barcode in ("IT0001", "IT0002", "IT0003"):
            client.ask(checkout("LNB0000001", barcode))
        page = client.ask(
            patron_information("LNB0000001", "  Y       ", pin=TEST_PIN, start="2", end="3")
        )
        everything = client.ask(patron_information("LNB0000001", "  Y       "))
        wrong_pin = client.ask(patron_information("LNB0000001", "  Y       ", pin="1111"))
        item = client.ask(item_information("IT0002"))
    assert page.fixed["charged_items_count"] == "0003"
    assert len(page.get_all("AU")) == 2
    assert set(page.get_all("AU")) < {"IT0001", "IT0002", "IT0003"}
    assert sorted(everything.get_all("AU")) == ["IT0001", "IT0002", "IT0003"]
    # The loan limit of the category is 3: reached.
    assert everything.fixed["patron_status"][0] == "Y"
    assert everything.fixed["patron_status"][5] == "Y"
    assert wrong_pin.get_all("AU") == []
    assert wrong_pin.get("CQ") == "N"
    assert item.fixed["circulation_status"] == "04"
    assert item.get("AH")


def test_block_patron_marks_the_card_lost(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        reply = client.ask(
            Message("01", {"card_retained": "Y", "transaction_date": NOW})
            .add("AO", "x")
            .add("AL", "kept")
            .add("AA", "LNB0000001")
        )
    assert reply.command == "24"
    assert reply.fixed["patron_status"][4] == "Y"
    assert Card.objects.get(barcode="LNB0000001").state == CardState.LOST


def test_checkin_only_kiosk_cannot_lend(sip2_server, world, library):
    from tests.sip2.support import make_kiosk

    make_kiosk(library, username="returns", allow_checkout=False)
    with RawKiosk(sip2_server.port) as client:
        client.login(username="returns")
        refused = client.ask(checkout("LNB0000001", "IT0001"))
    assert refused.fixed["ok"] == "0"
    assert refused.get("AF") == "Šis kioskas neišduoda leidinių."
    assert _loans() == []


def test_checkin_of_a_withdrawn_item_goes_to_staff(sip2_server, world):
    Item.objects.filter(barcode="IT0005").update(status="withdrawn")
    with RawKiosk(sip2_server.port) as client:
        client.login()
        back = client.ask(checkin("IT0005"))
    assert back.fixed["ok"] == "1"
    assert back.fixed["alert"] == "Y"
    assert back.get("CL") == "STAFF"
    assert back.get("AF") == "Atiduokite šį egzempliorių darbuotojui."


def test_resent_no_block_checkout_makes_one_loan(sip2_server, world, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        first = client.ask(checkout("LNB0000001", "IT0003", no_block="Y"))
    with RawKiosk(sip2_server.port) as again:
        again.login()
        second = again.ask(checkout("LNB0000001", "IT0003", no_block="Y"))
    assert first.fixed["ok"] == second.fixed["ok"] == "1"
    assert first.get("AH") == second.get("AH")
    assert _loans() == [("IT0003", 0)]
    assert NoBlockTransaction.objects.filter(outcome=NoBlockOutcome.APPLIED).count() == 2


def test_fee_payment_only_at_a_paying_kiosk_and_never_above_the_balance(
    sip2_server, world, library
):
    from decimal import Decimal

    from skaitykla.circulation.errors import InvalidAmountError
    from skaitykla.circulation.models import Fee, FeeTransaction
    from skaitykla.core.models import AuditEntry
    from tests.sip2.support import make_kiosk

    reader = Card.objects.get(barcode="LNB0000001").reader
    Fee.objects.create(
        reader=reader,
        library=library,
        kind="other",
        amount=Decimal("2.00"),
        outstanding=Decimal("2.00"),
        created_at=timezone.now(),
    )
    make_kiosk(library, username="till", allow_fee_paid=True)

    def pay(amount: str) -> Message:
        message = Message(
            "37",
            {
                "transaction_date": NOW,
                "fee_type": "01",
                "payment_type": "00",
                "currency_type": "EUR",
            },
        )
        return message.add("AO", "LT-TEST").add("AA", "LNB0000001").add("BV", amount)

    with RawKiosk(sip2_server.port) as client:
        client.login()
        not_here = client.ask(pay("2.00"))
        client.login(username="till")
        too_much = client.ask(pay("5.00"))
        unchanged = Fee.objects.get().outstanding
        accepted = client.ask(pay("1.50"))
    assert not_here.fixed["payment_accepted"] == "N"
    assert not_here.get("AF") == "Šis kioskas nepriima mokėjimų."
    assert too_much.fixed["payment_accepted"] == "N"
    assert too_much.get("AF") == _lt(InvalidAmountError.default_message)
    assert unchanged == Decimal("2.00")
    assert accepted.fixed["payment_accepted"] == "Y"
    assert Fee.objects.get().outstanding == Decimal("0.50")
    payment = FeeTransaction.objects.get()
    assert (payment.kind, payment.amount, payment.staff_id) == ("payment", Decimal("1.50"), None)
    audit = AuditEntry.objects.get(action="circulation.fees_paid")
    assert audit.detail["channel"] == "sip2"
