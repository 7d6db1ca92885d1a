"""The outbox against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import environ
import pytest
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from skaitykla.notifications.models import OutboxStatus, OutgoingEmail
from skaitykla.notifications.services import deliver, queue_email, retry_due
from tests.smtp_server import free_port

pytestmark = pytest.mark.django_db


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
    parsed = message_from_bytes(smtp.envelopes[0].content, policy=default_policy)
    html = parsed.get_body(("html",))
    assert html is not None
    assert html.get_content().strip() == "<p>Ąčęėįšųūž</p>"
    stored = OutgoingEmail.objects.get(pk=message.pk)
    assert (stored.status, stored.attempts, stored.last_error) == (OutboxStatus.SENT, 1, "")


def test_smtp_down_means_retry_later_then_success(settings, smtp):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
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
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = _queue()
    for _ in range(6):
        OutgoingEmail.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        status = deliver(message_id=message.pk)
    assert status == OutboxStatus.GAVE_UP
    stored = OutgoingEmail.objects.get(pk=message.pk)
    assert (stored.attempts, stored.next_attempt_at) == (6, None)
    assert deliver(message_id=message.pk) == "skipped"


def test_email_url_settings_deliver_to_a_real_smtp_server(smtp, settings):
    """What EMAIL_URL says (parsed as settings.py parses it) reaches the server."""
    config = environ.Env.email_url_config(f"smtp://127.0.0.1:{settings.EMAIL_PORT}")
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
    assert [envelope.rcpt_tos for envelope in smtp.envelopes] == [["skaitytojas@example.invalid"]]
    message = message_from_bytes(smtp.envelopes[0].content)
    assert "Ąčęėįšųūž" in message.get_payload(decode=True).decode("utf-8")
