from __future__ import annotations

import pytest

from skaitykla.accounts.roles import DESK_LIBRARIAN, ensure_roles
from tests.factories import LibraryFactory, ReadingRoomFactory, StaffUserFactory
from tests.patrons.factories import ReaderCategoryFactory


@pytest.fixture
def library():
    return LibraryFactory(code="LT-TEST", name="Testo biblioteka")


@pytest.fixture
def adult(db):
    return ReaderCategoryFactory(code="adult", is_default=True)


@pytest.fixture
def librarian(library):
    ensure_roles()
    return StaffUserFactory(username="desk", home_library=library, roles=[DESK_LIBRARIAN])


@pytest.fixture
def rare_room(library):
    return ReadingRoomFactory(
        library=library, code="RARE", seats=8, seats_per_session=2, entry_requires_permission=True
    )
