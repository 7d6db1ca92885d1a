"""Real concurrency on PostgreSQL: exactly one of several simultaneous card creations wins."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from skaitykla.core.models import ReadingRoom
from skaitykla.patrons import services
from skaitykla.patrons.errors import DuplicateCardError
from skaitykla.patrons.models import Card, Reader, RoomPermission
from tests.factories import LibraryFactory, StaffUserFactory
from tests.patrons.factories import ReaderCategoryFactory, reader_with_card

FORMS = ["ABC123", " abc123 ", "ＡＢＣ１２３", "ABC\u200b123", "abc\u200d123", "Abc 123"]


def _run_in_threads(work, count):
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcome: object = work(index)
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_concurrent_duplicate_cards_survives():
    library = LibraryFactory(code="LT-CONC")
    category = ReaderCategoryFactory(code="adult")
    librarian = StaffUserFactory(username="conc")

    def register(index):
        return services.register_reader(
            actor=librarian,
            data=services.ReaderData(
                first_name=f"Skaitytojas{index}",
                last_name="Lygiagretus",
                birth_date=date(1990, 1, 1),
            ),
            category=category,
            library=library,
            document_type="id_card",
            card_barcode=FORMS[index],
        )

    results = _run_in_threads(register, len(FORMS))
    winners = [r for r in results if isinstance(r, Reader)]
    refused = [r for r in results if isinstance(r, DuplicateCardError)]
    assert len(winners) == 1, results
    assert len(refused) == len(FORMS) - 1, results
    assert Card.objects.filter(barcode="ABC123").count() == 1
    assert Reader.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_entry_scans_never_exceed_room_capacity():
    library = LibraryFactory(code="LT-CONC2")
    category = ReaderCategoryFactory(code="adult")
    librarian = StaffUserFactory(username="conc2")
    room = ReadingRoom.objects.create(
        library=library,
        code="RARE",
        name="Retų",
        seats=8,
        seats_per_session=2,
        entry_requires_permission=True,
    )
    readers = []
    for _n in range(6):
        reader, _card = reader_with_card(home_library=library, category=category)
        RoomPermission.objects.create(reader=reader, room=room, allowed=True)
        readers.append(reader)

    def scan(index):
        return services.scan_room_entry(room=room, reader=readers[index], actor=librarian)

    results = _run_in_threads(scan, len(readers))
    outcomes = sorted(getattr(r, "outcome", repr(r)) for r in results)
    assert outcomes == ["allowed", "allowed", "denied", "denied", "denied", "denied"]
