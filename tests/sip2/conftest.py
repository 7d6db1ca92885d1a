from __future__ import annotations

import pytest
from django.db import connection

from skaitykla.sip2.config import server_limits
from skaitykla.sip2.server import BackgroundServer, Sip2Server
from tests.catalogue.factories import ItemFactory, RecordFactory
from tests.factories import LibraryFactory
from tests.patrons.factories import ReaderCategoryFactory, reader_with_card
from tests.sip2.support import make_kiosk


@pytest.fixture
def library(db):
    return LibraryFactory(code="LT-TEST", name="Testo biblioteka")


@pytest.fixture
def kiosk(library):
    return make_kiosk(library)


@pytest.fixture
def reader_card(library):
    category = ReaderCategoryFactory(code="adult", loan_limit=3)
    return reader_with_card(
        category=category,
        home_library=library,
        barcode="LNB0000001",
        first_name="Ona",
        last_name="Žemaitė",
    )


@pytest.fixture
def item(library):
    return ItemFactory(library=library, barcode="IT0001", record=RecordFactory(title="Metai"))


def limits(**changes):
    base = server_limits()
    fields = {**base.__dict__, **changes}
    if connection.vendor == "sqlite":
        fields.setdefault("worker_threads", 1)
        fields["worker_threads"] = min(fields["worker_threads"], 1)
    return type(base)(**fields)


@pytest.fixture
def sip2_server(db):
    with BackgroundServer(Sip2Server(host="127.0.0.1", port=0, limits=limits())) as running:
        yield running


@pytest.fixture
def make_server(db):
    started = []

    def start(**changes):
        running = BackgroundServer(Sip2Server(host="127.0.0.1", port=0, limits=limits(**changes)))
        running.__enter__()
        started.append(running)
        return running

    yield start
    for running in started:
        running.__exit__(None, None, None)
