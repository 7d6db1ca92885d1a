"""Reusable answers: the library's own and the network's shared ones (``library`` None).

The body is sanitised exactly as answers are (``sanitising.sanitise_html``). Who may touch a
shared template is the interface's decision (ADR 30 addendum); these functions keep a template
inside the scope it was created in.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.core.choices import ActorKind
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import AnswerTemplate
from skaitykla.reference.services.sanitising import sanitise_html

MAX_TITLE = 200


def _lock_in_scope(template_id: int, library: Library | None) -> AnswerTemplate:
    """The template, locked, when it belongs to ``library`` (None: a shared one)."""
    template = AnswerTemplate.objects.select_for_update().filter(pk=template_id).first()
    library_id = library.pk if library is not None else None
    if template is None or template.library_id != library_id:
        raise ReferenceError(_("No such answer template."), code="template_not_found")
    return template


def _audit(user: User, action: str, template_id: int, library: Library | None) -> None:
    record_audit(
        actor_kind=ActorKind.STAFF,
        actor_id=user.pk,
        action=f"reference.{action}",
        object_type="reference.answertemplate",
        object_id=template_id,
        library=library,
        detail={"shared": library is None},
    )


def save_answer_template(
    *,
    user: User,
    library: Library | None,
    title: str,
    body_html: str,
    template_id: int | None = None,
) -> AnswerTemplate:
    """Save a reusable answer (sanitised) for the library, or for the whole network; with
    ``template_id``, change that template of the same scope."""
    clean = sanitise_html(body_html).strip()
    title = title.strip()
    if not title or not strip_tags(clean).strip():
        raise ReferenceError(_("A template needs a title and a text."), code="template_empty")
    if len(title) > MAX_TITLE:
        raise ReferenceError(
            _("A template title has at most %(count)d characters.") % {"count": MAX_TITLE},
            code="template_title_length",
        )
    with transaction.atomic():
        if template_id is None:
            template = AnswerTemplate.objects.create(library=library, title=title, body_html=clean)
            _audit(user, "template_saved", template.pk, library)
        else:
            template = _lock_in_scope(template_id, library)
            template.title = title
            template.body_html = clean
            template.save(update_fields=["title", "body_html"])
            _audit(user, "template_changed", template.pk, library)
    return template


def delete_answer_template(*, user: User, library: Library | None, template_id: int) -> None:
    """Delete a template of the given scope (the library's own, or a shared one)."""
    with transaction.atomic():
        template = _lock_in_scope(template_id, library)
        _audit(user, "template_deleted", template.pk, library)
        template.delete()
