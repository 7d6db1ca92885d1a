"""Staff screens for coordinators and trainers: events, sessions, registrations and the waiting
list, messages, cancelling, attendance, feedback results."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from skaitykla.core.errors import DomainError
from skaitykla.core.staff_access import staff_required
from skaitykla.events import forms, selectors, services
from skaitykla.events.choices import SEAT_STATUSES, RegistrationStatus, SessionStatus
from skaitykla.events.errors import EventNotFoundError
from skaitykla.events.models import Event, Session
from skaitykla.events.views.public import site_url

VIEW = "events.view_event"
EDIT = "events.add_event"
MANAGE = "events.manage_registrations"
CHECK_IN = "events.check_in"
MESSAGE = "events.message_registrants"

T = TypeVar("T")


def _event(event_id: int) -> Event:
    try:
        return selectors.get_event(event_id=event_id)
    except EventNotFoundError:
        raise Http404 from None


def _session(session_id: int) -> Session:
    try:
        return selectors.get_session(session_id=session_id)
    except EventNotFoundError:
        raise Http404 from None


def _run(request: HttpRequest, action: Callable[[], T], done: str) -> T | None:
    """Call the service; say ``done`` and return its result, or show its refusal (None)."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, str(error.message))
        return None
    messages.success(request, done)
    return result


@staff_required(VIEW)
def event_list(request: HttpRequest) -> HttpResponse:
    library = getattr(request.user, "home_library", None)
    events = selectors.list_staff_events(library=library)[:200]
    return render(request, "events/staff/list.html", {"events": events})


@staff_required(EDIT)
def event_create(request: HttpRequest) -> HttpResponse:
    library = getattr(request.user, "home_library", None)
    form = forms.EventForm(request.POST or None)
    if library is None:
        form.is_bound and form.is_valid()
        form.add_error(None, _("Your account has no home library."))
    elif request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                actor=request.user,  # type: ignore[arg-type]
                library=library,
                data=form.event_data(),
            )
        except DomainError as error:
            forms.add_domain_error(form, error)
        else:
            messages.success(request, _("The event has been created. Add its sessions."))
            return redirect("events:staff_event", event.pk)
    return render(request, "events/staff/create.html", {"form": form})


@staff_required(VIEW)
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    sessions = list(event.sessions.select_related("room"))
    registrations = list(selectors.list_registrations(event=event))
    return render(
        request,
        "events/staff/detail.html",
        {
            "event": event,
            "sessions": sessions,
            "confirmed": [r for r in registrations if r.status in SEAT_STATUSES],
            "waiting": [r for r in registrations if r.status == RegistrationStatus.WAITING],
            "ended": [
                r
                for r in registrations
                if r.status in (RegistrationStatus.CANCELLED, RegistrationStatus.EXPIRED)
            ],
            "session_form": forms.SessionForm(library=event.library),
            "book_form": forms.RegistrationForm(
                event=event,
                sessions=[s for s in sessions if s.status == SessionStatus.SCHEDULED],
                auto_id="book_%s",
            ),
            "copy_form": forms.CopyForm(),
            "message_form": forms.MessageForm(),
        },
    )


@staff_required(EDIT)
@require_POST
def session_add(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.SessionForm(request.POST, library=event.library)
    if form.is_valid():
        data = form.cleaned_data
        session = _run(
            request,
            lambda: services.add_session(
                actor=request.user,  # type: ignore[arg-type]
                event=event,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                room=data["room"],
                is_online=data["is_online"],
            ),
            _("The session has been added."),
        )
        if session is not None and session.calendar_warning:
            messages.warning(request, session.get_calendar_warning_display())
    else:
        messages.error(request, _("Check the session's dates and times."))
    return redirect("events:staff_event", event.pk)


@staff_required(EDIT)
@require_POST
def event_copy(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a number of weeks from 0 to 104."))
        return redirect("events:staff_event", event.pk)
    copy = _run(
        request,
        lambda: services.copy_event(
            actor=request.user,  # type: ignore[arg-type]
            event=event,
            shift=form.shift(),
        ),
        _("A copy has been made as a draft."),
    )
    return redirect("events:staff_event", copy.pk if copy is not None else event.pk)


@staff_required(EDIT)
@require_POST
def event_publish(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    _run(
        request,
        lambda: services.publish_event(actor=request.user, event=event),  # type: ignore[arg-type]
        _("The event is published."),
    )
    return redirect("events:staff_event", event.pk)


@staff_required(MESSAGE)
@require_POST
def event_message(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    form = forms.MessageForm(request.POST)
    if form.is_valid():
        try:
            count = services.message_registrants(
                actor=request.user,  # type: ignore[arg-type]
                event=event,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                include_waiting=form.cleaned_data["include_waiting"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                ngettext(
                    "Message sent to %(count)s person.", "Message sent to %(count)s people.", count
                )
                % {"count": count},
            )
    else:
        messages.error(request, _("Write a subject and a message."))
    return redirect("events:staff_event", event.pk)


@staff_required(MANAGE)
@require_POST
def event_book(request: HttpRequest, event_id: int) -> HttpResponse:
    """Staff book seats for a group (a school, another library) or add someone by hand."""
    event = _event(event_id)
    sessions = list(event.sessions.filter(status=SessionStatus.SCHEDULED))
    form = forms.RegistrationForm(request.POST, event=event, sessions=sessions)
    if not form.is_valid():
        messages.error(request, _("Check the booking: name, e-mail and number of people."))
        return redirect("events:staff_event", event.pk)
    data = form.cleaned_data
    try:
        registration = services.register(
            event=event,
            session=data.get("session"),
            name=data["name"],
            email=data["email"],
            head_count=data["head_count"],
            organisation=data["organisation"],
            accessibility_needs=data["accessibility_needs"],
            actor=request.user,  # type: ignore[arg-type]
            base_url=site_url(request),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, registration.get_status_display())
    return redirect("events:staff_event", event.pk)


@staff_required(VIEW)
def event_feedback(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(event_id)
    return render(
        request,
        "events/staff/feedback.html",
        {"event": event, "summary": selectors.feedback_summary(event=event)},
    )


@staff_required(MANAGE)
@require_POST
def registration_cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    try:
        registration = selectors.get_registration(registration_id=registration_id)
    except EventNotFoundError:
        raise Http404 from None
    _run(
        request,
        lambda: services.cancel_registration(
            registration=registration,
            actor=request.user,  # type: ignore[arg-type]
            base_url=site_url(request),
        ),
        _("The registration has been cancelled."),
    )
    return redirect("events:staff_event", registration.event_id)


# --- A session: attendance -------------------------------------------------------------------


@staff_required(CHECK_IN)
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    registrations = list(
        selectors.list_registrations(event=session.event, session=session).filter(
            status=RegistrationStatus.CONFIRMED
        )
    )
    present = selectors.checked_in_ids(session=session)
    return render(
        request,
        "events/staff/session.html",
        {
            "session": session,
            "event": session.event,
            "registrations": registrations,
            "present": present,
            "card_form": forms.CardForm(),
            "walk_in_form": forms.WalkInForm(),
            "cancel_form": forms.CancelSessionForm(),
        },
    )


@staff_required(CHECK_IN)
@require_POST
def session_check_in(request: HttpRequest, session_id: int, registration_id: int) -> HttpResponse:
    session = _session(session_id)
    try:
        registration = selectors.get_registration(registration_id=registration_id)
    except EventNotFoundError:
        raise Http404 from None
    _run(
        request,
        lambda: services.check_in(
            actor=request.user,  # type: ignore[arg-type]
            session=session,
            registration=registration,
        ),
        _("Checked in."),
    )
    return redirect("events:staff_session", session.pk)


@staff_required(CHECK_IN)
@require_POST
def session_card(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    form = forms.CardForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: services.check_in_by_card(
                actor=request.user,  # type: ignore[arg-type]
                session=session,
                card_number=form.cleaned_data["card_number"],
            ),
            _("Checked in."),
        )
    else:
        messages.error(request, _("Enter a card number."))
    return redirect("events:staff_session", session.pk)


@staff_required(CHECK_IN)
@require_POST
def session_walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    form = forms.WalkInForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: services.add_walk_in(
                actor=request.user,  # type: ignore[arg-type]
                session=session,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                head_count=form.cleaned_data["head_count"],
            ),
            _("The walk-in has been added."),
        )
    else:
        messages.error(request, _("Enter the walk-in's name (and a valid e-mail, if any)."))
    return redirect("events:staff_session", session.pk)


@staff_required(CHECK_IN)
@require_POST
def session_complete(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    _run(
        request,
        lambda: services.complete_session(actor=request.user, session=session),  # type: ignore[arg-type]
        _("The session is closed and counted."),
    )
    return redirect("events:staff_session", session.pk)


@staff_required(EDIT)
@require_POST
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    form = forms.CancelSessionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _run(
        request,
        lambda: services.cancel_session(
            actor=request.user,  # type: ignore[arg-type]
            session=session,
            reason=reason,
            base_url=site_url(request),
        ),
        _("The session is cancelled; everyone registered has been told."),
    )
    return redirect("events:staff_event", session.event_id)
