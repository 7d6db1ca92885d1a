"""The information-desk log: tally, backdating, batch entry, facts, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from skaitykla.accounts.roles import REFERENCE_LIBRARIAN
from skaitykla.core.models import ServiceFact
from skaitykla.reference import services
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import DeskTransaction
from skaitykla.reference.services import Tally
from tests.factories import ServicePointFactory, StaffUserFactory
from tests.reference.factories import at, weekday_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    library = weekday_library(code="LT-DESK")
    point = ServicePointFactory(library=library, code="INFO", name="Informacija")
    user = StaffUserFactory(home_library=library, roles=[REFERENCE_LIBRARIAN])
    return library, point, user


def test_every_entry_is_a_fact(desk):
    library, point, user = desk
    services.log_desk_transactions(
        library=library,
        service_point=point,
        tallies=[
            Tally(channel="phone", question_type="catalogue", read_level=2, duration="0-5"),
            Tally(channel="in_person", question_type="directional", read_level=1, count=7),
        ],
        user=user,
        at=at(2026, 7, 2, 14),  # backdated
        now=at(2026, 7, 3, 9),
    )
    assert DeskTransaction.objects.count() == 2
    facts = ServiceFact.objects.filter(kind="reference_transaction").order_by("quantity")
    assert [(f.channel, f.category, f.value, f.quantity, f.place) for f in facts] == [
        ("phone", "catalogue", 2, 1, "INFO"),
        ("in_person", "directional", 1, 7, "INFO"),
    ]
    assert {str(f.day) for f in facts} == {"2026-07-02"}


@pytest.mark.parametrize(
    ("tally", "code"),
    [
        (Tally(channel="fax", question_type="other", read_level=1), "desk_channel"),
        (Tally(channel="phone", question_type="gossip", read_level=1), "desk_question_type"),
        (Tally(channel="phone", question_type="other", read_level=7), "desk_read_level"),
        (
            Tally(channel="phone", question_type="other", read_level=1, notes="tel. 861234567"),
            "desk_notes_personal",
        ),
    ],
)
def test_refusals_leave_nothing(desk, tally, code):
    library, point, user = desk
    with pytest.raises(ReferenceError) as refused:
        services.log_desk_transactions(
            library=library, service_point=point, tallies=[tally], user=user
        )
    assert refused.value.code == code
    assert not DeskTransaction.objects.exists()
    assert not ServiceFact.objects.exists()


def test_future_entries_are_refused(desk):
    library, point, user = desk
    with pytest.raises(ReferenceError):
        services.log_desk_transactions(
            library=library,
            service_point=point,
            tallies=[Tally(channel="phone", question_type="other", read_level=1)],
            user=user,
            at=timezone.now() + timedelta(hours=2),
        )


def test_one_click_tally_and_batch_pages(client, desk):
    _library, _point, user = desk
    client.force_login(user)
    page = client.get(reverse("reference:desk"))
    assert page.status_code == 200
    response = client.post(
        reverse("reference:desk"),
        {
            "point": "INFO",
            "channel": "chat",
            "question_type": "technical",
            "read_level": "2",
            "count": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert DeskTransaction.objects.get().channel == "chat"
    batch = client.post(
        reverse("reference:desk"),
        {
            "point": "INFO",
            "mode": "batch",
            "day": "2026-07-01",
            "lines": "in_person,directional,1,12\nphone,reference,3,2\n",
        },
    )
    assert batch.status_code == 200
    assert DeskTransaction.objects.count() == 3
    bad = client.post(
        reverse("reference:desk"),
        {"point": "INFO", "mode": "batch", "day": "2026-07-01", "lines": "nonsense"},
    )
    assert bad.status_code == 400
    assert DeskTransaction.objects.count() == 3
