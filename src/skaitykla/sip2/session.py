"""The state of one kiosk connection: who logged in, its encoding, and the last answer."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from skaitykla.sip2 import codec
from skaitykla.sip2.codec import Message
from skaitykla.sip2.models import KioskAccount


@dataclass
class KioskSession:
    peer: str
    #: The kiosk's network address (no port): failed logins are counted per address.
    address: str = ""
    kiosk: KioskAccount | None = None
    encoding: str = codec.DEFAULT_ENCODING
    failed_logins: int = 0
    #: The kiosk sent AY/AZ at least once: answer 96 with a checksum too.
    uses_error_detection: bool = False
    last_response: bytes | None = None
    _last_key: tuple[int | None, str] | None = None
    #: A keyed hash of (card, PIN) checked by the patrons service in this session; never the PIN.
    _patron: str | None = None

    def login(self, kiosk: KioskAccount) -> None:
        self.kiosk = kiosk
        self.encoding = kiosk.encoding or codec.DEFAULT_ENCODING
        self.failed_logins = 0
        self._patron = None

    def logout(self) -> None:
        self.kiosk = None
        self._patron = None

    # --- the patron at the kiosk: a PIN checked once per visit ----------------------------------

    @staticmethod
    def _pin_key(card: str, pin: str) -> str:
        return salted_hmac("skaitykla.sip2.session.pin", f"{card}\x00{pin}").hexdigest()

    def remember_patron(self, card: str, pin: str) -> None:
        self._patron = self._pin_key(card, pin)

    def patron_verified(self, card: str, pin: str) -> bool:
        return self._patron is not None and constant_time_compare(
            self._patron, self._pin_key(card, pin)
        )

    def forget_patron(self) -> None:
        self._patron = None

    def is_duplicate(self, message: Message) -> bool:
        """The same (sequence, checksum) as the last request: the kiosk lost our answer."""
        if message.checksum is None:
            return False
        self.uses_error_detection = True
        return self._last_key == (message.sequence, message.checksum.upper())

    def remember(self, message: Message, response: bytes) -> None:
        self.last_response = response
        self._last_key = (message.sequence, message.checksum.upper()) if message.checksum else None

    def encode_reply(self, reply: Message, *, request: Message) -> bytes:
        with_checksum = request.checksum is not None or bool(
            self.kiosk is not None and self.kiosk.error_detection_required
        )
        return codec.build(
            reply,
            encoding=self.encoding,
            error_detection=with_checksum,
            sequence=request.sequence if with_checksum else None,
        )

    def resend_request(self, *, force_checksum: bool = False) -> bytes:
        """``96``: ask the kiosk to send its last message again."""
        return codec.build(
            Message("96"),
            encoding=self.encoding,
            error_detection=force_checksum or self.uses_error_detection,
        )
