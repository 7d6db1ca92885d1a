"""Documents the events app produces: iCalendar feeds and files, Atom feeds, certificates (PDF).

Pure functions of the rows they are given; the views load the rows through the selectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import icalendar
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from skaitykla.core.pdf import new_document
from skaitykla.core.timezones import library_zone
from skaitykla.events.choices import SessionStatus
from skaitykla.events.models import Event, Registration, Session

PRODID = "-//Skaitykla//Events//LT"


def _location(session: Session) -> str:
    parts = []
    if session.room is not None:
        parts.append(session.room.name)
    library = session.event.library
    parts.append(library.name)
    if library.address:
        parts.append(library.address)
    if session.is_online and session.event.online_link:
        parts.append(session.event.online_link)
    return ", ".join(parts)


def _vevent(session: Session, *, site_url: str, event_url: str) -> icalendar.Event:
    event = session.event
    entry = icalendar.Event()
    entry.add("uid", f"session-{session.pk}@skaitykla")
    entry.add("dtstamp", timezone.now().astimezone(UTC))
    entry.add("dtstart", session.starts_at.astimezone(library_zone(event.library)))
    entry.add("dtend", session.ends_at.astimezone(library_zone(event.library)))
    entry.add("summary", event.title)
    if event.description:
        entry.add("description", event.description)
    entry.add("location", _location(session))
    entry.add("url", site_url + event_url)
    entry.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
    if event.topic is not None:
        entry.add("categories", [event.topic.name])
    return entry


def calendar_feed(
    sessions: Iterable[Session], *, name: str, site_url: str, url_for: dict[int, str]
) -> bytes:
    """An iCalendar (RFC 5545) feed of sessions; ``url_for`` maps event id → its page path."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(
            _vevent(session, site_url=site_url, event_url=url_for.get(session.event_id, "/"))
        )
    return calendar.to_ical()


def registration_ics(
    registration: Registration, sessions: Iterable[Session], *, site_url: str, event_url: str
) -> bytes:
    """The registrant's own file: the session (or all the course's sessions), method PUBLISH."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for session in sessions:
        entry = _vevent(session, site_url=site_url, event_url=event_url)
        entry["uid"] = f"registration-{registration.pk}-session-{session.pk}@skaitykla"
        calendar.add_component(entry)
    return calendar.to_ical()


def atom_feed(
    events: Iterable[Event],
    *,
    title: str,
    link: str,
    feed_url: str,
    site_url: str,
    url_for: dict[int, str],
    language: str,
) -> bytes:
    feed = Atom1Feed(
        title=title, link=link, description=title, feed_url=feed_url, language=language
    )
    for event in events:
        sessions = list(event.sessions.all())
        first = sessions[0] if sessions else None
        zone = library_zone(event.library)
        when = f"{first.starts_at.astimezone(zone):%Y-%m-%d %H:%M}" if first is not None else ""
        feed.add_item(
            title=event.title,
            link=site_url + url_for[event.pk],
            description=f"{when} — {event.description}" if when else event.description,
            unique_id=f"tag:skaitykla,2026:event-{event.pk}",
            pubdate=event.created_at,
            updateddate=event.created_at,
            categories=[event.topic.name] if event.topic else (),
        )
    return feed.writeString("utf-8").encode("utf-8")


def certificate_pdf(
    registration: Registration, sessions: list[Session], *, issued: datetime | None = None
) -> bytes:
    """A certificate of attendance: the attendee's name, the event, the sessions attended and
    the hours, in DejaVu Sans (it has every Lithuanian letter)."""
    event = registration.event
    zone = library_zone(event.library)
    issued = issued or timezone.now()
    hours = sum(session.hours for session in sessions)
    pdf = new_document(
        title=str(_("Certificate of attendance")), language=registration.language or "lt"
    )
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.cell(0, 10, event.library.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font("DejaVu", size=30)
    pdf.cell(0, 16, _("Certificate of attendance"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("DejaVu", size=14)
    pdf.cell(0, 10, _("This certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=24)
    pdf.cell(0, 14, registration.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=14)
    pdf.cell(0, 10, _("attended the training"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=18)
    pdf.multi_cell(0, 10, f"„{event.title}“", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=12)
    dates = ", ".join(f"{s.starts_at.astimezone(zone):%Y-%m-%d}" for s in sessions)
    pdf.cell(0, 8, dates, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        8,
        _("Hours: %(hours)s") % {"hours": f"{hours:g}"},
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if event.trainers:
        pdf.cell(
            0,
            8,
            _("Trainers: %(names)s") % {"names": event.trainers},
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(8)
    pdf.cell(
        0,
        8,
        _("Issued %(date)s") % {"date": f"{issued.astimezone(zone):%Y-%m-%d}"},
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
