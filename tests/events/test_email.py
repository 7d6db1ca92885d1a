"""The confirmation e-mail over real SMTP (aiosmtpd on loopback): sent after commit, with the
cancel link that works."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from skaitykla.events import services
from skaitykla.events.models import Registration
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.notifications.services import deliver
from tests.events.factories import event_with_session

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()


def test_confirmation_mail_is_sent_after_commit_with_a_working_cancel_link(
    smtp, client, django_capture_on_commit_callbacks
):
    event, (session,) = event_with_session(title="Šaltinių paieška")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        registration = services.register(
            event=event, session=session, name="Ąžuolė Ūsaitė", email="azuole@example.lt"
        )
    assert callbacks  # delivery waits for the commit
    assert smtp.envelopes == []
    message = OutgoingEmail.objects.get(topic="events.confirmed")
    assert deliver(message_id=message.pk) == "sent"
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["azuole@example.lt"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert str(mail["Subject"]).strip() == "Registracija patvirtinta: Šaltinių paieška"
    body = mail.get_content()
    assert "Sveiki, Ąžuolė Ūsaitė," in body
    link = next(line for line in body.splitlines() if "/events/registration/" in line)
    path = link[link.index("/events/registration/") :].strip()
    assert path.endswith("/")
    client.post(path + "cancel/")
    assert Registration.objects.get(pk=registration.pk).status == "cancelled"
