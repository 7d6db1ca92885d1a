"""The demo's circulation: loans, overdue loans with fines, renewed and returned loans, holds and
closed-stack orders in every state, in-house uses, all consistent with item statuses."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.catalogue.models import Item
from skaitykla.circulation.choices import HoldStatus, StackOrderStatus
from skaitykla.circulation.models import Fee, Hold, InHouseUse, Loan, StackOrder
from skaitykla.demo.readers import DEMO_READER_LOGINS

pytestmark = pytest.mark.django_db

PINS = {login.card: login.pin for login in DEMO_READER_LOGINS}


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())


def _snapshot() -> dict[str, object]:
    return {
        "loans": sorted(
            Loan.objects.values_list("item__barcode", "reader__cards__barcode", "kind", "due_at")
        ),
        "holds": sorted(
            Hold.objects.values_list("record__title", "reader_id", "status", "position"),
            key=repr,
        ),
        "orders": sorted(
            StackOrder.objects.values_list("item__barcode", "status", "for_day"), key=repr
        ),
        "statuses": sorted(Item.objects.values_list("barcode", "status")),
    }


def test_demo_has_circulation_in_every_state_and_is_stable(demo):
    now = timezone.now()
    open_loans = Loan.objects.filter(returned_at__isnull=True)
    assert open_loans.filter(due_at__lt=now).count() >= 3
    assert open_loans.filter(due_at__gte=now).count() >= 5
    assert open_loans.filter(renewals_count__gt=0).exists()
    assert open_loans.filter(kind="reading_room").count() == 1
    assert Loan.objects.filter(returned_at__isnull=False).count() >= 5
    assert Fee.objects.filter(kind="overdue", outstanding__gt=0).count() == 2
    assert {status for status in Hold.objects.values_list("status", flat=True)} == {
        HoldStatus.WAITING,
        HoldStatus.READY,
        HoldStatus.IN_TRANSIT,
        HoldStatus.EXPIRED,
        HoldStatus.CANCELLED,
    }
    assert set(StackOrder.objects.values_list("status", flat=True)) == set(StackOrderStatus.values)
    assert InHouseUse.objects.count() == 6
    # Statuses agree: every open loan's item is on loan, every item on loan has one open loan.
    on_loan = set(Item.objects.filter(status=ItemStatus.ON_LOAN).values_list("pk", flat=True))
    assert set(open_loans.values_list("item_id", flat=True)) == on_loan
    assert not open_loans.values("item").annotate(n=Count("pk")).filter(n__gt=1).exists()
    for hold in Hold.objects.filter(status=HoldStatus.READY).select_related("trapped_item"):
        assert hold.trapped_item.status == ItemStatus.ON_HOLD_SHELF
    for order in StackOrder.objects.filter(status=StackOrderStatus.ON_SHELF):
        assert order.item.status == ItemStatus.ON_SHELF

    first = _snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == first


def test_demo_info_names_the_circulation_readers_and_their_pages_work(demo):
    out = StringIO()
    call_command("demo_info", "--json", stdout=out)
    info = json.loads(out.getvalue())["circulation"]
    assert info == {"reader_with_loans": "LNB0000001", "reader_with_order_ready": "LNB0000002"}

    client = Client()
    card = info["reader_with_loans"]
    client.post(reverse("patrons:reader_login"), {"card_number": card, "pin": PINS[card]})
    page = client.get(reverse("circulation_reader:loans")).content.decode()
    loans = Loan.objects.filter(reader__cards__barcode=card, returned_at__isnull=True)
    assert loans.count() == 5
    for loan in loans.select_related("item__record"):
        assert loan.item.record.title in page
    assert client.get(reverse("circulation_reader:fines")).status_code == 200
    assert client.get(reverse("circulation_reader:history")).status_code == 200
    assert client.get("/reader/").status_code == 200

    client = Client()
    card = info["reader_with_order_ready"]
    client.post(reverse("patrons:reader_login"), {"card_number": card, "pin": PINS[card]})
    page = client.get(reverse("circulation_reader:orders")).content.decode()
    ready = StackOrder.objects.get(reader__cards__barcode=card, status=StackOrderStatus.ON_SHELF)
    assert ready.item.record.title in page
    text = demo_text()
    assert "LNB0000002" in text


def demo_text() -> str:
    out = StringIO()
    call_command("demo_info", stdout=out)
    return out.getvalue()
