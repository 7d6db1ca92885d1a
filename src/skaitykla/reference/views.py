"""Pages of the reference app: the public question forms, the answer archive, the reader's
question page, and the staff queue, question and desk-log screens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from skaitykla.core.client_ip import client_ip
from skaitykla.core.errors import DomainError, NotFoundError
from skaitykla.core.models import Library
from skaitykla.core.staff_access import staff_required
from skaitykla.core.timezones import library_zone
from skaitykla.reference import forms, selectors, services
from skaitykla.reference.choices import QuestionKind, QuestionStatus
from skaitykla.reference.models import AnswerTemplate, KnowledgeBaseEntry, Question

ANSWER = "reference.answer_question"
PUBLISH = "reference.publish_kbentry"
DESK = "reference.log_desk_transaction"
SETTINGS = "reference.change_referenceprofile"
READ_WORDINGS = "reference.change_readlevelwording"
ADD_TEMPLATE = "reference.add_answertemplate"
CHANGE_TEMPLATE = "reference.change_answertemplate"
DELETE_TEMPLATE = "reference.delete_answertemplate"
#: Network-shared answer templates are everyone's: changing them takes the coordinator's right.
SHARED_TEMPLATES = "reference.coordinate_network"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _current_reader_id(request: HttpRequest) -> int | None:
    try:
        from skaitykla.patrons.reader_session import current_reader
    except ImportError:  # pragma: no cover - the patrons app is always installed
        return None
    reader = current_reader(request)
    return reader.pk if reader is not None else None


# --- Public: the forms --------------------------------------------------------------------

_PUBLIC_FORMS: dict[str, tuple[type[forms._PublicForm], str, Any]] = {
    QuestionKind.QUESTION: (
        forms.QuestionForm,
        "reference/ask.html",
        gettext_lazy("Ask a Librarian"),
    ),
    QuestionKind.ACCESSIBLE: (
        forms.AccessibleRequestForm,
        "reference/ask.html",
        gettext_lazy("Request accessible communication"),
    ),
    QuestionKind.CONSULTATION: (
        forms.ConsultationForm,
        "reference/ask.html",
        gettext_lazy("Consultation for libraries"),
    ),
}


def _public_form(request: HttpRequest, kind: str, *, embed: bool = False) -> HttpResponse:
    form_class, template, title = _PUBLIC_FORMS[kind]
    library = selectors.receiving_library(request.GET.get("library", "")[:20])
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid() and library is not None:
            honeypot, seconds = form.anti_spam()
            try:
                question = services.submit_question(
                    received_via=library,
                    submission=form.submission(),
                    client_ip=client_ip(request),
                    honeypot=honeypot,
                    fill_seconds=seconds,
                    reader_id=None if embed else _current_reader_id(request),
                    base_url=_base_url(request),
                )
            except DomainError as error:
                form.add_error(None, str(error))
                status = 429 if error.code == "question_rate_limited" else 400
            else:
                return redirect("reference:status", token=question.token)
        else:
            status = 400
        data = request.POST.copy()
        data["started"] = forms.started_token()
        form.data = data
    else:
        form = form_class(initial={"started": forms.started_token()})
    context = {
        "form": form,
        "title": title,
        "kind": kind,
        "embed": embed,
        "library": library,
        "similar": [],
    }
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    return _public_form(request, QuestionKind.QUESTION)


@csrf_exempt  # framed on another site: no first-party cookies; the form links no reader
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["https:", "http:"]})
@require_http_methods(["GET", "HEAD", "POST"])
def ask_embed(request: HttpRequest) -> HttpResponse:
    return _public_form(request, QuestionKind.QUESTION, embed=True)


@require_http_methods(["GET", "HEAD", "POST"])
def accessible(request: HttpRequest) -> HttpResponse:
    return _public_form(request, QuestionKind.ACCESSIBLE)


@require_http_methods(["GET", "HEAD", "POST"])
def consultation(request: HttpRequest) -> HttpResponse:
    return _public_form(request, QuestionKind.CONSULTATION)


@require_safe
def similar(request: HttpRequest) -> HttpResponse:
    """Similar published answers for what is being typed (htmx fragment or a full page)."""
    text = request.GET.get("text", "")[: forms.MAX_QUESTION]
    entries = selectors.similar_entries(text) if len(text.strip()) >= 3 else []
    template = (
        "reference/_similar.html" if request.headers.get("HX-Request") else "reference/similar.html"
    )
    return render(request, template, {"similar": entries, "text": text})


# --- Public: the reader's question page ---------------------------------------------------


def _question_for_token(token: str) -> Question:
    try:
        return selectors.get_question_by_token(token)
    except NotFoundError:
        raise Http404 from None


@require_safe
def status(request: HttpRequest, token: str) -> HttpResponse:
    question = _question_for_token(token)
    return render(
        request,
        "reference/status.html",
        {
            "question": question,
            "reply_form": forms.ReplyForm(),
            "rating_form": forms.RatingForm(),
        },
    )


@require_POST
def reply(request: HttpRequest, token: str) -> HttpResponse:
    question = _question_for_token(token)
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_as_reader(token=str(question.token), text=form.cleaned_data["text"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("reference:status", token=question.token)
    context = {"question": question, "reply_form": form, "rating_form": forms.RatingForm()}
    return render(request, "reference/status.html", context, status=400)


@require_POST
def rate(request: HttpRequest, token: str) -> HttpResponse:
    question = _question_for_token(token)
    form = forms.RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_answer(
                token=str(question.token),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data.get("comment", ""),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("reference:status", token=question.token)
    context = {"question": question, "reply_form": forms.ReplyForm(), "rating_form": form}
    return render(request, "reference/status.html", context, status=400)


# --- Public: the archive ------------------------------------------------------------------


@require_safe
def archive(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET)
    query = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    if query:
        results: list[KnowledgeBaseEntry] = selectors.search_entries(query, limit=50)
        page = None
    else:
        page = Paginator(selectors.list_entries(), 20).get_page(request.GET.get("page"))
        results = list(page.object_list)
    return render(
        request,
        "reference/archive.html",
        {"form": form, "query": query, "results": results, "page": page},
    )


@require_safe
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        found = selectors.get_entry(entry_id)
    except NotFoundError:
        raise Http404 from None
    return render(request, "reference/entry.html", {"entry": found})


class ArchiveFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Ask a Librarian: new answers")
    subtitle = gettext_lazy("Questions answered by librarians, published without personal data.")

    def link(self) -> str:
        return reverse("reference:archive")

    def items(self) -> list[KnowledgeBaseEntry]:
        return list(selectors.list_entries()[:30])

    def item_title(self, item: KnowledgeBaseEntry) -> str:
        return item.title

    def item_description(self, item: KnowledgeBaseEntry) -> str:
        return strip_tags(item.answer_html)[:1000]

    def item_link(self, item: KnowledgeBaseEntry) -> str:
        return reverse("reference:entry", args=[item.pk])

    def item_pubdate(self, item: KnowledgeBaseEntry) -> datetime:
        return item.published_at


# --- Staff: the queue ---------------------------------------------------------------------


def _visible(request: HttpRequest, question_id: int) -> Question:
    try:
        return selectors.get_staff_question(request.user, question_id)
    except NotFoundError:
        raise Http404 from None


def _today(request: HttpRequest) -> Any:
    home = getattr(request.user, "home_library", None)
    now = timezone.now()
    return now.astimezone(library_zone(home)).date() if home is not None else now.date()


@require_safe
@staff_required(ANSWER)
def queue(request: HttpRequest) -> HttpResponse:
    libraries = selectors.staff_libraries(request.user)
    wanted_status = request.GET.get("status", "")
    if wanted_status not in QuestionStatus.values:
        wanted_status = ""
    kind = request.GET.get("kind", "")
    if kind not in QuestionKind.values:
        kind = ""
    today = _today(request)
    overdue_only = request.GET.get("overdue") == "1"
    questions = selectors.list_queue(
        libraries=libraries,
        status=wanted_status,
        kind=kind,
        overdue_on=today if overdue_only else None,
    )
    page = Paginator(questions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reference/staff/queue.html",
        {
            "page": page,
            "today": today,
            "statuses": QuestionStatus.choices,
            "kinds": QuestionKind.choices,
            "status": wanted_status,
            "kind": kind,
            "overdue_only": overdue_only,
            "summary": selectors.queue_summary(today) if libraries is None else None,
        },
    )


def _transfer_targets(question: Question) -> QuerySet[Library]:
    return selectors.list_member_libraries().exclude(pk=question.library_id)


def _question_page(
    request: HttpRequest, question: Question, *, status: int = 200, **forms_: object
) -> HttpResponse:
    levels = selectors.read_levels()
    context: dict[str, Any] = {
        "question": question,
        "today": _today(request),
        "events": question.events.select_related("author", "from_library"),
        "templates": selectors.list_templates(question.library),
        "answer_form": forms.AnswerForm(read_levels=levels),
        "note_form": forms.NoteForm(),
        "template_form": forms.TemplateForm(),
        "clarify_form": forms.ClarifyForm(),
        "transfer_form": forms.TransferForm(libraries=_transfer_targets(question)),
        "assign_form": forms.AssignForm(users=selectors.list_colleagues()),
        "reject_form": forms.RejectForm(),
        "publish_form": forms.PublishForm(
            initial={
                "title": question.subject or question.text[:80],
                "question_text": question.text,
                "answer_html": question.answer_html,
                "keywords": question.subject,
            }
        ),
        "can_publish": request.user.has_perm(PUBLISH),
        "entry": KnowledgeBaseEntry.objects.filter(question=question).first(),
    }
    context.update(forms_)
    return render(request, "reference/staff/question.html", context, status=status)


@require_safe
@staff_required(ANSWER)
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    return _question_page(request, _visible(request, question_id))


def _action_form(request: HttpRequest, question: Question, action: str) -> tuple[str, Any] | None:
    """The bound form an action posts and its name in the page context (None: no form)."""
    post = request.POST
    if action == "note":
        return "note_form", forms.NoteForm(post)
    if action == "template":
        return "template_form", forms.TemplateForm(post)
    if action == "clarify":
        return "clarify_form", forms.ClarifyForm(post)
    if action == "transfer":
        return "transfer_form", forms.TransferForm(post, libraries=_transfer_targets(question))
    if action == "assign":
        return "assign_form", forms.AssignForm(post, users=selectors.list_colleagues())
    if action == "reject":
        return "reject_form", forms.RejectForm(post)
    if action == "answer":
        answer_form = forms.AnswerForm(post, request.FILES, read_levels=selectors.read_levels())
        return "answer_form", answer_form
    if action == "publish":
        return "publish_form", forms.PublishForm(post)
    return None


def _perform(
    action: str, question: Question, user: Any, data: dict[str, Any], base_url: str
) -> None:
    """Call the one service the action stands for."""
    ids: dict[str, Any] = {"question_id": question.pk, "user": user}
    if action == "claim":
        services.claim_question(**ids)
    elif action == "release":
        services.release_question(**ids)
    elif action == "close":
        services.close_question(**ids)
    elif action == "note":
        services.add_note(**ids, text=data["text"])
    elif action == "template":
        services.save_answer_template(
            user=user,
            library=question.library,
            title=data["title"],
            body_html=data["body_html"],
        )
    elif action == "clarify":
        services.ask_reader(**ids, message=data["message"], base_url=base_url)
    elif action == "transfer":
        services.transfer_question(**ids, to_library=data["to_library"], note=data["note"])
    elif action == "assign":
        services.assign_question(**ids, assignee=data["assignee"])
    elif action == "reject":
        services.reject_question(
            **ids, reason=data["reason"], duplicate_of_id=data.get("duplicate_of")
        )
    elif action == "answer":
        services.answer_question(
            **ids,
            answer_html=data["answer_html"],
            read_level=data["read_level"],
            question_type=data["question_type"],
            attachment=data.get("attachment"),
            base_url=base_url,
        )
    elif action == "publish":
        services.publish_entry(**ids, **data)
    else:
        raise Http404


@require_POST
@staff_required(ANSWER)
def question_action(request: HttpRequest, question_id: int, action: str) -> HttpResponse:
    question = _visible(request, question_id)
    if action == "publish" and not request.user.has_perm(PUBLISH):
        raise Http404
    data: dict[str, Any] = {}
    bound = _action_form(request, question, action)
    if bound is not None:
        name, form = bound
        if not form.is_valid():
            return _question_page(request, question, status=400, **{name: form})
        data = form.cleaned_data
    try:
        _perform(action, question, request.user, data, _base_url(request))
    except DomainError as error:
        return _question_page(request, question, status=409, error=str(error))
    if action == "transfer":  # no longer in this library's queue
        return redirect("reference:queue")
    return redirect("reference:question", question_id=question.pk)


# --- Staff: the desk log ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(DESK)
def desk(request: HttpRequest) -> HttpResponse:
    library = getattr(request.user, "home_library", None)
    points = selectors.list_service_points(library) if library is not None else []
    levels = selectors.read_levels()
    point_code = request.GET.get("point", "") or request.POST.get("point", "")
    point = next((p for p in points if p.code == point_code), points[0] if points else None)
    tally_form = forms.DeskTallyForm(read_levels=levels)
    batch_form = forms.DeskBatchForm()
    logged = 0
    error = ""
    status = 200
    if request.method == "POST" and library is not None:
        try:
            if request.POST.get("mode") == "batch":
                batch_form = forms.DeskBatchForm(request.POST)
                if batch_form.is_valid():
                    day = batch_form.cleaned_data["day"]
                    moment = timezone.make_aware(
                        datetime.combine(day, datetime.min.time()).replace(hour=12),
                        library_zone(library),
                    )
                    logged = len(
                        services.log_desk_transactions(
                            library=library,
                            service_point=point,
                            tallies=batch_form.cleaned_data["lines"],
                            user=request.user,  # type: ignore[arg-type]
                            at=moment,
                        )
                    )
                    batch_form = forms.DeskBatchForm()
                else:
                    status = 400
            else:
                tally_form = forms.DeskTallyForm(request.POST, read_levels=levels)
                if tally_form.is_valid():
                    when = tally_form.cleaned_data.get("at")
                    if when is not None and timezone.is_naive(when):
                        when = timezone.make_aware(when, library_zone(library))
                    logged = len(
                        services.log_desk_transactions(
                            library=library,
                            service_point=point,
                            tallies=[tally_form.tally()],
                            user=request.user,  # type: ignore[arg-type]
                            at=when,
                        )
                    )
                    tally_form = forms.DeskTallyForm(read_levels=levels)
                else:
                    status = 400
        except DomainError as domain_error:
            error = str(domain_error)
            status = 409
    context = {
        "library": library,
        "points": points,
        "point": point,
        "tally_form": tally_form,
        "batch_form": batch_form,
        "logged": logged,
        "error": error,
        "recent": selectors.list_recent_desk(library, point) if library is not None else [],
    }
    template = (
        "reference/staff/_desk_result.html"
        if request.headers.get("HX-Request") and status == 200 and request.method == "POST"
        else "reference/staff/desk.html"
    )
    return render(request, template, context, status=status)


# --- Staff: settings ----------------------------------------------------------------------


def _home(request: HttpRequest) -> Library | None:
    return getattr(request.user, "home_library", None)


def _profile_form(library: Library, data: Any = None) -> forms.ReferenceProfileForm:
    profile = selectors.get_profile(library)
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    return forms.ReferenceProfileForm(data, initial=initial)


def _wordings_form(data: Any = None) -> forms.ReadWordingsForm:
    return forms.ReadWordingsForm(
        data, defaults=selectors.read_level_defaults(), current=selectors.read_level_wordings()
    )


def _settings_page(request: HttpRequest, *, status: int = 200, **forms_: Any) -> HttpResponse:
    library = _home(request)
    user = request.user
    context: dict[str, Any] = {
        "library": library,
        "profile_form": _profile_form(library) if library is not None else None,
        "wordings_form": _wordings_form() if user.has_perm(READ_WORDINGS) else None,
        "templates": selectors.list_templates(library),
        "can_add_template": user.has_perm(ADD_TEMPLATE),
        "can_change_template": user.has_perm(CHANGE_TEMPLATE),
        "can_delete_template": user.has_perm(DELETE_TEMPLATE),
        "can_edit_shared": user.has_perm(SHARED_TEMPLATES),
    }
    context.update(forms_)
    return render(request, "reference/staff/settings.html", context, status=status)


def _field_error(form: Any, error: DomainError) -> None:
    """A refusal from the service, shown at the field it concerns (else above the form)."""
    field = error.params.get("field")
    form.add_error(field if field in form.fields else None, str(error))


@require_safe
@staff_required(SETTINGS)
def settings_page(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@require_POST
@staff_required(SETTINGS)
def settings_profile(request: HttpRequest) -> HttpResponse:
    library = _home(request)
    if library is None:
        raise Http404
    form = _profile_form(library, request.POST)
    if form.is_valid():
        try:
            services.update_reference_profile(
                user=request.user,  # type: ignore[arg-type]
                library=library,
                **{name: form.cleaned_data[name] for name in services.PROFILE_FIELDS},
            )
        except DomainError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("The reference settings are saved."))
            return redirect("reference:settings")
    return _settings_page(request, status=400, profile_form=form)


@require_POST
@staff_required(READ_WORDINGS)
def settings_read_levels(request: HttpRequest) -> HttpResponse:
    form = _wordings_form(request.POST)
    if form.is_valid():
        current = selectors.read_level_wordings()
        try:
            for level, wording in form.wordings().items():
                if wording != current.get(level, ""):
                    services.set_read_wording(
                        user=request.user,  # type: ignore[arg-type]
                        level=level,
                        wording=wording,
                    )
        except DomainError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("The READ scale wordings are saved."))
            return redirect("reference:settings")
    return _settings_page(request, status=400, wordings_form=form)


def _template_page(
    request: HttpRequest,
    form: forms.AnswerTemplateForm,
    template: AnswerTemplate | None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "template": template}
    return render(request, "reference/staff/template_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(SETTINGS)
def template_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(ADD_TEMPLATE):
        raise PermissionDenied
    library = _home(request)
    can_share = request.user.has_perm(SHARED_TEMPLATES)
    if request.method != "POST":
        form = forms.AnswerTemplateForm(can_share=can_share)
        return _template_page(request, form, None)
    form = forms.AnswerTemplateForm(request.POST, can_share=can_share)
    if form.is_valid():
        shared = bool(form.cleaned_data.get("shared"))
        if library is None and not shared:
            form.add_error(
                None, _("Your account has no home library: ask an administrator to set it.")
            )
        else:
            try:
                services.save_answer_template(
                    user=request.user,  # type: ignore[arg-type]
                    library=None if shared else library,
                    title=form.cleaned_data["title"],
                    body_html=form.cleaned_data["body_html"],
                )
            except DomainError as error:
                _field_error(form, error)
            else:
                messages.success(request, _("The answer template is saved."))
                return redirect("reference:settings")
    return _template_page(request, form, None, status=400)


def _own_template(request: HttpRequest, template_id: int) -> AnswerTemplate:
    """The library's own template, or a shared one for those who may change shared ones:
    404 for another library's, 403 for a shared one without the right."""
    try:
        template = selectors.get_template(template_id, _home(request))
    except NotFoundError:
        raise Http404 from None
    if template.library_id is None and not request.user.has_perm(SHARED_TEMPLATES):
        raise PermissionDenied
    return template


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(SETTINGS)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    if not request.user.has_perm(CHANGE_TEMPLATE):
        raise PermissionDenied
    template = _own_template(request, template_id)
    if request.method != "POST":
        initial = {"title": template.title, "body_html": template.body_html}
        return _template_page(
            request, forms.AnswerTemplateForm(initial=initial, can_share=False), template
        )
    form = forms.AnswerTemplateForm(request.POST, can_share=False)
    if form.is_valid():
        try:
            services.save_answer_template(
                user=request.user,  # type: ignore[arg-type]
                library=template.library,
                title=form.cleaned_data["title"],
                body_html=form.cleaned_data["body_html"],
                template_id=template.pk,
            )
        except DomainError as error:
            _field_error(form, error)
        else:
            messages.success(request, _("The answer template is saved."))
            return redirect("reference:settings")
    return _template_page(request, form, template, status=400)


@require_POST
@staff_required(SETTINGS)
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    if not request.user.has_perm(DELETE_TEMPLATE):
        raise PermissionDenied
    template = _own_template(request, template_id)
    try:
        services.delete_answer_template(
            user=request.user,  # type: ignore[arg-type]
            library=template.library,
            template_id=template.pk,
        )
    except DomainError as error:
        return _settings_page(request, status=409, error=str(error))
    messages.success(request, _("The answer template is deleted."))
    return redirect("reference:settings")
