"""Publishing (de-identification check), Lithuanian search by word forms, the Atom feed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skaitykla.reference import selectors, services
from skaitykla.reference.deidentify import find_personal_data
from skaitykla.reference.errors import PublicationBlockedError, ReferenceError
from skaitykla.reference.models import KnowledgeBaseEntry
from tests.factories import StaffUserFactory
from tests.reference.factories import ask, at, weekday_library

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Rašykite jonas.petraitis@example.lt", {"email"}),
        ("Rašykite jonas (at) example.lt", {"email"}),
        ("Skambinkite +370 612 34567", {"phone"}),
        ("Skambinkite 8 (5) 249 7023", {"phone"}),
        ("Mano kortelė 20001234567", {"card"}),
        ("Kortelės numeris LNB12345678", {"card"}),
        ("Knyga išleista 1998 m., 320 puslapių", set()),
        ("ISBN 978-609-01-2345-6", {"phone"}),
    ],
)
def test_personal_data_patterns(text, kinds):
    assert {f.kind for f in find_personal_data(text)} == kinds


def test_asker_name_is_found_in_any_case_form():
    names = ["Jonas Petraitis"]
    assert {f.kind for f in find_personal_data("Atsakome Jonui Petraičiui", names=names)} == {
        "name"
    }
    assert find_personal_data("Atsakome skaitytojui", names=names) == []


@pytest.fixture
def answered():
    library = weekday_library(code="LT-KB1")
    librarian = StaffUserFactory()
    question = ask(
        library,
        now=at(2026, 7, 3),
        text="Kur rasti knygų apie Lietuvos dvarus? Jonas",
        name="Jonas Petraitis",
    )
    services.answer_question(
        question_id=question.pk,
        user=librarian,
        answer_html="<p>Dvarų istorija aprašyta knygose apie Lietuvos dvarus.</p>",
        read_level=3,
        now=at(2026, 7, 7),
    )
    question.refresh_from_db()
    return question, librarian


def test_publishing_is_blocked_until_personal_data_is_removed(answered):
    question, librarian = answered
    with pytest.raises(PublicationBlockedError) as refused:
        services.publish_entry(
            question_id=question.pk,
            user=librarian,
            title="Lietuvos dvarai",
            question_text=question.text,
            answer_html="<p>Skambinkite +370 612 34567, Jonai.</p>",
        )
    assert set(refused.value.params["findings"]) == {"name", "phone"}
    assert not KnowledgeBaseEntry.objects.exists()
    entry = services.publish_entry(
        question_id=question.pk,
        user=librarian,
        title="Lietuvos dvarai",
        question_text="Kur rasti knygų apie Lietuvos dvarus?",
        answer_html=question.answer_html,
        keywords="dvarai, istorija",
    )
    assert entry.published_at is not None
    with pytest.raises(ReferenceError):
        services.publish_entry(
            question_id=question.pk,
            user=librarian,
            title="x",
            question_text="x",
            answer_html="<p>x</p>",
        )


def test_publication_needs_the_askers_consent():
    library = weekday_library(code="LT-KB2")
    librarian = StaffUserFactory()
    question = ask(library, now=at(2026, 7, 3), allows_publication=False)
    services.answer_question(
        question_id=question.pk,
        user=librarian,
        answer_html="<p>Atsakymas</p>",
        read_level=1,
        now=at(2026, 7, 6),
    )
    with pytest.raises(ReferenceError) as refused:
        services.publish_entry(
            question_id=question.pk,
            user=librarian,
            title="Klausimas",
            question_text="Klausimas",
            answer_html="<p>Atsakymas</p>",
        )
    assert refused.value.code == "kb_not_allowed"


@pytest.fixture
def published(answered):
    question, librarian = answered
    return services.publish_entry(
        question_id=question.pk,
        user=librarian,
        title="Lietuvos dvarai",
        question_text="Kur rasti knygų apie Lietuvos dvarus?",
        answer_html=question.answer_html,
        keywords="dvarai",
    )


@pytest.mark.parametrize("query", ["dvaras", "dvarų", "DVARAI", "dvaru istorija", "knyga"])
def test_search_finds_other_word_forms(published, query):
    assert [e.pk for e in selectors.search_entries(query)] == [published.pk]


def test_search_needs_all_words_and_ignores_junk(published):
    assert selectors.search_entries("dvarai pilis") == []
    assert selectors.search_entries("\"' OR 1=1 --") == []
    assert selectors.search_entries("") == []
    assert [e.pk for e in selectors.similar_entries("pilis dvarai")] == [published.pk]


def test_archive_pages_and_feed_have_no_link_to_the_asker(client, published):
    page = client.get(reverse("reference:archive"), {"q": "dvarų"})
    assert page.status_code == 200
    assert "Lietuvos dvarai" in page.content.decode()
    detail = client.get(reverse("reference:entry", args=[published.pk])).content.decode()
    assert "skaitytojas@example.lt" not in detail
    assert "Petraitis" not in detail
    assert str(published.question.token) not in detail
    feed = client.get(reverse("reference:feed"))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert b"Lietuvos dvarai" in feed.content
    assert b"Petraitis" not in feed.content
    similar = client.get(reverse("reference:similar"), {"text": "dvaras"}, HTTP_HX_REQUEST="true")
    assert "Lietuvos dvarai" in similar.content.decode()
    assert client.get(reverse("reference:entry", args=[999999])).status_code == 404
