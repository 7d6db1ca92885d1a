"""The confirmation e-mail over real SMTP (aiosmtpd on loopback): sent after commit, with the
cancel link that works."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from skaitykla.events import services
from skaitykla.events.models import Registration
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.notifications.services import deliver
from tests.events.factories import event_with_session

pytestmark = pytest.mark.django_db


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
