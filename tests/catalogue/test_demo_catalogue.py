"""The demo collection and the scale builder."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from skaitykla.catalogue.models import Item, Record, SearchEntry
from skaitykla.catalogue.selectors import search_records
from skaitykla.core.models import ReadingRoom

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_lithuanian_collection_with_copies_in_every_reading_room():
    call_command("seed_demo", stdout=StringIO())
    first = list(Item.objects.order_by("barcode").values_list("barcode", "status", "record__title"))
    call_command("seed_demo", stdout=StringIO())
    assert (
        list(Item.objects.order_by("barcode").values_list("barcode", "status", "record__title"))
        == first
    )
    assert Record.objects.filter(title="Žemaitės raštai", udc="821.172-3").exists()
    rooms = ReadingRoom.objects.filter(library__code="LT-C1")
    assert rooms.count() == 7
    for room in rooms:
        assert Item.objects.filter(reading_room=room).exists(), room.code
    assert Item.objects.filter(library__code="LT-KAVB").exists()
    assert search_records("knygų").count >= 2
    assert search_records("zemaite").hits[0].record.title == "Žemaitės raštai"
    out = StringIO()
    call_command("demo_info", "--json", stdout=out)
    barcodes = json.loads(out.getvalue())["items"]
    assert len(barcodes) >= 3
    for barcode in barcodes:
        item = Item.objects.get(barcode=barcode)
        assert (item.status, item.loan_type) == ("available", "home_loan")


def test_seed_scale_builds_records_and_items_deterministically():
    call_command(
        "seed_scale", "--libraries", "2", "--records", "300", "--items", "500", stdout=StringIO()
    )
    assert Record.objects.count() == 300
    assert SearchEntry.objects.count() == 300
    assert Item.objects.count() == 500
    first = list(Record.objects.order_by("pk").values_list("title", "year")[:20])
    assert search_records("lietuvos").count > 30
    Item.objects.all().delete()
    SearchEntry.objects.all().delete()
    Record.objects.all().delete()
    call_command("seed_scale", "--libraries", "2", "--records", "300", stdout=StringIO())
    assert list(Record.objects.order_by("pk").values_list("title", "year")[:20]) == first
