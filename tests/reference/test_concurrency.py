"""Real concurrency on PostgreSQL: librarians claiming one question at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from skaitykla.reference import services
from skaitykla.reference.choices import QuestionStatus
from skaitykla.reference.errors import ClaimedByOtherError
from skaitykla.reference.models import Question, QuestionEvent
from tests.factories import StaffUserFactory
from tests.reference.factories import ask, at, weekday_library

LIBRARIANS = 8


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_of_eight_librarians_claiming_at_once_exactly_one_wins():
    question = ask(weekday_library(code="LT-REFC"), now=at(2026, 7, 3))
    librarians = [StaffUserFactory() for _ in range(LIBRARIANS)]
    barrier = threading.Barrier(LIBRARIANS)
    won: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(user) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=20)
            services.claim_question(question_id=question.pk, user=user, now=at(2026, 7, 3, 11))
        except ClaimedByOtherError:
            with lock:
                refused.append(user.pk)
        except BaseException as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                won.append(user.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in librarians]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(won) == 1
    assert len(refused) == LIBRARIANS - 1
    question.refresh_from_db()
    assert question.status == QuestionStatus.CLAIMED
    assert question.claimed_by_id == won[0]
    assert QuestionEvent.objects.filter(question=question, kind="claim").count() == 1
    assert Question.objects.count() == 1
