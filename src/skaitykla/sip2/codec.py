"""SIP2 framing: parse a received line into a ``Message`` and build the bytes of a reply.

A message is a 2-digit command, fixed-width fields, variable fields ``XXvalue|`` and, when error
detection is on, ``AY<seq>AZ<checksum>``; it ends in CR (CRLF accepted). The checksum is four
hex digits: the two's complement of the low 16 bits of the byte sum of the *encoded* message up
to and including ``AZ``. Parsing is pure (no database); anything that does not fit raises
``Sip2ParseError`` so a malformed line never reaches a handler.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from skaitykla.sip2.messages import DATE_FIELDS, SPECS

DEFAULT_ENCODING = "utf-8"
SUPPORTED_ENCODINGS = ("utf-8", "cp850")
#: Longest value we send in one variable field (pysip2 and many kiosks cap at 255 bytes).
MAX_FIELD_CHARS = 255
FIELD_DELIMITER = "|"
TERMINATOR = b"\r"

_TRAILER = re.compile(rb"(?:AY([0-9]))?AZ([0-9A-Fa-f]{1,4})$")
_SEQ_ONLY = re.compile(rb"AY([0-9])$")
_FIELD_CODE = re.compile(r"^[A-Za-z0-9]{2}$")
_DATE = re.compile(r"^(\d{8})(.{4})(\d{6})$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class Sip2ParseError(ValueError):
    """A line that is not a well-formed SIP2 message; ``reason`` is a stable short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ChecksumError(Sip2ParseError):
    pass


@dataclass
class Message:
    """A parsed (or to-be-built) SIP2 message. ``fields`` keeps order and repeats."""

    command: str
    fixed: dict[str, str] = field(default_factory=dict)
    fields: list[tuple[str, str]] = field(default_factory=list)
    sequence: int | None = None
    checksum: str | None = None

    @property
    def name(self) -> str:
        return SPECS[self.command].name

    def get(self, code: str, default: str = "") -> str:
        for key, value in self.fields:
            if key == code:
                return value
        return default

    def get_all(self, code: str) -> list[str]:
        return [value for key, value in self.fields if key == code]

    def has(self, code: str) -> bool:
        return any(key == code for key, _value in self.fields)

    def add(self, code: str, value: object) -> Message:
        self.fields.append((code, "" if value is None else str(value)))
        return self


# --- Checksum ---------------------------------------------------------------------------------


def checksum(data: bytes) -> str:
    """Four upper-case hex digits: the two's complement of the byte sum's low 16 bits."""
    return f"{(-sum(data)) & 0xFFFF:04X}"


def checksum_ok(data_through_az: bytes, value: str) -> bool:
    return (sum(data_through_az) + int(value, 16)) & 0xFFFF == 0


# --- Values -------------------------------------------------------------------------------------


def clean_value(value: object) -> str:
    """A field value safe to send: no delimiter, no CR/LF or other control characters."""
    text = "" if value is None else str(value)
    text = text.replace(FIELD_DELIMITER, "¦")
    text = _UNSAFE.sub(" ", text)
    return text[:MAX_FIELD_CHARS]


def format_date(moment: datetime | None) -> str:
    """``YYYYMMDD    HHMMSS`` (local time, four blanks for the zone); blanks when unknown."""
    if moment is None:
        return " " * 18
    return moment.strftime("%Y%m%d") + "    " + moment.strftime("%H%M%S")


def parse_date(value: str) -> datetime | None:
    """The naive datetime a SIP2 date names, or None for a blank one."""
    if not value.strip():
        return None
    match = _DATE.match(value)
    if match is None:
        raise Sip2ParseError("bad_date", value)
    try:
        return datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")
    except ValueError as error:
        raise Sip2ParseError("bad_date", value) from error


def _encode_char(char: str, encoding: str) -> bytes:
    try:
        return char.encode(encoding)
    except UnicodeEncodeError:
        folded = unicodedata.normalize("NFKD", char)
        stripped = "".join(c for c in folded if not unicodedata.combining(c))
        try:
            return stripped.encode(encoding) if stripped else b"?"
        except UnicodeEncodeError:
            return b"?"


def encode_text(text: str, encoding: str) -> bytes:
    """Encode, falling back per character (``ė`` → ``e`` in cp850, else ``?``): never raises."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return b"".join(_encode_char(char, encoding) for char in text)


# --- Parse --------------------------------------------------------------------------------------


def strip_terminator(line: bytes) -> bytes:
    return line.rstrip(b"\r\n").lstrip(b"\n")


def parse(line: bytes, *, encoding: str = DEFAULT_ENCODING) -> Message:
    """Parse one received line (with or without its CR/CRLF) into a ``Message``."""
    raw = strip_terminator(line)
    if not raw:
        raise Sip2ParseError("empty")
    if b"\x00" in raw:
        raise Sip2ParseError("nul_byte")
    sequence: int | None = None
    received_checksum: str | None = None
    body = raw
    trailer = _TRAILER.search(raw)
    if trailer is not None:
        through_az = raw[: trailer.end() - len(trailer.group(2))]
        received_checksum = trailer.group(2).decode("ascii")
        if not checksum_ok(through_az, received_checksum):
            raise ChecksumError("bad_checksum")
        sequence = int(trailer.group(1)) if trailer.group(1) is not None else None
        body = raw[: trailer.start()]
    elif _SEQ_ONLY.search(raw):
        raise Sip2ParseError("sequence_without_checksum")
    text = body.decode(encoding, errors="replace")
    command = text[:2]
    spec = SPECS.get(command)
    if spec is None:
        raise Sip2ParseError("unknown_command", command)
    position = 2
    fixed: dict[str, str] = {}
    for name, width in spec.fixed:
        value = text[position : position + width]
        if len(value) < width:
            raise Sip2ParseError("missing_fixed_fields", name)
        if name in DATE_FIELDS:
            parse_date(value)
        fixed[name] = value
        position += width
    fields: list[tuple[str, str]] = []
    for chunk in text[position:].split(FIELD_DELIMITER):
        if not chunk:
            continue
        code = chunk[:2]
        if not _FIELD_CODE.match(code):
            raise Sip2ParseError("bad_field", code)
        if code in ("AY", "AZ"):
            raise Sip2ParseError("misplaced_error_detection", code)
        fields.append((code, chunk[2:]))
    return Message(
        command=command,
        fixed=fixed,
        fields=fields,
        sequence=sequence,
        checksum=received_checksum,
    )


# --- Build --------------------------------------------------------------------------------------


def build(
    message: Message,
    *,
    encoding: str = DEFAULT_ENCODING,
    error_detection: bool = False,
    sequence: int | None = None,
) -> bytes:
    """The bytes of ``message`` with its terminator; with error detection, ``AY``/``AZ``."""
    spec = SPECS[message.command]
    parts = [message.command]
    for name, width in spec.fixed:
        value = clean_value(message.fixed.get(name, ""))
        parts.append(value[:width].ljust(width))
    for code, value in message.fields:
        parts.append(f"{code}{clean_value(value)}{FIELD_DELIMITER}")
    data = encode_text("".join(parts), encoding)
    if error_detection:
        if sequence is not None:
            data += b"AY" + str(sequence % 10).encode("ascii")
        data += b"AZ"
        data += checksum(data).encode("ascii")
    return data + TERMINATOR
