"""Queueing and delivering e-mail. Callers queue inside their transaction; sending happens after
commit (a task), so a rolled-back action never sends mail and no lock is held while sending."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from skaitykla.notifications.models import OutboxStatus, OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SENDING_LEASE = timedelta(minutes=10)
# Minutes to wait after attempt 1, 2, …: about a day in all before giving up.
BACKOFF_MINUTES = (1, 5, 30, 120, 720)


def queue_email(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    topic: str,
    language: str = "lt",
    object_type: str = "",
    object_id: object = "",
) -> OutgoingEmail:
    """Store one message and schedule its delivery after the surrounding transaction commits."""
    message = OutgoingEmail.objects.create(
        to=to,
        subject=subject[:250],
        body_text=body_text,
        body_html=body_html,
        topic=topic,
        language=language,
        object_type=object_type,
        object_id=str(object_id or ""),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


def _enqueue_delivery(message_id: int) -> None:
    from skaitykla.notifications.tasks import deliver_email

    deliver_email.enqueue(message_id)


def deliver(*, message_id: int) -> str:
    """Send one queued message if it is due; returns its status afterwards.

    The message is claimed first (its next attempt moved a lease ahead, under a row lock), so two
    workers never send it twice; the SMTP conversation happens outside any transaction.
    """
    with transaction.atomic():
        message = (
            OutgoingEmail.objects.select_for_update()
            .filter(
                pk=message_id,
                status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED],
                next_attempt_at__lte=timezone.now(),
            )
            .first()
        )
        if message is None:
            return "skipped"
        message.attempts += 1
        message.next_attempt_at = timezone.now() + SENDING_LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    now = timezone.now()
    try:
        email.send(fail_silently=False)
    except Exception as error:  # any transport failure: retry later
        logger.warning(
            "e-mail %s not sent (attempt %s): %s",
            message.pk,
            message.attempts,
            type(error).__name__,
        )
        gave_up = message.attempts >= MAX_ATTEMPTS
        delay = BACKOFF_MINUTES[min(message.attempts, len(BACKOFF_MINUTES)) - 1]
        OutgoingEmail.objects.filter(pk=message.pk).update(
            status=OutboxStatus.GAVE_UP if gave_up else OutboxStatus.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:300],
            next_attempt_at=None if gave_up else now + timedelta(minutes=delay),
        )
        return OutboxStatus.GAVE_UP if gave_up else OutboxStatus.FAILED
    OutgoingEmail.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENT, sent_at=now, next_attempt_at=None, last_error=""
    )
    return OutboxStatus.SENT


def retry_due() -> int:
    """Deliver every failed or pending message whose next attempt is due; returns how many
    were sent now."""
    due = list(
        OutgoingEmail.objects.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED],
            next_attempt_at__lte=timezone.now(),
        ).values_list("pk", flat=True)[:500]
    )
    return sum(deliver(message_id=message_id) == OutboxStatus.SENT for message_id in due)
