"""Reader notices by e-mail: due soon, overdue (1st, 2nd, 3rd), hold ready, order ready, hold
expired.

Each notice is a ``NoticeSent`` row and an outbox message written in one transaction; the
unique (object, kind) constraint means a notice is never queued twice, whoever runs the job and
however often. Delivery happens after commit in the notifications worker, which retries a
failed send; nothing here waits for a mail server, so circulation never blocks on e-mail.

The texts are per-language templates ``circulation/email/<notice>.<language>.txt`` (first line:
the subject), chosen by the reader's preferred language with Lithuanian as the fallback (ADR
0061). Readers without an e-mail address are skipped and nothing is recorded, so a notice can
still go out once they add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.template.loader import TemplateDoesNotExist, render_to_string
from django.utils import timezone, translation

from skaitykla.circulation.choices import ActorRole, HoldStatus, LoanKind, NoticeKind
from skaitykla.circulation.models import Hold, Loan, LoanPolicy, NoticeSent, StackOrder
from skaitykla.circulation.policies import DEFAULT_POLICY, policy_table
from skaitykla.core.timezones import library_zone
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.notifications.services import queue_email
from skaitykla.patrons.models import Reader

DEFAULT_LANGUAGE = "lt"
OVERDUE_KINDS = (NoticeKind.OVERDUE_1, NoticeKind.OVERDUE_2, NoticeKind.OVERDUE_3)


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    body: str
    language: str


def render_notice(template: str, *, language: str, context: dict[str, object]) -> RenderedNotice:
    """The subject (first line) and body of a notice in ``language`` (Lithuanian fallback)."""
    chosen = language or DEFAULT_LANGUAGE
    with translation.override(chosen):
        try:
            text = render_to_string(f"circulation/email/{template}.{chosen}.txt", context)
        except TemplateDoesNotExist:
            chosen = DEFAULT_LANGUAGE
            text = render_to_string(f"circulation/email/{template}.{chosen}.txt", context)
    subject, _sep, body = text.strip().partition("\n")
    return RenderedNotice(subject=subject.strip(), body=body.strip() + "\n", language=chosen)


def _queue(
    *,
    reader: Reader | None,
    kind: str,
    template: str,
    context: dict[str, object],
    loan: Loan | None = None,
    hold: Hold | None = None,
    order: StackOrder | None = None,
    at: datetime,
) -> OutgoingEmail | None:
    """Record the notice and queue its message in one transaction; None when the reader has
    no e-mail address or the notice was already sent."""
    if reader is None or not reader.email:
        return None
    notice = render_notice(
        template,
        language=reader.preferred_language,
        context={"reader": reader, "kind": kind, **context},
    )
    target = loan or hold or order
    assert target is not None
    try:
        with transaction.atomic():
            NoticeSent.objects.create(loan=loan, hold=hold, order=order, kind=kind, sent_at=at)
            return queue_email(
                to=reader.email,
                subject=notice.subject,
                body_text=notice.body,
                topic=f"circulation.{kind}",
                language=notice.language,
                object_type=f"circulation.{type(target).__name__.lower()}",
                object_id=target.pk,
            )
    except IntegrityError:
        return None  # already sent (another run got there first)


def _local(at: datetime, loan: Loan) -> datetime:
    return at.astimezone(library_zone(loan.library))


def _policy_for(loan: Loan, cache: dict[tuple[object, ...], LoanPolicy]) -> LoanPolicy:
    if loan.policy is not None:
        return loan.policy
    category_id = loan.reader.category_id if loan.reader else None
    key = (loan.library_id, category_id, loan.item.loan_type)
    if key not in cache:
        cache[key] = policy_table().resolve(
            library_id=loan.library_id,
            category_id=category_id,
            loan_type=loan.item.loan_type,
            material_type=loan.item.record.material_type,
        )
    return cache[key]


def due_notice_kind(
    *,
    policy: LoanPolicy,
    due_day: date,
    today: date,
    now: datetime,
    due_at: datetime,
    already: set[str],
) -> str | None:
    """Which notice (if any) a loan should get now.

    Overdue: the highest level whose interval (days after the due day) has passed, if no notice
    of that level or a higher one went out (after a pause of the job the reader gets one
    notice, not three). Due soon: within ``due_soon_days`` before the due day, once."""
    if now >= due_at:
        days_late = (today - due_day).days
        intervals = (
            policy.overdue_notice_1_days,
            policy.overdue_notice_2_days,
            policy.overdue_notice_3_days,
        )
        target = 0
        for level, interval in enumerate(intervals, start=1):
            if days_late >= interval:
                target = level
        sent = max(
            (level for level, kind in enumerate(OVERDUE_KINDS, start=1) if kind in already),
            default=0,
        )
        return OVERDUE_KINDS[target - 1] if target > sent else None
    if NoticeKind.DUE_SOON in already or policy.due_soon_days == 0:
        return None
    if (due_day - today).days <= policy.due_soon_days:
        return NoticeKind.DUE_SOON
    return None


def send_due_notices(*, now: datetime | None = None) -> int:
    """Queue due-soon and overdue notices for open home loans; returns how many were queued."""
    now = now or timezone.now()
    rules = policy_table().rules
    horizon = max([rule.due_soon_days for rule in rules] + [DEFAULT_POLICY.due_soon_days])
    loans = (
        Loan.objects.filter(
            returned_at__isnull=True,
            kind=LoanKind.HOME,
            reader__isnull=False,
            due_at__lt=now + timedelta(days=horizon + 2),
        )
        .exclude(reader__email="")
        .exclude(notices__kind=NoticeKind.OVERDUE_3)
        .select_related("reader", "library", "item__record", "policy")
        .prefetch_related("notices")
        .order_by("due_at", "id")
    )
    cache: dict[tuple[object, ...], LoanPolicy] = {}
    queued = 0
    for loan in loans.iterator(chunk_size=500):
        policy = _policy_for(loan, cache)
        local_due = _local(loan.due_at, loan)
        today = _local(now, loan).date()
        kind = due_notice_kind(
            policy=policy,
            due_day=local_due.date(),
            today=today,
            now=now,
            due_at=loan.due_at,
            already={notice.kind for notice in loan.notices.all()},
        )
        if kind is None:
            continue
        template = "due_soon" if kind == NoticeKind.DUE_SOON else "overdue"
        message = _queue(
            reader=loan.reader,
            kind=kind,
            template=template,
            loan=loan,
            at=now,
            context={
                "loan": loan,
                "title": loan.item.record.title,
                "due_date": local_due.date().isoformat(),
                "library": loan.library,
                "days_late": (today - local_due.date()).days,
                "level": OVERDUE_KINDS.index(kind) + 1 if kind in OVERDUE_KINDS else 0,
                "fine_per_day": policy.fine_per_day,
            },
        )
        queued += message is not None
    return queued


def notify_hold_ready(hold: Hold, *, at: datetime | None = None) -> OutgoingEmail | None:
    """Tell the reader their hold waits on the shelf (until ``shelf_expires_on``)."""
    at = at or timezone.now()
    return _queue(
        reader=hold.reader,
        kind=NoticeKind.HOLD_READY,
        template="hold_ready",
        hold=hold,
        at=at,
        context={
            "hold": hold,
            "title": hold.record.title,
            "library": hold.pickup_library,
            "until": hold.shelf_expires_on.isoformat() if hold.shelf_expires_on else "",
        },
    )


def notify_hold_expired(hold: Hold, *, at: datetime | None = None) -> OutgoingEmail | None:
    """Tell the reader their hold ended unfilled or was not picked up."""
    at = at or timezone.now()
    return _queue(
        reader=hold.reader,
        kind=NoticeKind.HOLD_EXPIRED,
        template="hold_expired",
        hold=hold,
        at=at,
        context={"hold": hold, "title": hold.record.title, "library": hold.pickup_library},
    )


def notify_order_ready(order: StackOrder, *, at: datetime | None = None) -> OutgoingEmail | None:
    """Tell the reader their closed-stack order is on the reading-room shelf."""
    at = at or timezone.now()
    room = order.room
    language = order.reader.preferred_language
    return _queue(
        reader=order.reader,
        kind=NoticeKind.ORDER_READY,
        template="order_ready",
        order=order,
        at=at,
        context={
            "order": order,
            "title": order.item.record.title,
            "call_number": order.item.call_number,
            "room_name": (room.name_en or room.name) if language == "en" else room.name,
            "until": order.pickup_until.isoformat() if order.pickup_until else "",
        },
    )


#: Expired holds older than this are not announced any more (e.g. after a long job outage).
HOLD_EXPIRED_NOTICE_WINDOW = timedelta(days=7)


def send_hold_notices(*, now: datetime | None = None) -> int:
    """Queue "hold ready" for holds on the shelf and "hold expired" for holds the system
    expired recently, each once; returns how many were queued. (The hold services change the
    hold; this job tells the reader, so a mail problem never touches circulation.)"""
    now = now or timezone.now()
    queued = 0
    ready = (
        Hold.objects.filter(status=HoldStatus.READY)
        .exclude(reader__email="")
        .exclude(notices__kind=NoticeKind.HOLD_READY)
        .select_related("reader", "record", "pickup_library")
        .order_by("ready_at", "id")
    )
    for hold in ready.iterator(chunk_size=500):
        queued += notify_hold_ready(hold, at=now) is not None
    expired = (
        Hold.objects.filter(
            status=HoldStatus.EXPIRED,
            cancelled_by=ActorRole.SYSTEM,
            closed_at__gte=now - HOLD_EXPIRED_NOTICE_WINDOW,
        )
        .exclude(reader__email="")
        .exclude(notices__kind=NoticeKind.HOLD_EXPIRED)
        .select_related("reader", "record", "pickup_library")
        .order_by("closed_at", "id")
    )
    for hold in expired.iterator(chunk_size=500):
        queued += notify_hold_expired(hold, at=now) is not None
    return queued
