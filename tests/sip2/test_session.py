"""The server over a real socket: login, status, patron status/information, item information."""

from __future__ import annotations

import pytest

from skaitykla.sip2 import codec
from skaitykla.sip2.codec import Message
from tests.patrons.factories import TEST_PIN
from tests.sip2.support import (
    KIOSK_PASSWORD,
    RawKiosk,
    item_information,
    make_kiosk,
    patron_information,
    patron_status,
    sc_status,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_then_status_advertises_supported_messages(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        assert client.login().fixed == {"ok": "1"}
        status = client.ask(sc_status())
    assert status.command == "98"
    assert status.fixed["online_status"] == "Y"
    assert status.fixed["checkin_ok"] == "Y"
    assert status.fixed["checkout_ok"] == "Y"
    assert status.fixed["protocol_version"] == "2.00"
    # 23 11 09 01 99 97 93 63 35 37 17 19 25 15 29 65 (fee payment off by default)
    assert status.get("BX") == "YYYYYYYYYNYNNNYY"
    assert status.get("AO") == "LT-TEST"
    assert status.get("AM") == "Testo biblioteka"


def test_reply_echoes_the_sequence_number_with_a_valid_checksum(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        data = client.ask_raw(codec.build(sc_status(), error_detection=True, sequence=7))
    body = data.rstrip(b"\r")
    assert b"AY7AZ" in body
    assert codec.checksum_ok(body[:-4], body[-4:].decode())


def test_no_checksum_in_request_means_none_in_reply(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        data = client.ask_raw(codec.build(sc_status()))
    assert b"AZ" not in data


def test_status_before_login_is_answered_but_nothing_else(sip2_server, kiosk, reader_card):
    with RawKiosk(sip2_server.port) as client:
        assert client.ask(sc_status()).command == "98"
        client.send_raw(codec.build(patron_status("LNB0000001")))
        assert client.is_closed()


def test_status_before_login_can_be_refused_by_setting(make_server, kiosk):
    running = make_server(require_login_for_status=True)
    with RawKiosk(running.port) as client:
        client.send_raw(codec.build(sc_status()))
        assert client.is_closed()


def test_wrong_password_is_refused_and_ten_close_the_connection(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        for _attempt in range(9):
            assert client.login(password="wrong").fixed == {"ok": "0"}
        assert client.login(password="wrong").fixed == {"ok": "0"}
        assert client.is_closed()
    with RawKiosk(sip2_server.port) as other:
        assert other.login(password=KIOSK_PASSWORD).fixed == {"ok": "1"}


def test_inactive_or_unknown_kiosk_cannot_log_in(sip2_server, library):
    make_kiosk(library, username="off", is_active=False)
    with RawKiosk(sip2_server.port) as client:
        assert client.login(username="off").fixed == {"ok": "0"}
        assert client.login(username="nobody").fixed == {"ok": "0"}


def test_patron_status_reports_validity_pin_and_name(sip2_server, kiosk, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        good = client.ask(patron_status("LNB0000001", pin=TEST_PIN))
        bad = client.ask(patron_status("LNB0000001", pin="0000"))
        unknown = client.ask(patron_status("NOPE"))
    assert good.command == "24"
    assert good.fixed["patron_status"] == " " * 14
    assert good.get("AE") == "Ona Žemaitė"
    assert good.get("BL") == "Y"
    assert good.get("CQ") == "Y"
    assert good.get("BV") == "0.00"
    assert bad.get("CQ") == "N"
    assert bad.get("AE") == ""
    assert unknown.get("BL") == "N"
    assert unknown.get_all("AF") == ["Šis pažymėjimas neatpažintas."]


def test_patron_information_with_no_items(sip2_server, kiosk, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        info = client.ask(patron_information("LNB0000001", "  Y       ", pin=TEST_PIN))
    assert info.command == "64"
    assert info.fixed["charged_items_count"] == "0000"
    assert info.get("CB") == "0003"
    assert info.get_all("AU") == []


def test_item_information(sip2_server, kiosk, item):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        reply = client.ask(item_information("it0001"))
        missing = client.ask(item_information("NOPE"))
    assert reply.fixed["circulation_status"] == "03"
    assert reply.get("AB") == "IT0001"
    assert reply.get("AJ") == "Metai"
    assert reply.get("AQ") == "LT-TEST"
    assert reply.get("CF") == "0000"
    assert missing.fixed["circulation_status"] == "01"
    assert missing.get("AF") == "Šis egzempliorius neatpažintas."


def test_end_session(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        reply = client.ask(
            Message("35", {"transaction_date": " " * 18}).add("AO", "x").add("AA", "LNB0000001")
        )
    assert reply.fixed["end_session"] == "Y"


def test_english_kiosk_gets_english_screen_messages(sip2_server, library):
    make_kiosk(library, username="en", language="en")
    with RawKiosk(sip2_server.port) as client:
        client.login(username="en")
        reply = client.ask(patron_status("NOPE"))
    assert reply.get("AF") == "This card is not recognised."


def test_cp850_kiosk_gets_folded_names(sip2_server, library, reader_card):
    make_kiosk(library, username="dos", encoding="cp850")
    with RawKiosk(sip2_server.port) as client:
        client.login(username="dos")
        data = client.ask_raw(codec.build(patron_status("LNB0000001"), encoding="cp850"))
    assert b"AEOna Zemaite|" in data


def test_pin_is_checked_once_per_patron_visit(sip2_server, kiosk, reader_card):
    from skaitykla.core.models import AuditEntry

    logins = AuditEntry.objects.filter(action="patrons.reader.logged_in")
    end = Message("35", {"transaction_date": " " * 18}).add("AO", "x").add("AA", "LNB0000001")
    with RawKiosk(sip2_server.port) as client:
        client.login()
        for _ in range(3):
            assert client.ask(patron_status("LNB0000001", pin=TEST_PIN)).get("CQ") == "Y"
        assert logins.count() == 1
        assert client.ask(patron_status("LNB0000001", pin="1357")).get("CQ") == "N"
        assert client.ask(patron_status("LNB0000001", pin=TEST_PIN)).get("CQ") == "Y"
        assert logins.count() == 2
        client.ask(end)
        assert client.ask(patron_status("LNB0000001", pin=TEST_PIN)).get("CQ") == "Y"
        assert logins.count() == 3


def test_a_failed_login_logs_the_kiosk_out(sip2_server, kiosk, reader_card):
    with RawKiosk(sip2_server.port) as client:
        assert client.login().fixed == {"ok": "1"}
        assert client.login(password="wrong").fixed == {"ok": "0"}
        client.send_raw(codec.build(patron_status("LNB0000001")))
        assert client.is_closed()


def test_anonymised_reader_has_no_name_and_is_not_valid(sip2_server, kiosk, reader_card):
    reader, _card = reader_card
    type(reader).objects.filter(pk=reader.pk).update(status="anonymised")
    with RawKiosk(sip2_server.port) as client:
        client.login()
        reply = client.ask(patron_status("LNB0000001"))
    assert reply.get("AE") == ""
    assert reply.get("BL") == "N"
    assert reply.fixed["patron_status"][0] == "Y"
