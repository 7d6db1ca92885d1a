"""A raw-socket SIP2 kiosk for tests, and the kiosk/readers/items every SIP2 test needs."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from skaitykla.sip2 import codec
from skaitykla.sip2.codec import Message
from skaitykla.sip2.models import KioskAccount
from tests.factories import LibraryFactory

KIOSK_PASSWORD = "kiosk-Secret-7"


def make_kiosk(library=None, **fields: object) -> KioskAccount:
    kiosk = KioskAccount(
        username=fields.pop("username", "kiosk1"),
        library=library or LibraryFactory(code="LT-TEST"),
        location_code=fields.pop("location_code", "LT-TEST"),
        **fields,
    )
    kiosk.set_password(str(fields.pop("password", KIOSK_PASSWORD)))
    kiosk.save()
    return kiosk


@dataclass
class RawKiosk:
    """A plain socket kiosk: sends bytes, reads one CR-terminated reply."""

    port: int
    timeout: float = 10.0

    def __post_init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self._buffer = b""
        self.sequence = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawKiosk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_line(self) -> bytes:
        while b"\r" not in self._buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self._buffer += chunk
        line, _sep, self._buffer = self._buffer.partition(b"\r")
        return line + b"\r"

    def is_closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except (ConnectionError, OSError):
            return True

    def ask_raw(self, data: bytes) -> bytes:
        self.send_raw(data)
        return self.read_line()

    def ask(self, message: Message, *, checksum: bool = True, encoding: str = "utf-8") -> Message:
        self.sequence = (self.sequence + 1) % 10
        data = codec.build(
            message, encoding=encoding, error_detection=checksum, sequence=self.sequence
        )
        return codec.parse(self.ask_raw(data), encoding=encoding)

    def login(self, username: str = "kiosk1", password: str = KIOSK_PASSWORD) -> Message:
        return self.ask(
            Message("93", {"uid_algorithm": "0", "pwd_algorithm": "0"})
            .add("CN", username)
            .add("CO", password)
            .add("CP", "desk")
        )


NOW = "20260105    101500"
BLANK_DATE = " " * 18


def checkout(
    card: str, item: str, *, no_block: str = "N", pin: str | None = None, renewal: str = "N"
) -> Message:
    message = Message(
        "11",
        {
            "sc_renewal_policy": renewal,
            "no_block": no_block,
            "transaction_date": NOW,
            "nb_due_date": BLANK_DATE,
        },
    )
    message.add("AO", "LT-TEST").add("AA", card).add("AB", item).add("AC", "")
    if pin is not None:
        message.add("AD", pin)
    return message


def checkin(item: str, *, no_block: str = "N", return_date: str = NOW) -> Message:
    message = Message(
        "09", {"no_block": no_block, "transaction_date": NOW, "return_date": return_date}
    )
    return message.add("AP", "desk").add("AO", "LT-TEST").add("AB", item).add("AC", "")


def patron_status(card: str, pin: str | None = None) -> Message:
    message = Message("23", {"language": "000", "transaction_date": NOW})
    message.add("AO", "LT-TEST").add("AA", card).add("AC", "")
    if pin is not None:
        message.add("AD", pin)
    return message


def patron_information(
    card: str,
    summary: str = "          ",
    *,
    pin: str | None = None,
    start: str = "",
    end: str = "",
) -> Message:
    message = Message("63", {"language": "000", "transaction_date": NOW, "summary": summary})
    message.add("AO", "LT-TEST").add("AA", card)
    if pin is not None:
        message.add("AD", pin)
    if start:
        message.add("BP", start)
    if end:
        message.add("BQ", end)
    return message


def item_information(item: str) -> Message:
    return Message("17", {"transaction_date": NOW}).add("AO", "LT-TEST").add("AB", item)


def sc_status() -> Message:
    return Message("99", {"status_code": "0", "max_print_width": "080", "protocol_version": "2.00"})
