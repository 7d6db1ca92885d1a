"""The outbox against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from skaitykla.notifications.models import OutboxStatus, OutgoingEmail
from skaitykla.notifications.services import deliver, queue_email, retry_due

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
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


def _queue(**overrides: object) -> OutgoingEmail:
    fields = {
        "to": "skaitytojas@example.invalid",
        "subject": "Jūsų klausimas gautas",
        "body_text": "Atsakysime per 3 darbo dienas.",
        "topic": "test",
    }
    fields.update(overrides)
    return queue_email(**fields)  # type: ignore[arg-type]


def test_delivery_is_enqueued_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = _queue()
    assert len(callbacks) == 1
    assert DBTaskResult.objects.count() == 0
    callbacks[0]()
    assert DBTaskResult.objects.count() == 1
    assert OutgoingEmail.objects.get(pk=message.pk).status == OutboxStatus.PENDING


def test_a_rolled_back_action_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _queue()
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert OutgoingEmail.objects.count() == 0


def test_deliver_sends_once_through_smtp(smtp):
    message = _queue(body_html="<p>Ąčęėįšųūž</p>")
    assert deliver(message_id=message.pk) == OutboxStatus.SENT
    assert deliver(message_id=message.pk) == "skipped"
    assert len(smtp.envelopes) == 1
    assert smtp.envelopes[0].rcpt_tos == ["skaitytojas@example.invalid"]
    assert (
        "Ąčęėįšųūž".encode() in smtp.envelopes[0].content or b"=C4=84" in smtp.envelopes[0].content
    )
    stored = OutgoingEmail.objects.get(pk=message.pk)
    assert (stored.status, stored.attempts, stored.last_error) == (OutboxStatus.SENT, 1, "")


def test_smtp_down_means_retry_later_then_success(settings, smtp):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    message = _queue()
    assert deliver(message_id=message.pk) == OutboxStatus.FAILED
    failed = OutgoingEmail.objects.get(pk=message.pk)
    assert failed.attempts == 1
    assert failed.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert "ConnectionRefusedError" in failed.last_error
    assert retry_due() == 0  # not due yet
    settings.EMAIL_PORT = port
    OutgoingEmail.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert retry_due() == 1
    assert OutgoingEmail.objects.get(pk=message.pk).status == OutboxStatus.SENT
    assert len(smtp.envelopes) == 1


def test_gives_up_after_the_last_attempt(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    message = _queue()
    for _ in range(6):
        OutgoingEmail.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        status = deliver(message_id=message.pk)
    assert status == OutboxStatus.GAVE_UP
    stored = OutgoingEmail.objects.get(pk=message.pk)
    assert (stored.attempts, stored.next_attempt_at) == (6, None)
    assert deliver(message_id=message.pk) == "skipped"
