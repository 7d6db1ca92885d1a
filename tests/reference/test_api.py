"""The reference API: public archive search, staff queue, claim, answer and desk log."""

from __future__ import annotations

import pytest

from skaitykla.accounts.roles import REFERENCE_LIBRARIAN
from skaitykla.demo.reference import seed_reference
from skaitykla.reference.models import DeskTransaction, KnowledgeBaseEntry, Question
from tests.factories import StaffUserFactory
from tests.reference.factories import ask, at, weekday_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return weekday_library(code="LT-API")


def test_demo_seed_publishes_searchable_answers_once(library):
    StaffUserFactory(username="informacija", roles=[REFERENCE_LIBRARIAN])
    seed_reference(library=library)
    seed_reference(library=library)
    assert KnowledgeBaseEntry.objects.count() == 3
    assert DeskTransaction.objects.filter(question__isnull=True).count() == 3


def test_public_archive_search(client, library):
    StaffUserFactory(username="informacija", roles=[REFERENCE_LIBRARIAN])
    seed_reference(library=library)
    response = client.get("/api/v1/reference/answers/", {"q": "dvaro"})
    assert response.status_code == 200
    [hit] = response.json()
    assert hit["title"] == "Lietuvos dvarų istorija"
    assert "email" not in hit
    assert client.get("/api/v1/reference/answers/", {"limit": "0"}).status_code == 400
    assert client.get(f"/api/v1/reference/answers/{hit['id']}/").status_code == 200
    assert client.get("/api/v1/reference/answers/999999/").status_code == 404


def test_staff_queue_claim_answer_and_desk(client, library):
    question = ask(library, now=at(2026, 7, 3))
    assert client.get("/api/v1/reference/questions/").status_code in (401, 403)
    user = StaffUserFactory(home_library=library, roles=[REFERENCE_LIBRARIAN])
    client.force_login(user)
    queue = client.get("/api/v1/reference/questions/").json()
    assert [q["id"] for q in queue] == [question.pk]
    claimed = client.post(f"/api/v1/reference/questions/{question.pk}/claim/")
    assert claimed.json()["status"] == "claimed"
    bad = client.post(
        f"/api/v1/reference/questions/{question.pk}/answer/",
        {"answer_html": "<p>x</p>", "read_level": 9},
        content_type="application/json",
    )
    assert bad.status_code == 400
    answered = client.post(
        f"/api/v1/reference/questions/{question.pk}/answer/",
        {"answer_html": "<p>Atsakymas</p>", "read_level": 2},
        content_type="application/json",
    )
    assert answered.json()["status"] == "answered"
    again = client.post(f"/api/v1/reference/questions/{question.pk}/claim/")
    assert again.status_code == 409
    assert again.json()["code"] == "question_wrong_status"
    logged = client.post(
        "/api/v1/reference/desk/",
        {"channel": "phone", "question_type": "directional", "read_level": 1, "count": 3},
        content_type="application/json",
    )
    assert logged.status_code == 201
    assert DeskTransaction.objects.filter(count=3).count() == 1
    other = weekday_library(code="LT-API2")
    foreign = Question.objects.create(
        library=other,
        received_via=other,
        text="x",
        created_at=at(2026, 7, 3),
        received_on=at(2026, 7, 3).date(),
    )
    assert client.post(f"/api/v1/reference/questions/{foreign.pk}/claim/").status_code == 404
