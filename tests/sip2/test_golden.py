"""Golden request/response pairs for every message type we serve: the request line a kiosk
sends parses to these fields, and the reply we build is exactly these bytes."""

from __future__ import annotations

import pytest

from skaitykla.sip2 import codec
from skaitykla.sip2.codec import Message

D = "20260105    101500"
B = " " * 18

REQUESTS = [
    (
        b"9300CNkiosk1|COsecret|CPdesk|",
        "93",
        {"uid_algorithm": "0", "pwd_algorithm": "0"},
        [("CN", "kiosk1"), ("CO", "secret"), ("CP", "desk")],
    ),
    (
        b"9900802.00",
        "99",
        {"status_code": "0", "max_print_width": "080", "protocol_version": "2.00"},
        [],
    ),
    (
        b"23000" + D.encode() + b"AOLT|AALNB1|AC|AD2468|",
        "23",
        {"language": "000", "transaction_date": D},
        [("AO", "LT"), ("AA", "LNB1"), ("AC", ""), ("AD", "2468")],
    ),
    (
        b"63001" + D.encode() + b"  Y       AOLT|AALNB1|BP1|BQ5|",
        "63",
        {"language": "001", "transaction_date": D, "summary": "  Y       "},
        [("AO", "LT"), ("AA", "LNB1"), ("BP", "1"), ("BQ", "5")],
    ),
    (
        b"11YN" + D.encode() + B.encode() + b"AOLT|AALNB1|ABIT1|AC|BON|",
        "11",
        {"sc_renewal_policy": "Y", "no_block": "N", "transaction_date": D, "nb_due_date": B},
        [("AO", "LT"), ("AA", "LNB1"), ("AB", "IT1"), ("AC", ""), ("BO", "N")],
    ),
    (
        b"09Y" + D.encode() + D.encode() + b"APdesk|AOLT|ABIT1|AC|",
        "09",
        {"no_block": "Y", "transaction_date": D, "return_date": D},
        [("AP", "desk"), ("AO", "LT"), ("AB", "IT1"), ("AC", "")],
    ),
    (
        b"29NN" + D.encode() + B.encode() + b"AOLT|AALNB1|ABIT1|",
        "29",
        {"third_party_allowed": "N", "no_block": "N", "transaction_date": D, "nb_due_date": B},
        [("AO", "LT"), ("AA", "LNB1"), ("AB", "IT1")],
    ),
    (
        b"65" + D.encode() + b"AOLT|AALNB1|",
        "65",
        {"transaction_date": D},
        [("AO", "LT"), ("AA", "LNB1")],
    ),
    (
        b"17" + D.encode() + b"AOLT|ABIT1|",
        "17",
        {"transaction_date": D},
        [("AO", "LT"), ("AB", "IT1")],
    ),
    (
        b"35" + D.encode() + b"AOLT|AALNB1|",
        "35",
        {"transaction_date": D},
        [("AO", "LT"), ("AA", "LNB1")],
    ),
    (
        b"37" + D.encode() + b"0100EURAOLT|AALNB1|BV1.50|",
        "37",
        {"transaction_date": D, "fee_type": "01", "payment_type": "00", "currency_type": "EUR"},
        [("AO", "LT"), ("AA", "LNB1"), ("BV", "1.50")],
    ),
    (
        b"01Y" + D.encode() + b"AOLT|ALcard kept|AALNB1|AC|",
        "01",
        {"card_retained": "Y", "transaction_date": D},
        [("AO", "LT"), ("AL", "card kept"), ("AA", "LNB1"), ("AC", "")],
    ),
    (b"97", "97", {}, []),
]


@pytest.mark.parametrize(("line", "command", "fixed", "fields"), REQUESTS)
def test_golden_requests(line, command, fixed, fields):
    for terminator in (b"\r", b"\r\n"):
        parsed = codec.parse(line + terminator)
        assert (parsed.command, parsed.fixed, parsed.fields) == (command, fixed, fields)
    with_checksum = codec.build(codec.parse(line), error_detection=True, sequence=3)
    assert codec.parse(with_checksum).sequence == 3


RESPONSES = [
    (Message("94", {"ok": "1"}), b"941\r"),
    (
        Message(
            "98",
            {
                "online_status": "Y",
                "checkin_ok": "Y",
                "checkout_ok": "Y",
                "acs_renewal_policy": "Y",
                "status_update_ok": "N",
                "offline_ok": "Y",
                "timeout_period": "999",
                "retries_allowed": "003",
                "date_time_sync": D,
                "protocol_version": "2.00",
            },
            [("AO", "LT"), ("BX", "YYYYYYYYYNYNNNYY")],
        ),
        b"98YYYYNY999003" + D.encode() + b"2.00AOLT|BXYYYYYYYYYNYNNNYY|\r",
    ),
    (
        Message(
            "24",
            {"patron_status": " " * 14, "language": "000", "transaction_date": D},
            [("AO", "LT"), ("AA", "LNB1"), ("AE", "Ona Žemaitė"), ("BL", "Y"), ("CQ", "Y")],
        ),
        b"24" + b" " * 14 + b"000" + D.encode() + "AOLT|AALNB1|AEOna Žemaitė|BLY|CQY|\r".encode(),
    ),
    (
        Message(
            "64",
            {
                "patron_status": "Y    Y        ",
                "language": "000",
                "transaction_date": D,
                "hold_items_count": "0000",
                "overdue_items_count": "0000",
                "charged_items_count": "0002",
                "fine_items_count": "0000",
                "recall_items_count": "0000",
                "unavailable_holds_count": "0000",
            },
            [("AO", "LT"), ("AA", "LNB1"), ("AE", "Ona"), ("AU", "IT1"), ("AU", "IT2")],
        ),
        b"64Y    Y        000" + D.encode() + b"000000000002000000000000"
        b"AOLT|AALNB1|AEOna|AUIT1|AUIT2|\r",
    ),
    (
        Message(
            "12",
            {
                "ok": "0",
                "renewal_ok": "N",
                "magnetic_media": "N",
                "desensitize": "N",
                "transaction_date": D,
            },
            [("AO", "LT"), ("AA", "LNB1"), ("AB", "IT1"), ("AJ", ""), ("AH", ""), ("AF", "Ne.")],
        ),
        b"120NNN" + D.encode() + b"AOLT|AALNB1|ABIT1|AJ|AH|AFNe.|\r",
    ),
    (
        Message(
            "10",
            {
                "ok": "1",
                "resensitize": "N",
                "magnetic_media": "N",
                "alert": "Y",
                "transaction_date": D,
            },
            [("AO", "LT"), ("AB", "IT1"), ("AQ", "LT"), ("CL", "HOLD"), ("CV", "01")],
        ),
        b"101NNY" + D.encode() + b"AOLT|ABIT1|AQLT|CLHOLD|CV01|\r",
    ),
    (
        Message(
            "30",
            {
                "ok": "1",
                "renewal_ok": "Y",
                "magnetic_media": "N",
                "desensitize": "Y",
                "transaction_date": D,
            },
            [("AB", "IT1"), ("AJ", "Metai"), ("AH", D)],
        ),
        b"301YNY" + D.encode() + b"ABIT1|AJMetai|AH" + D.encode() + b"|\r",
    ),
    (
        Message(
            "66",
            {"ok": "1", "renewed_count": "0001", "unrenewed_count": "0001", "transaction_date": D},
            [("AO", "LT"), ("BM", "IT1"), ("BN", "IT2")],
        ),
        b"66100010001" + D.encode() + b"AOLT|BMIT1|BNIT2|\r",
    ),
    (
        Message(
            "18",
            {
                "circulation_status": "03",
                "security_marker": "00",
                "fee_type": "01",
                "transaction_date": D,
            },
            [("CF", "0000"), ("AB", "IT1"), ("AJ", "Metai")],
        ),
        b"18030001" + D.encode() + b"CF0000|ABIT1|AJMetai|\r",
    ),
    (
        Message("36", {"end_session": "Y", "transaction_date": D}, [("AO", "LT"), ("AA", "LNB1")]),
        b"36Y" + D.encode() + b"AOLT|AALNB1|\r",
    ),
    (
        Message(
            "38", {"payment_accepted": "N", "transaction_date": D}, [("AO", "LT"), ("AA", "LNB1")]
        ),
        b"38N" + D.encode() + b"AOLT|AALNB1|\r",
    ),
    (Message("96"), b"96\r"),
]


@pytest.mark.parametrize(("message", "expected"), RESPONSES)
def test_golden_responses(message, expected):
    assert codec.build(message) == expected
    checked = codec.build(message, error_detection=True, sequence=9)
    assert checked[: len(expected) - 1] + b"\r" == expected
    assert checked[len(expected) - 1 : len(expected) + 3] == b"AY9A"
    body = checked[:-1]
    assert codec.checksum_ok(body[:-4], body[-4:].decode())
