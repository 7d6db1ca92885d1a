"""E-mails of the reference app: to the asker (in the question's language) and deadline
reminders to the library (queued, sent after commit)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from skaitykla.notifications.services import queue_email
from skaitykla.reference.models import Question


def email_reader(
    question: Question, template: str, subject: str, *, base_url: str = "", **context: object
) -> None:
    if not question.email:
        return
    path = reverse("reference:status", args=[question.token])
    with translation.override(question.language or "lt"):
        context = {
            "question": question,
            "reply_url": base_url.rstrip("/") + path,
            "answer_text": strip_tags(question.answer_html),
            **context,
        }
        body_text = render_to_string(f"reference/email/{template}.txt", context)
        body_html = render_to_string(f"reference/email/{template}.html", context)
        queue_email(
            to=question.email,
            subject=str(subject),
            body_text=body_text,
            body_html=body_html,
            topic=f"reference.{template}",
            language=question.language or "lt",
            object_type="reference.question",
            object_id=question.pk,
        )


def email_reminder(question: Question, to: str) -> None:
    """Tell the library (or the claiming librarian) that a question is due soon (in Lithuanian)."""
    assert question.deadline is not None
    with translation.override("lt"):
        queue_email(
            to=to,
            subject=_("Question #%(id)s is due on %(date)s")
            % {"id": question.pk, "date": question.deadline.isoformat()},
            body_text=render_to_string("reference/email/reminder.txt", {"question": question}),
            topic="reference.reminder",
            object_type="reference.question",
            object_id=question.pk,
        )
