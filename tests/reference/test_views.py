"""Pages: the public forms (bad input), the reader's question page, the staff queue and answer."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from skaitykla.accounts.roles import HEAD_OF_DEPARTMENT, REFERENCE_LIBRARIAN
from skaitykla.notifications.models import OutgoingEmail
from skaitykla.reference.choices import QuestionStatus
from skaitykla.reference.forms import started_token
from skaitykla.reference.models import AnswerTemplate, Attachment, KnowledgeBaseEntry, Question
from tests.factories import StaffUserFactory
from tests.reference.factories import weekday_library

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def library():
    return weekday_library(code="LT-VIEW", name="Miesto biblioteka")


def form_data(**overrides):
    data = {
        "text": "Kur rasti knygų apie dvarus?",
        "private_details": "",
        "subject": "",
        "email": "skaitytoja@example.lt",
        "name": "",
        "age_group": "",
        "municipality": "",
        "language": "lt",
        "allows_publication": "on",
        "website": "",
        "started": started_token(time.time() - 30),
    }
    data.update(overrides)
    return data


def test_ask_form_renders_in_lithuanian_with_the_publication_notice(client, library):
    page = client.get(reverse("reference:ask"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="website"' in html
    assert "be jūsų vardo" in html


def test_question_is_received_and_the_reader_sees_it(client, library):
    response = client.post(reverse("reference:ask"), form_data(text=f"Klausimas {SCRIPT}"))
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.text == f"Klausimas {SCRIPT}"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html
    [email] = OutgoingEmail.objects.all()
    assert SCRIPT not in email.body_html


def test_a_one_megabyte_question_is_refused_with_a_message(client, library):
    response = client.post(reverse("reference:ask"), form_data(text="ž" * 1_000_000))
    assert response.status_code == 400
    assert not Question.objects.exists()
    assert 'aria-invalid="true"' in response.content.decode()


def test_invalid_email_is_a_form_error(client, library):
    response = client.post(reverse("reference:ask"), form_data(email="not-an-address"))
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_forged_or_missing_start_time_is_treated_as_too_fast(client, library):
    response = client.post(reverse("reference:ask"), form_data(started="forged"))
    assert response.status_code == 400
    assert not Question.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_embeddable_form_can_be_framed_and_names_its_library(client, library):
    other = weekday_library(code="LT-EMB")
    page = client.get(reverse("reference:ask-embed"), {"library": "LT-EMB"})
    assert page.status_code == 200
    assert "X-Frame-Options" not in page
    assert "frame-ancestors 'none'" not in page.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in client.get(reverse("reference:ask")).get(
        "Content-Security-Policy", ""
    )
    framed = Client(enforce_csrf_checks=True)  # no first-party cookies inside a frame
    response = framed.post(reverse("reference:ask-embed") + "?library=LT-EMB", form_data())
    assert response.status_code == 302
    assert Question.objects.get().received_via == other


def test_unknown_or_foreign_question_keys_give_404(client, library):
    assert client.get(reverse("reference:status", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("reference:status", args=["12"])).status_code == 404
    assert client.post(reverse("reference:reply", args=["12"]), {"text": "x"}).status_code == 404


def test_accessible_interpreter_request_needs_five_working_days(client, library):
    data = {
        "access_format": "interpreter_visit",
        "needed_on": "2020-01-02",
        "text": "Vizitas su vertėju",
        "email": "kurcias@example.lt",
        "website": "",
        "started": started_token(time.time() - 30),
    }
    response = client.post(reverse("reference:accessible"), data)
    assert response.status_code == 400
    assert not Question.objects.exists()
    data["needed_on"] = "2099-01-02"
    response = client.post(reverse("reference:accessible"), data)
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.kind, question.access_format) == ("accessible", "interpreter_visit")


def test_consultation_request_has_its_own_deadline(client, library):
    data = {
        "requesting_library": "Kaimo biblioteka",
        "consultation_topic": "statistics",
        "text": "Kaip skaičiuoti lankytojus?",
        "email": "kaimas@example.lt",
        "website": "",
        "started": started_token(time.time() - 30),
    }
    assert client.post(reverse("reference:consultation"), data).status_code == 302
    question = Question.objects.get()
    assert question.kind == "consultation"
    assert question.deadline is not None


@pytest.fixture
def librarian(library):
    return StaffUserFactory(home_library=library, roles=[REFERENCE_LIBRARIAN])


def test_staff_queue_answer_and_publish_through_the_pages(client, library, librarian):
    client.post(reverse("reference:ask"), form_data(text=f"Apie dvarus {SCRIPT}"))
    question = Question.objects.get()
    client.force_login(librarian)
    queue = client.get(reverse("reference:queue"))
    assert queue.status_code == 200
    assert SCRIPT not in queue.content.decode()
    detail = client.get(reverse("reference:question", args=[question.pk]))
    assert detail.status_code == 200
    assert SCRIPT not in detail.content.decode()
    action = "reference:question-action"
    assert client.post(reverse(action, args=[question.pk, "claim"])).status_code == 302
    assert (
        client.post(
            reverse(action, args=[question.pk, "note"]), {"text": "Vidinė pastaba"}
        ).status_code
        == 302
    )
    bad_file = SimpleUploadedFile("virus.exe", b"MZ....", content_type="application/octet-stream")
    refused = client.post(
        reverse(action, args=[question.pk, "answer"]),
        {
            "answer_html": "<p>Atsakymas</p>",
            "read_level": "3",
            "question_type": "reference",
            "attachment": bad_file,
        },
    )
    assert refused.status_code == 400
    fake_pdf = SimpleUploadedFile("a.pdf", b"not a pdf", content_type="application/pdf")
    refused = client.post(
        reverse(action, args=[question.pk, "answer"]),
        {
            "answer_html": "<p>Atsakymas</p>",
            "read_level": "3",
            "question_type": "reference",
            "attachment": fake_pdf,
        },
    )
    assert refused.status_code == 400
    pdf = SimpleUploadedFile("saltiniai.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    answered = client.post(
        reverse(action, args=[question.pk, "answer"]),
        {
            "answer_html": '<p>Žr. <a href="https://www.lnb.lt/">LNB</a> dvarų sąrašą.</p>',
            "read_level": "3",
            "question_type": "reference",
            "attachment": pdf,
        },
    )
    assert answered.status_code == 302
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    assert Attachment.objects.get().size == len(b"%PDF-1.4 ...")
    blocked = client.post(
        reverse(action, args=[question.pk, "publish"]),
        {
            "title": "Dvarai",
            "question_text": "Apie dvarus, rašykite skaitytoja@example.lt",
            "answer_html": question.answer_html,
        },
    )
    assert blocked.status_code == 409
    assert not KnowledgeBaseEntry.objects.exists()
    published = client.post(
        reverse(action, args=[question.pk, "publish"]),
        {"title": "Dvarai", "question_text": "Apie dvarus", "answer_html": question.answer_html},
    )
    assert published.status_code == 302
    assert KnowledgeBaseEntry.objects.count() == 1
    assert client.post(reverse(action, args=[question.pk, "explode"])).status_code == 404
    saved = client.post(
        reverse(action, args=[question.pk, "template"]),
        {"title": "Dvarai", "body_html": "<p>Žr. enciklopediją</p><script>x</script>"},
    )
    assert saved.status_code == 302
    template = AnswerTemplate.objects.get()
    assert template.body_html == "<p>Žr. enciklopediją</p>"
    assert template.library == library


def test_librarians_do_not_see_other_libraries_questions(client, library, librarian):
    other = weekday_library(code="LT-OTHER")
    client.post(reverse("reference:ask") + "?library=LT-OTHER", form_data())
    question = Question.objects.get()
    assert question.library == other
    client.force_login(librarian)
    assert client.get(reverse("reference:question", args=[question.pk])).status_code == 404
    coordinator = StaffUserFactory(home_library=library, roles=[HEAD_OF_DEPARTMENT])
    client.force_login(coordinator)
    assert client.get(reverse("reference:question", args=[question.pk])).status_code == 200
    queue = client.get(reverse("reference:queue"))
    assert "LT-OTHER" in queue.content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client, library):
    response = client.get(reverse("reference:queue"))
    assert response.status_code == 302


def test_a_signed_in_readers_question_is_linked_to_the_reader(client, library):
    from skaitykla.reference.selectors import list_reader_questions
    from tests.patrons.factories import TEST_PIN, reader_with_card

    reader, card = reader_with_card(home_library=library)
    client.post("/reader/login/", {"card_number": card.barcode, "pin": TEST_PIN})
    assert client.post(reverse("reference:ask"), form_data()).status_code == 302
    question = Question.objects.get()
    assert question.reader == reader
    assert list(list_reader_questions(reader.pk)) == [question]
