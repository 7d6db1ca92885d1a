"""Public pages: the listing, an event's page with the registration form, the registrant's own
page (cancel, accept an offer, .ics, feedback, certificate), self check-in and the feeds."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from skaitykla.core.client_ip import client_ip
from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.core.rate_limit import allow
from skaitykla.events import documents, forms, selectors, services
from skaitykla.events.choices import ACTIVE_STATUSES, EventStatus, SessionStatus
from skaitykla.events.errors import EventNotFoundError, InvalidTokenError
from skaitykla.events.models import Event, Registration, Session, Topic
from skaitykla.events.tokens import make_token
from skaitykla.patrons.models import Reader
from skaitykla.patrons.reader_session import current_reader

#: Public registrations and self check-ins per client address (as other public forms).
PUBLIC_FORM_LIMIT = 10
PUBLIC_FORM_WINDOW = timedelta(minutes=10)


def within_public_limit(request: HttpRequest, scope: str) -> bool:
    """Count one public form submission from the client's address; False once over the limit."""
    return allow(
        scope=scope, key=client_ip(request), limit=PUBLIC_FORM_LIMIT, window=PUBLIC_FORM_WINDOW
    )


def _refuse_too_many(form: Form) -> int:
    """Show the throttling refusal on the form; the status of the page that shows it."""
    form.is_valid()
    form.add_error(None, _("Too many attempts. Please try again in a few minutes."))
    return 429


def site_url(request: HttpRequest) -> str:
    """The site's address as the visitor reached it, for links in the e-mails we send."""
    return request.build_absolute_uri("/").rstrip("/")


def _event_or_404(event_id: int) -> Event:
    try:
        return selectors.get_event(event_id=event_id, public=True)
    except EventNotFoundError:
        raise Http404 from None


def _registration_or_404(token: str) -> Registration:
    try:
        return selectors.get_registration_by_token(token=token)
    except InvalidTokenError:
        raise Http404 from None


def event_list(request: HttpRequest) -> HttpResponse:
    form = forms.EventFilterForm(request.GET or None)
    events = Event.objects.none()
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        events = selectors.list_public_events(
            library=data.get("library"),
            topic=data.get("topic"),
            audience=data.get("audience") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )[:100]
    return render(
        request,
        "events/public/list.html",
        {"form": form, "events": events, "topics": selectors.list_topics()},
    )


def _sessions(event: Event) -> list[Session]:
    return list(event.sessions.select_related("room"))


def _open_sessions(sessions: list[Session]) -> list[Session]:
    now = timezone.now()
    return [s for s in sessions if s.status == SessionStatus.SCHEDULED and s.starts_at > now]


def _detail_context(
    event: Event, sessions: list[Session], form: forms.RegistrationForm, reader: Reader | None
) -> dict[str, object]:
    free: dict[int | None, int] = {}
    if event.is_course:
        free[None] = selectors.seats_free(event=event, session=None)
    else:
        free.update({s.pk: selectors.seats_free(event=event, session=s) for s in sessions})
    rows = [(s, free.get(s.pk if not event.is_course else None, 0)) for s in sessions]
    return {
        "event": event,
        "rows": rows,
        "course_free": free.get(None),
        "form": form,
        "reader": reader,
        "can_register": event.status == EventStatus.PUBLISHED and bool(_open_sessions(sessions)),
    }


def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    sessions = _sessions(event)
    reader = current_reader(request)
    form = forms.RegistrationForm(event=event, sessions=_open_sessions(sessions), reader=reader)
    return render(
        request, "events/public/detail.html", _detail_context(event, sessions, form, reader)
    )


@never_cache
@require_POST
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    sessions = _sessions(event)
    reader = current_reader(request)
    form = forms.RegistrationForm(
        request.POST, event=event, sessions=_open_sessions(sessions), reader=reader
    )
    status = 200
    if not within_public_limit(request, "events.register"):
        status = _refuse_too_many(form)
    elif form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.register(
                event=event,
                session=data.get("session"),
                name=data.get("name", ""),
                email=data.get("email", ""),
                reader=reader,
                head_count=data["head_count"],
                organisation=data["organisation"],
                accessibility_needs=data["accessibility_needs"],
                language=get_language() or "lt",
                base_url=site_url(request),
            )
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            return redirect("events:registration", make_token(registration.pk))
    context = _detail_context(event, sessions, form, reader)
    return render(request, "events/public/detail.html", context, status=status)


@never_cache
def registration_page(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_or_404(token)
    attended = selectors.attended_sessions(registration=registration).exists()
    return render(
        request,
        "events/public/registration.html",
        {
            "registration": registration,
            "event": registration.event,
            "token": token,
            "sessions": (
                [registration.session]
                if registration.session
                else list(registration.event.sessions.all())
            ),
            "attended": attended,
            "active": registration.status in ACTIVE_STATUSES,
        },
    )


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_or_404(token)
    try:
        services.cancel_registration(registration=registration, base_url=site_url(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect("events:registration", token)


@require_POST
def accept(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_or_404(token)
    try:
        services.accept_offer(registration=registration, base_url=site_url(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The seat is yours. See you there!"))
    return redirect("events:registration", token)


def registration_ics(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_or_404(token)
    event = registration.event
    sessions = (
        [registration.session]
        if registration.session
        else list(event.sessions.select_related("room", "event__library"))
    )
    body = documents.registration_ics(
        registration,
        sessions,
        site_url=site_url(request),
        event_url=reverse("events:detail", args=[event.pk]),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@never_cache
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_or_404(token)
    form = forms.FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_feedback(
                registration=registration,
                useful=form.cleaned_data["useful"],
                clear=form.cleaned_data["clear"],
                recommend=form.cleaned_data["recommend"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Thank you for your feedback!"))
            return redirect("events:registration", token)
    return render(
        request,
        "events/public/feedback.html",
        {"form": form, "registration": registration, "event": registration.event},
    )


def certificate(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_or_404(token)
    sessions = list(selectors.attended_sessions(registration=registration))
    if not sessions or not registration.name:
        raise Http404
    body = documents.certificate_pdf(registration, sessions)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{registration.event_id}.pdf"'
    return response


@never_cache
def self_check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        session = selectors.get_session(session_id=session_id)
    except EventNotFoundError:
        raise Http404 from None
    form = forms.SelfCheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not within_public_limit(request, "events.self_check_in"):
            status = _refuse_too_many(form)
        elif form.is_valid():
            try:
                services.self_check_in(
                    session=session,
                    code=form.cleaned_data["code"],
                    email=form.cleaned_data["email"],
                )
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("You are checked in. Welcome!"))
                return redirect("events:self_check_in", session.pk)
    return render(
        request,
        "events/public/self_check_in.html",
        {"form": form, "session": session, "event": session.event},
        status=status,
    )


# --- Feeds ---------------------------------------------------------------------------------


def _urls(events: list[Event]) -> dict[int, str]:
    return {event.pk: reverse("events:detail", args=[event.pk]) for event in events}


def _ics_response(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response


def library_ics(request: HttpRequest, code: str) -> HttpResponse:
    library = get_object_or_404(Library, code=code, is_active=True)
    sessions = list(selectors.list_sessions_in_feed(library=library))
    body = documents.calendar_feed(
        sessions,
        name=library.name,
        site_url=site_url(request),
        url_for=_urls([s.event for s in sessions]),
    )
    return _ics_response(body, library.code)


def topic_ics(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    sessions = list(selectors.list_sessions_in_feed(topic=topic))
    body = documents.calendar_feed(
        sessions,
        name=topic.name,
        site_url=site_url(request),
        url_for=_urls([s.event for s in sessions]),
    )
    return _ics_response(body, topic.slug)


def _atom(request: HttpRequest, events: list[Event], title: str) -> HttpResponse:
    body = documents.atom_feed(
        events,
        title=title,
        link=site_url(request) + reverse("events:list"),
        feed_url=request.build_absolute_uri(),
        site_url=site_url(request),
        url_for=_urls(events),
        language=get_language() or "lt",
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def library_atom(request: HttpRequest, code: str) -> HttpResponse:
    library = get_object_or_404(Library, code=code, is_active=True)
    events = list(selectors.list_public_events(library=library)[:50])
    return _atom(request, events, _("Trainings and events: %(name)s") % {"name": library.name})


def topic_atom(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    events = list(selectors.list_public_events(topic=topic)[:50])
    return _atom(request, events, _("Trainings and events: %(name)s") % {"name": topic.name})
