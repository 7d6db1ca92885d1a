"""Real concurrency on PostgreSQL: 60 people register at once for 20 seats."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from skaitykla.events import services
from skaitykla.events.models import Registration
from tests.events.factories import event_with_session

PEOPLE = 60
SEATS = 20


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_sixty_at_once_for_twenty_seats():
    event, (session,) = event_with_session(capacity=SEATS)
    barrier = threading.Barrier(PEOPLE)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            services.register(
                event=event,
                session=session,
                name=f"Dalyvis Nr. {index}",
                email=f"dalyvis{index}@example.lt",
            )
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = list(Registration.objects.filter(session=session).order_by("created_at", "pk"))
    assert len(rows) == PEOPLE
    statuses = [row.status for row in rows]
    assert statuses.count("confirmed") == SEATS
    assert statuses.count("waiting") == PEOPLE - SEATS
    # arrival order: the first 20 to get the lock are confirmed, everyone after them waits
    assert statuses == ["confirmed"] * SEATS + ["waiting"] * (PEOPLE - SEATS)
    assert [row.pk for row in rows] == sorted(row.pk for row in rows)

    # and cancellations promote the waiting list strictly in arrival order, never over capacity
    confirmed = [row for row in rows if row.status == "confirmed"]
    start = time.monotonic()
    cancellers = [
        threading.Thread(
            target=lambda r=r: (services.cancel_registration(registration=r), connection.close())
        )
        for r in confirmed[:5]
    ]
    for thread in cancellers:
        thread.start()
    for thread in cancellers:
        thread.join(timeout=60)
    assert time.monotonic() - start < 60
    offered = list(
        Registration.objects.filter(session=session, status="offered").order_by("created_at", "pk")
    )
    waiting = list(
        Registration.objects.filter(session=session, status="waiting").order_by("created_at", "pk")
    )
    assert [r.pk for r in offered] == [r.pk for r in rows[SEATS : SEATS + 5]]
    assert len(waiting) == PEOPLE - SEATS - 5
    held = Registration.objects.filter(session=session, status__in=["confirmed", "offered"])
    assert held.count() == SEATS
