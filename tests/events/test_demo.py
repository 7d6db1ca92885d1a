"""The demo's trainings: four events in the national library, the same after a re-seed."""

from __future__ import annotations

from datetime import date

import pytest

from skaitykla.demo.events import seed_events
from skaitykla.events.models import Event, Session
from tests.events.factories import open_library

pytestmark = pytest.mark.django_db


def test_seed_events_is_idempotent_and_sessions_are_in_opening_hours():
    library = open_library(code="LT-C1")
    assert seed_events(library=library, today=date(2026, 10, 5)) == {"events": 4}
    assert seed_events(library=library, today=date(2026, 10, 5)) == {"events": 4}
    course = Event.objects.get(registration_mode="course")
    assert course.sessions.count() == 4
    assert Session.objects.count() == 10
    assert set(Session.objects.values_list("calendar_warning", flat=True)) == {""}
