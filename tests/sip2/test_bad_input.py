"""Bad input over a real socket: the server answers 96, a negative reply, or closes that one
connection; it never crashes, never blocks other kiosks and writes nothing for what it could
not parse."""

from __future__ import annotations

import logging
import threading

import pytest

from skaitykla.core.models import AuditEntry
from skaitykla.patrons.models import ReaderLoginFailure
from skaitykla.sip2 import codec
from skaitykla.sip2.models import KioskCheckout, NoBlockTransaction
from tests.patrons.factories import TEST_PIN
from tests.sip2.support import KIOSK_PASSWORD, RawKiosk, checkout, patron_status, sc_status

pytestmark = pytest.mark.django_db(transaction=True)

RESEND = b"96\r"
RESEND_WITH_CHECKSUM = b"96AZFEF6\r"


def _row_counts() -> tuple[int, ...]:
    return (
        AuditEntry.objects.count(),
        KioskCheckout.objects.count(),
        NoBlockTransaction.objects.count(),
        ReaderLoginFailure.objects.count(),
    )


def _still_serving(port: int) -> None:
    with RawKiosk(port) as other:
        assert other.login().fixed == {"ok": "1"}
        assert other.ask(sc_status()).command == "98"


@pytest.mark.parametrize(
    "line",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r",  # a TLS hello, cut
        bytes(range(1, 13)) + b"\r",  # garbage control bytes
        b"93\x00\x00CNkiosk1|\r",  # NUL bytes
        b"11NN20260105\r",  # a checkout cut in the middle
        b"23\r",  # missing fixed fields
        b"XY something\r",  # unknown command
        b"4200\r",  # unknown numeric command
        b"9900302.00AY1\r",  # AY without AZ
        b"9900302.00AY1AZ0000\r",  # wrong checksum
        b"2300020260105    101500AOx|AAy|\xff\xfe\r",  # a stray invalid field
    ],
)
def test_unparsable_lines_get_96_and_write_nothing(sip2_server, kiosk, reader_card, line):
    before = _row_counts()
    with RawKiosk(sip2_server.port) as client:
        assert client.login().fixed == {"ok": "1"}
        after_login = _row_counts()
        # The kiosk uses error detection (AY/AZ), so the 96 carries a checksum too.
        assert client.ask_raw(line) == RESEND_WITH_CHECKSUM
        # The session goes on after a 96.
        assert client.ask(sc_status()).command == "98"
    assert _row_counts() == after_login
    assert after_login[1:] == before[1:]
    _still_serving(sip2_server.port)


def test_a_kiosk_without_error_detection_gets_a_plain_96(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        assert client.ask(sc_status(), checksum=False).command == "98"
        assert client.ask_raw(b"23\r") == RESEND


def test_lower_case_checksum_is_accepted(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        data = codec.build(sc_status(), error_detection=True, sequence=2)
        lowered = data[:-5] + data[-5:-1].lower() + b"\r"
        assert client.ask_raw(lowered).startswith(b"98")


def test_delimiter_inside_a_field_does_not_confuse_the_server(sip2_server, kiosk, reader_card):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        # "AOLT|TEST" splits into AO=LT and an unknown field "TE"="ST": ignored.
        reply = client.ask_raw(b"2300020260105    101500AOLT|TEST|AALNB0000001|AC|\r")
    parsed = codec.parse(reply)
    assert parsed.command == "24"
    assert parsed.get("BL") == "Y"


def test_line_over_64_kb_closes_that_connection_only(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        client.login()
        client.send_raw(b"23" + b"A" * 70_000)
        assert client.is_closed()
    _still_serving(sip2_server.port)


def test_crlf_terminated_messages_are_served(sip2_server, kiosk):
    with RawKiosk(sip2_server.port) as client:
        login = codec.build(
            codec.Message("93", {"uid_algorithm": "0", "pwd_algorithm": "0"})
            .add("CN", "kiosk1")
            .add("CO", KIOSK_PASSWORD)
        )
        assert client.ask_raw(login + b"\n") == b"941\r"
        assert client.ask_raw(codec.build(sc_status()) + b"\n").startswith(b"98")


def test_error_detection_required_refuses_plain_messages(sip2_server, library):
    from tests.sip2.support import make_kiosk

    make_kiosk(library, username="strict", error_detection_required=True)
    with RawKiosk(sip2_server.port) as client:
        assert client.login(username="strict").fixed == {"ok": "1"}
        assert client.ask_raw(codec.build(sc_status())) == RESEND_WITH_CHECKSUM
        assert client.ask(sc_status()).command == "98"


def test_a_slow_or_silent_kiosk_does_not_block_others(sip2_server, kiosk):
    silent = RawKiosk(sip2_server.port)
    silent.login()
    silent.send_raw(b"23000")  # half a message, never finished
    try:
        for _ in range(3):
            _still_serving(sip2_server.port)
    finally:
        silent.close()


def test_idle_and_login_timeouts_close_the_connection(make_server, kiosk):
    running = make_server(login_timeout=0.3, idle_timeout=0.6)
    with RawKiosk(running.port) as never_logs_in:
        assert never_logs_in.is_closed()
    with RawKiosk(running.port) as idle:
        assert idle.login().fixed == {"ok": "1"}
        assert idle.is_closed()


def test_max_connections(make_server, kiosk):
    running = make_server(max_connections=1)
    with RawKiosk(running.port) as first:
        assert first.login().fixed == {"ok": "1"}
        with RawKiosk(running.port) as second:
            assert second.is_closed()


def test_logs_never_carry_pins_passwords_or_full_card_numbers(
    sip2_server, kiosk, reader_card, caplog
):
    caplog.set_level(logging.DEBUG, logger="skaitykla")
    with RawKiosk(sip2_server.port) as client:
        client.login()
        client.login(password="Wrong-Password-1")
        client.login()
        client.ask(patron_status("LNB0000001", pin=TEST_PIN))
        client.ask(patron_status("LNB0000001", pin="9753"))
        client.ask(checkout("LNB0000001", "NOPE", pin=TEST_PIN))
        client.ask_raw(b"2300020260105    101500AALNB0000001|ADsecretpin|AY1AZ0000\r")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "SIP2 session" in text
    for secret in (KIOSK_PASSWORD, "Wrong-Password-1", TEST_PIN, "9753", "secretpin", "LNB0000001"):
        assert secret not in text


def test_many_kiosks_at_once(sip2_server, kiosk, reader_card):
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with RawKiosk(sip2_server.port) as client:
                assert client.login().fixed == {"ok": "1"}
                for _ in range(5):
                    assert client.ask(patron_status("LNB0000001")).get("BL") == "Y"
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_a_stream_of_random_lines_never_breaks_the_session(sip2_server, kiosk, reader_card):
    import random

    rng = random.Random(2026)
    prefixes = [b"", b"23", b"63", b"11", b"09", b"17", b"99", b"97", b"35", b"AY", b"AZ"]
    before = _row_counts()
    with RawKiosk(sip2_server.port) as client:
        client.login()
        after_login = _row_counts()
        for _ in range(200):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))
            line = rng.choice(prefixes) + body.replace(b"\r", b"").replace(b"\n", b"")
            if not line.strip():
                continue
            reply = client.ask_raw(line + b"\r")
            # Every reply is itself a well-formed SIP2 message (usually 96).
            assert codec.parse(reply).command in (
                "94",
                "96",
                "98",
                "24",
                "64",
                "12",
                "10",
                "18",
                "36",
            )
        assert client.ask(sc_status()).command == "98"
    assert _row_counts()[1:3] == after_login[1:3] == before[1:3]
    _still_serving(sip2_server.port)
