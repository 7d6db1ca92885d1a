"""E-mail settings from EMAIL_URL deliver through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import environ
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core.mail import get_connection, send_mail


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_email_url_settings_deliver_to_a_real_smtp_server(smtp_server, settings):
    inbox, port = smtp_server
    config = environ.Env.email_url_config(f"smtp://127.0.0.1:{port}")
    connection = get_connection(
        backend=config["EMAIL_BACKEND"],
        host=config["EMAIL_HOST"],
        port=config["EMAIL_PORT"],
        timeout=5,
    )
    sent = send_mail(
        "Jūsų klausimas gautas",
        "Atsakysime per 3 darbo dienas. Ąčęėįšųūž.",
        "skaitykla@lnb.example",
        ["skaitytojas@example.invalid"],
        connection=connection,
    )
    assert sent == 1
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "skaitytojas@example.invalid"
    assert "Ąčęėįšųūž" in message.get_payload(decode=True).decode("utf-8")
