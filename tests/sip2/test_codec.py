"""The SIP2 codec: framing, checksums (the guide's worked examples), dates, encodings, fuzz."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skaitykla.sip2 import codec
from skaitykla.sip2.codec import ChecksumError, Message, Sip2ParseError
from skaitykla.sip2.messages import SPECS

GUIDE_EXAMPLES = [
    b"97AZFEF5",
    b"96AZFEF6",
    b"9900302.00AY1AZFCA5",
    b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZEB80",
]


@pytest.mark.parametrize("raw", GUIDE_EXAMPLES)
def test_guide_checksum_examples_verify(raw):
    through_az, value = raw[:-4], raw[-4:].decode()
    assert codec.checksum(through_az) == value
    assert codec.checksum_ok(through_az, value)
    assert codec.parse(raw).checksum == value


def test_guide_examples_parse_to_their_fields():
    checkin = codec.parse(GUIDE_EXAMPLES[3] + b"\r")
    assert checkin.command == "09"
    assert checkin.sequence == 2
    assert checkin.fixed == {
        "no_block": "N",
        "transaction_date": "20160419    122008",
        "return_date": "20160419    122008",
    }
    assert checkin.fields == [
        ("AP", "Reading Room 1"),
        ("AO", "830"),
        ("AB", "830$28170815"),
        ("AC", ""),
    ]
    status = codec.parse(GUIDE_EXAMPLES[2])
    assert status.fixed == {
        "status_code": "0",
        "max_print_width": "030",
        "protocol_version": "2.00",
    }
    assert status.sequence == 1


def test_checksum_is_zero_padded_and_upper_case():
    # A byte sum whose two's complement is below 0x1000 needs a leading zero.
    data = b"\xff" * 241 + b"\x14"  # byte sum 0xF023
    assert codec.checksum(data) == "0FDD"
    assert codec.checksum(b"") == "0000"
    assert codec.checksum(b"\x01") == "FFFF"
    assert codec.checksum(b"\x00\x0a") == "FFF6"


def test_build_appends_sequence_and_checksum_over_bytes():
    built = codec.build(
        Message("99", {"status_code": "0", "max_print_width": "030", "protocol_version": "2.00"}),
        error_detection=True,
        sequence=1,
    )
    assert built == b"9900302.00AY1AZFCA5\r"
    assert codec.build(Message("96"), error_detection=True) == b"96AZFEF6\r"
    assert codec.build(Message("97"), error_detection=True) == b"97AZFEF5\r"


def test_checksum_counts_encoded_bytes_not_characters():
    reply = Message(
        "24", {"patron_status": " " * 14, "language": "000", "transaction_date": " " * 18}
    )
    reply.add("AE", "Žemaitė")
    data = codec.build(reply, encoding="utf-8", error_detection=True, sequence=3)
    body = data[:-1]
    assert codec.checksum_ok(body[:-4], body[-4:].decode())
    assert "Žemaitė".encode() in data
    assert codec.parse(data).get("AE") == "Žemaitė"


def test_lower_case_and_short_checksums_are_accepted_on_input():
    assert codec.parse(b"9900302.00AY1AZfca5\r").sequence == 1
    # The PyPI sip2 client does not zero-pad: 0x0ABC arrives as "ABC".
    body = b"9900302.00AY1AZ"
    value = codec.checksum(body)
    assert codec.parse(body + value.lstrip("0").encode()).checksum is not None


def test_wrong_checksum_is_a_checksum_error():
    with pytest.raises(ChecksumError):
        codec.parse(b"9900302.00AY1AZFCA6\r")


def test_sequence_without_checksum_is_refused():
    with pytest.raises(Sip2ParseError) as caught:
        codec.parse(b"9900302.00AY1\r")
    assert caught.value.reason == "sequence_without_checksum"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\r\n", "empty"),
        (b"XX123|", "unknown_command"),
        (b"42", "unknown_command"),
        (b"1100", "missing_fixed_fields"),
        (b"11NN20160419", "missing_fixed_fields"),
        (b"23000", "missing_fixed_fields"),
        (b"2300020160419    1220xxAOx|", "bad_date"),
        (b"9900302.00A\x00OX|", "nul_byte"),
        (b"9900302.00AOinst|\xc3|", "bad_field"),
        (b"9900302.00AY3|AOx|", "misplaced_error_detection"),
    ],
)
def test_malformed_lines_raise_typed_errors(raw, reason):
    with pytest.raises(Sip2ParseError) as caught:
        codec.parse(raw)
    assert caught.value.reason == reason


def test_crlf_and_cr_terminators_give_the_same_message():
    line = b"9300CNkiosk|COsecret|CPdesk|"
    assert (
        codec.parse(line + b"\r")
        == codec.parse(line + b"\r\n")
        == codec.parse(b"\n" + line + b"\r")
    )


def test_blank_no_block_due_date_and_missing_final_delimiter_are_fine():
    message = codec.parse(b"11NN20260105    101500" + b" " * 18 + b"AOLT|AALNB1|ABB1")
    assert message.fixed["nb_due_date"] == " " * 18
    assert message.get("AB") == "B1"


def test_field_values_are_cleaned_of_delimiter_and_cr():
    reply = Message("36", {"end_session": "Y", "transaction_date": " " * 18})
    reply.add("AF", "one|two\rthree\nfour\x00")
    data = codec.build(reply)
    assert data.count(b"\r") == 1
    assert data.endswith(b"|\r")
    parsed = codec.parse(data)
    assert parsed.get_all("AF") == ["one¦two three four "]


def test_cp850_replies_fall_back_per_character():
    reply = Message(
        "24", {"patron_status": " " * 14, "language": "000", "transaction_date": " " * 18}
    )
    reply.add("AE", "Jonas Žemaitė 日本")
    data = codec.build(reply, encoding="cp850", error_detection=True, sequence=0)
    assert b"Jonas Zemaite ??" in data
    assert codec.parse(data, encoding="cp850").get("AE") == "Jonas Zemaite ??"
    # Characters cp850 has survive as themselves.
    assert "ü".encode("cp850") in codec.build(Message("96").add("AF", "ü"), encoding="cp850")


def test_undecodable_input_bytes_are_replaced_not_fatal():
    message = codec.parse(b"9300CNki\xffosk|COpw|")
    assert message.get("CN") == "ki\ufffdosk"


def test_dates_round_trip():
    moment = datetime(2026, 1, 5, 9, 8, 7)
    text = codec.format_date(moment)
    assert text == "20260105    090807"
    assert codec.parse_date(text) == moment
    assert codec.parse_date(" " * 18) is None
    assert codec.parse_date("20260105   Z090807") == moment
    assert codec.format_date(None) == " " * 18


def test_every_message_in_the_table_builds_and_parses_back():
    for command, spec in SPECS.items():
        fixed = {}
        for name, width in spec.fixed:
            fixed[name] = "20260105    090807" if width == 18 else "Y" * width
        message = Message(command, fixed, [("AO", "LT-0001"), ("AF", "Ačiū")])
        for detection in (False, True):
            data = codec.build(message, error_detection=detection, sequence=4)
            parsed = codec.parse(data)
            assert parsed.command == command
            assert parsed.fixed == fixed
            assert parsed.fields == message.fields
            assert parsed.sequence == (4 if detection else None)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_parser_fuzz_never_raises_anything_but_parse_errors(data):
    try:
        message = codec.parse(data)
    except Sip2ParseError:
        return
    assert message.command in SPECS


@settings(max_examples=300, deadline=None)
@given(
    command=st.sampled_from(sorted(SPECS)),
    values=st.lists(
        st.tuples(st.sampled_from(["AO", "AA", "AB", "AF", "AJ"]), st.text(max_size=40)),
        max_size=5,
    ),
    encoding=st.sampled_from(["utf-8", "cp850"]),
)
def test_any_reply_we_build_parses_back(command, values, encoding):
    spec = SPECS[command]
    fixed = {
        name: ("20260105    090807" if width == 18 else "N" * width) for name, width in spec.fixed
    }
    data = codec.build(
        Message(command, fixed, list(values)), encoding=encoding, error_detection=True, sequence=7
    )
    assert data.endswith(b"\r")
    assert data.count(b"\r") == 1
    parsed = codec.parse(data, encoding=encoding)
    assert parsed.command == command
    assert [code for code, _value in parsed.fields] == [code for code, _value in values]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_fuzz_text_after_a_valid_prefix(tail):
    data = ("9300" + tail).encode("utf-8", errors="replace")
    with contextlib.suppress(Sip2ParseError):
        codec.parse(data)
