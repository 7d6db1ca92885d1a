# ruff: noqa: F811 - the fixtures imported from order_fixtures are test parameters
"""Reader notices over real SMTP (aiosmtpd on loopback): due soon and overdue in the reader's
language, escalation 1st → 2nd → 3rd, never twice, never blocking circulation."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation.choices import (
    ActorRole,
    CircChannel,
    HoldStatus,
    LoanKind,
    NoticeKind,
)
from skaitykla.circulation.models import Hold, Loan, NoticeSent
from skaitykla.circulation.services.notices import send_due_notices, send_hold_notices
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.notifications.services import deliver, retry_due
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.circulation.order_fixtures import (  # noqa: F401 - fixtures
    _fresh_policy_cache,
    adult,
    egle,
    jonas,
    lnb,
    local,
    make_person,
)
from tests.smtp_server import free_port

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 10, 9)  # Tuesday


def lend(reader, library, *, title, barcode, due: datetime, kind=LoanKind.HOME, returned=None):
    item = ItemFactory(
        record=RecordFactory(title=title),
        library=library,
        barcode=barcode,
        status=ItemStatus.ON_LOAN,
    )
    return Loan.objects.create(
        item=item,
        reader=reader,
        library=library,
        kind=kind,
        checked_out_at=due - timedelta(days=30),
        due_at=due,
        returned_at=returned,
        channel=CircChannel.DESK,
    )


def mails(smtp):
    return [message_from_bytes(e.content, policy=policy.default) for e in smtp.envelopes]


def test_due_soon_in_lithuanian_and_overdue_in_english_arrive_once(smtp, egle, jonas, lnb):
    due_soon = lend(
        egle.reader, lnb, title="Anykščių šilelis", barcode="LV1", due=local(2026, 3, 12, 23, 59)
    )
    overdue = lend(jonas.reader, lnb, title="Metai", barcode="LV2", due=local(2026, 3, 9, 23, 59))
    lend(egle.reader, lnb, title="Later", barcode="LV3", due=local(2026, 3, 20, 23, 59))
    lend(
        egle.reader,
        lnb,
        title="Returned",
        barcode="LV4",
        due=local(2026, 3, 1, 23, 59),
        returned=local(2026, 3, 5),
    )
    lend(
        jonas.reader,
        lnb,
        title="Reading room",
        barcode="LV5",
        due=local(2026, 3, 9, 20),
        kind=LoanKind.READING_ROOM,
    )

    assert send_due_notices(now=NOW) == 2
    assert retry_due() == 2
    by_to = {str(mail["To"]): mail for mail in mails(smtp)}
    lithuanian = by_to[egle.reader.email]
    assert (
        str(lithuanian["Subject"]).strip()
        == "Primename: „Anykščių šilelis“ reikia grąžinti iki 2026-03-12"
    )
    body = lithuanian.get_content()
    assert "Sveiki, Eglė," in body
    assert "iki 2026-03-12" in body
    english = by_to[jonas.reader.email]
    assert str(english["Subject"]).strip() == "Overdue: “Metai”"
    body = english.get_content()
    assert "Dear Jonas," in body
    assert "on 2026-03-09 (1 days ago)" in body
    assert NoticeSent.objects.get(loan=due_soon).kind == NoticeKind.DUE_SOON
    assert NoticeSent.objects.get(loan=overdue).kind == NoticeKind.OVERDUE_1

    # The job runs again (hourly): nothing new is queued or sent.
    assert send_due_notices(now=NOW) == 0
    assert send_due_notices(now=NOW + timedelta(hours=1)) == 0
    assert retry_due() == 0
    assert len(smtp.envelopes) == 2
    assert OutgoingEmail.objects.count() == 2


def test_overdue_notices_escalate_at_their_intervals(egle, lnb):
    loan = lend(egle.reader, lnb, title="Metai", barcode="LV1", due=local(2026, 3, 9, 23, 59))
    assert send_due_notices(now=local(2026, 3, 9, 22)) == 1  # due soon, the day itself
    assert send_due_notices(now=local(2026, 3, 10, 9)) == 1  # 1 day late
    assert send_due_notices(now=local(2026, 3, 22, 9)) == 0  # 13 days late
    assert send_due_notices(now=local(2026, 3, 23, 9)) == 1  # 14 days late
    assert send_due_notices(now=local(2026, 4, 7, 9)) == 0  # 29
    assert send_due_notices(now=local(2026, 4, 8, 9)) == 1  # 30
    assert send_due_notices(now=local(2026, 6, 1, 9)) == 0
    assert list(
        NoticeSent.objects.filter(loan=loan).order_by("sent_at").values_list("kind", flat=True)
    ) == ["due_soon", "overdue_1", "overdue_2", "overdue_3"]
    subjects = list(OutgoingEmail.objects.order_by("id").values_list("subject", flat=True))
    assert subjects[2] == "Antras priminimas: vėluojate grąžinti „Metai“"
    assert subjects[3] == "Paskutinis priminimas: vėluojate grąžinti „Metai“"


def test_after_a_pause_the_reader_gets_one_notice_not_three(egle, lnb):
    loan = lend(egle.reader, lnb, title="Metai", barcode="LV1", due=local(2026, 2, 1, 23, 59))
    assert send_due_notices(now=NOW) == 1
    assert send_due_notices(now=NOW) == 0
    assert list(NoticeSent.objects.filter(loan=loan).values_list("kind", flat=True)) == [
        "overdue_3"
    ]


def test_readers_without_email_are_skipped_and_nothing_is_recorded(lnb, adult):
    person = make_person(lnb, adult, "Ona", "LNB0009999", email="")
    lend(person.reader, lnb, title="Metai", barcode="LV1", due=local(2026, 3, 9, 23, 59))
    assert send_due_notices(now=NOW) == 0
    assert NoticeSent.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_a_mail_server_down_is_retried_later_and_circulation_is_untouched(settings, egle, lnb):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2
    loan = lend(egle.reader, lnb, title="Metai", barcode="LV1", due=local(2026, 3, 9, 23, 59))
    assert send_due_notices(now=NOW) == 1
    message = OutgoingEmail.objects.get()
    assert deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.next_attempt_at is not None
    loan.refresh_from_db()
    assert loan.returned_at is None
    assert NoticeSent.objects.filter(loan=loan, kind="overdue_1").count() == 1
    assert send_due_notices(now=NOW) == 0  # the retry is the outbox's job, not a new notice


def _hold(reader, lnb, *, status, barcode, **fields):
    item = ItemFactory(
        record=RecordFactory(title="Baltaragio malūnas"), library=lnb, barcode=barcode
    )
    return Hold.objects.create(
        reader=reader,
        record=item.record,
        pickup_library=lnb,
        status=status,
        placed_at=local(2026, 3, 1),
        trapped_item=item,
        channel=CircChannel.PORTAL,
        **fields,
    )


def test_hold_ready_and_hold_expired_notices_go_once(smtp, egle, jonas, lnb):
    ready = _hold(
        egle.reader,
        lnb,
        status=HoldStatus.READY,
        barcode="LV10",
        ready_at=local(2026, 3, 9, 12),
        shelf_expires_on=local(2026, 3, 12).date(),
    )
    expired = _hold(
        jonas.reader,
        lnb,
        status=HoldStatus.EXPIRED,
        barcode="LV11",
        closed_at=NOW - timedelta(days=1),
        cancelled_by=ActorRole.SYSTEM,
    )
    _hold(  # cancelled by the reader: no notice
        jonas.reader,
        lnb,
        status=HoldStatus.CANCELLED,
        barcode="LV12",
        closed_at=NOW - timedelta(days=1),
        cancelled_by=ActorRole.READER,
    )
    assert send_hold_notices(now=NOW) == 2
    assert send_hold_notices(now=NOW) == 0
    assert retry_due() == 2
    subjects = sorted(str(mail["Subject"]).strip() for mail in mails(smtp))
    assert subjects == [
        "Rezervuotas leidinys jūsų laukia: „Baltaragio malūnas“",
        "Your hold has expired: “Baltaragio malūnas”",
    ]
    assert NoticeSent.objects.get(hold=ready).kind == "hold_ready"
    assert NoticeSent.objects.get(hold=expired).kind == "hold_expired"
    assert "2026-03-12" in next(
        m.get_content() for m in mails(smtp) if "laukia" in str(m["Subject"])
    )
