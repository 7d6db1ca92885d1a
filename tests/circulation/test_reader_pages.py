# ruff: noqa: F811 - the fixtures imported from portal_fixtures are test parameters
"""The reader's circulation pages: loans with renewal, holds, orders to a reading room, fines,
history and the account overview. A reader sees and changes only their own rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from skaitykla.catalogue.choices import ItemStatus
from skaitykla.circulation.choices import CircChannel, FeeKind, HoldStatus, StackOrderStatus
from skaitykla.circulation.errors import RenewalLimitError
from skaitykla.circulation.models import Fee, Hold, Loan, StackOrder
from skaitykla.circulation.services.holds import place_hold
from skaitykla.circulation.services.orders import place_stack_order
from skaitykla.core.models import CalendarException
from skaitykla.patrons.choices import LoanHistoryChoice
from skaitykla.reference.models import Question
from tests.circulation.portal_fixtures import (  # noqa: F401 - fixtures
    adult,
    home_item,
    lend,
    library,
    log_in,
    me,
    other,
    room,
    stack_item,
)
from tests.reference.factories import ask

pytestmark = pytest.mark.django_db


def _day(value: date) -> str:
    return value.strftime("%Y-%m-%d")


def _due(loan: Loan) -> str:
    return _day(timezone.localtime(loan.due_at).date())


def _future_days(response) -> list[str]:
    today = timezone.localdate()
    choices = response.context["form"].fields["for_day"].choices
    return [value for value, _label in choices if date.fromisoformat(value) > today]


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["loans", "holds", "orders", "fines", "history"], ids=lambda name: name
)
def test_pages_need_a_reader_login(client, name):
    response = client.get(reverse(f"circulation_reader:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("patrons:reader_login"))


def test_account_needs_a_login_and_is_the_portal_page(client, me):
    assert client.get("/reader/").status_code == 302
    log_in(client, me)
    response = client.get("/reader/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "portal:account"
    assert me.card.barcode in response.content.decode()


# --- Loans and renewal ------------------------------------------------------------------------


def test_loans_page_shows_own_loans_with_due_dates_only(client, library, me, other):
    mine = lend(home_item(library, "Anykščių šilelis"), me, library)
    theirs = lend(home_item(library, "Metai"), other, library)
    log_in(client, me)
    page = client.get(reverse("circulation_reader:loans")).content.decode()
    assert "Anykščių šilelis" in page
    assert _due(mine) in page
    assert "Metai" not in page
    assert theirs.item.barcode not in page


def test_renewal_moves_the_due_date_and_is_announced(client, library, me):
    loan = lend(home_item(library, "Dievų miškas"), me, library)
    log_in(client, me)
    response = client.post(reverse("circulation_reader:renew", args=[loan.pk]), follow=True)
    assert response.status_code == 200
    renewed = Loan.objects.get(pk=loan.pk)
    assert renewed.renewals_count == 1
    assert renewed.due_at > loan.due_at
    assert renewed.channel == CircChannel.DESK
    page = response.content.decode()
    assert 'aria-live="polite"' in page
    assert "Dievų miškas" in page
    assert _due(renewed) in page


@pytest.mark.parametrize("language", ["lt", "en"])
def test_refused_renewal_is_a_form_error_in_the_page_language(client, library, me, language):
    loan = lend(home_item(library, "Altorių šešėly"), me, library)
    Loan.objects.filter(pk=loan.pk).update(renewals_count=3)
    before = Loan.objects.get(pk=loan.pk)
    log_in(client, me)
    client.cookies["django_language"] = language
    response = client.post(reverse("circulation_reader:renew", args=[loan.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    with translation.override(language):
        expected = str(RenewalLimitError.default_message)
    assert expected in page
    assert 'role="alert"' in page
    after = Loan.objects.get(pk=loan.pk)
    assert (after.due_at, after.renewals_count) == (before.due_at, before.renewals_count)


def test_renewing_another_readers_loan_is_404_and_changes_nothing(client, library, me, other):
    theirs = lend(home_item(library, "Balta drobulė"), other, library)
    log_in(client, me)
    response = client.post(reverse("circulation_reader:renew", args=[theirs.pk]))
    assert response.status_code == 404
    assert "Balta drobulė" not in response.content.decode()
    after = Loan.objects.get(pk=theirs.pk)
    assert (after.due_at, after.renewals_count) == (theirs.due_at, 0)


def test_renewal_without_csrf_token_is_refused(library, me):
    loan = lend(home_item(library, "Tyla"), me, library)
    client = Client(enforce_csrf_checks=True)
    log_in_response = client.get(reverse("patrons:reader_login"))
    token = log_in_response.cookies["csrftoken"].value
    client.post(
        reverse("patrons:reader_login"),
        {"card_number": me.card.barcode, "pin": "2468", "csrfmiddlewaretoken": token},
    )
    assert client.get(reverse("circulation_reader:loans")).status_code == 200
    response = client.post(reverse("circulation_reader:renew", args=[loan.pk]))
    assert response.status_code == 403
    assert Loan.objects.get(pk=loan.pk).renewals_count == 0


def test_renew_needs_post(client, library, me):
    loan = lend(home_item(library, "Vilniaus pokeris"), me, library)
    log_in(client, me)
    assert client.get(reverse("circulation_reader:renew", args=[loan.pk])).status_code == 405


# --- Holds --------------------------------------------------------------------------------------


def test_place_a_hold_from_the_record_and_cancel_it(client, library, me, other):
    item = home_item(library, "Sodas")
    lend(item, other, library)
    log_in(client, me)
    record_page = client.get(reverse("catalogue:record", args=[item.record_id])).content.decode()
    hold_url = reverse("circulation_reader:hold_new", args=[item.record_id])
    assert hold_url in record_page
    response = client.get(hold_url)
    assert response.status_code == 200
    response = client.post(hold_url, {"pickup_library": library.pk, "not_needed_after": ""})
    assert response.status_code == 302
    hold = Hold.objects.get(reader=me.reader)
    assert (hold.record_id, hold.status, hold.position) == (item.record_id, "waiting", 1)
    assert hold.channel == CircChannel.PORTAL
    page = client.get(reverse("circulation_reader:holds")).content.decode()
    assert "Sodas" in page
    response = client.post(reverse("circulation_reader:hold_cancel", args=[hold.pk]))
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CANCELLED


def test_refused_hold_shows_the_reason_and_places_nothing(client, library, me):
    item = home_item(library, "Ant ribos")  # on the shelf here: take it from the shelf
    log_in(client, me)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("circulation_reader:hold_new", args=[item.record_id]),
        {"pickup_library": library.pk},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert response.context["form"].errors
    assert not Hold.objects.exists()


def test_hold_date_in_the_past_is_a_field_error(client, library, me, other):
    item = home_item(library, "Žalia")
    lend(item, other, library)
    log_in(client, me)
    response = client.post(
        reverse("circulation_reader:hold_new", args=[item.record_id]),
        {"pickup_library": library.pk, "not_needed_after": "2020-01-01"},
    )
    assert response.status_code == 200
    assert "not_needed_after" in response.context["form"].errors
    assert not Hold.objects.exists()


def test_cancelling_another_readers_hold_is_404(client, library, me, other):
    item = home_item(library, "Raudonos vyšnios")
    lend(item, me, library)
    hold = place_hold(
        reader=other.reader, record=item.record, pickup_library=library, channel="portal"
    )
    log_in(client, me)
    assert client.post(reverse("circulation_reader:hold_cancel", args=[hold.pk])).status_code == 404
    assert (
        "Raudonos vyšnios" not in client.get(reverse("circulation_reader:holds")).content.decode()
    )
    hold.refresh_from_db()
    assert hold.status == HoldStatus.WAITING


# --- Orders to a reading room -------------------------------------------------------------


def test_order_from_the_record_page_for_an_open_day(client, library, room, me):
    item = stack_item(library, "Lietuvos istorija")
    closed = timezone.localdate() + timedelta(days=3)
    CalendarException.objects.create(library=library, date=closed, kind="closed")
    log_in(client, me)
    record_page = client.get(reverse("catalogue:record", args=[item.record_id])).content.decode()
    order_url = reverse("circulation_reader:order_new", args=[item.pk])
    assert order_url in record_page
    response = client.get(order_url)
    assert response.status_code == 200
    days = _future_days(response)
    assert closed.isoformat() not in days
    assert len(days) == 13  # 14 days ahead, one closed
    # A closed day is not offered and cannot be posted.
    response = client.post(order_url, {"room": room.pk, "for_day": closed.isoformat()})
    assert response.status_code == 200
    assert "for_day" in response.context["form"].errors
    assert not StackOrder.objects.exists()
    response = client.post(order_url, {"room": room.pk, "for_day": days[0]}, follow=True)
    assert response.status_code == 200
    order = StackOrder.objects.get(reader=me.reader)
    assert (order.item_id, order.room_id, order.for_day.isoformat(), order.status) == (
        item.pk,
        room.pk,
        days[0],
        StackOrderStatus.ORDERED,
    )
    assert order.channel == CircChannel.PORTAL
    item.refresh_from_db()
    assert item.status == ItemStatus.ORDERED
    page = response.content.decode()
    assert "Lietuvos istorija" in page
    assert days[0] in page


def test_refused_order_is_a_form_error_and_nothing_is_ordered(client, library, room, me):
    item = home_item(library, "Atviro fondo knyga", reading_room=room)  # open shelf
    log_in(client, me)
    client.cookies["django_language"] = "en"
    url = reverse("circulation_reader:order_new", args=[item.pk])
    days = _future_days(client.get(url))
    response = client.post(url, {"room": room.pk, "for_day": days[0]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be ordered" in page
    assert 'role="alert"' in page
    assert not StackOrder.objects.exists()


def test_cancel_own_order_but_not_another_readers(client, library, room, me, other):
    day = timezone.localdate() + timedelta(days=1)
    while not _open(library, day):
        day += timedelta(days=1)
    mine = place_stack_order(
        reader=me.reader,
        item=stack_item(library, "Mano užsakymas"),
        room=room,
        for_day=day,
        channel="portal",
    )
    theirs = place_stack_order(
        reader=other.reader,
        item=stack_item(library, "Svetimas užsakymas", call_number="9 X-2"),
        room=room,
        for_day=day,
        channel="portal",
    )
    log_in(client, me)
    page = client.get(reverse("circulation_reader:orders")).content.decode()
    assert "Mano užsakymas" in page
    assert "Svetimas užsakymas" not in page
    url = reverse("circulation_reader:order_cancel", args=[theirs.pk])
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == StackOrderStatus.ORDERED
    response = client.post(reverse("circulation_reader:order_cancel", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == StackOrderStatus.CANCELLED


def _open(library, day: date) -> bool:
    from skaitykla.core.calendar import LibraryCalendar

    return LibraryCalendar.for_library(library).is_open_day(day)


# --- Fines and history ----------------------------------------------------------------------


def test_fines_page_shows_own_balance(client, library, me, other):
    loan = lend(home_item(library, "Pavėluota knyga"), me, library)
    now = timezone.now()
    Fee.objects.create(
        reader=me.reader,
        loan=loan,
        item=loan.item,
        library=library,
        kind=FeeKind.OVERDUE,
        amount=Decimal("0.45"),
        outstanding=Decimal("0.30"),
        created_at=now,
    )
    Fee.objects.create(
        reader=other.reader,
        library=library,
        kind=FeeKind.CARD,
        amount=Decimal("2.00"),
        outstanding=Decimal("2.00"),
        created_at=now,
    )
    log_in(client, me)
    page = client.get(reverse("circulation_reader:fines")).content.decode()
    assert "Pavėluota knyga" in page
    # Lithuanian pages write decimals with a comma.
    assert "0,45" in page
    assert "0,30" in page
    assert "0,30 EUR" in page
    assert "2,00" not in page


def test_history_lists_returned_loans_when_kept(client, library, me):
    loan = lend(home_item(library, "Grąžinta knyga"), me, library)
    Loan.objects.filter(pk=loan.pk).update(returned_at=timezone.now())
    log_in(client, me)
    page = client.get(reverse("circulation_reader:history")).content.decode()
    assert "Grąžinta knyga" in page
    me.reader.loan_history = LoanHistoryChoice.ON_RETURN
    me.reader.save(update_fields=["loan_history"])
    page = client.get(reverse("circulation_reader:history")).content.decode()
    assert "Grąžinta knyga" not in page


# --- The account overview -------------------------------------------------------------------


def _account_setup(library, me, other, loans: int) -> list[Loan]:
    made = [lend(home_item(library, f"Knyga nr. {n:02d}"), me, library) for n in range(loans)]
    for n in range(3):
        item = home_item(library, f"Laukiama knyga {n}")
        lend(item, other, library)
        place_hold(reader=me.reader, record=item.record, pickup_library=library, channel="portal")
    question = ask(library, now=timezone.now())
    Question.objects.filter(pk=question.pk).update(reader=me.reader, subject="Apie Mažvydą")
    return made


def _account_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reader/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_account_costs_the_same_queries_for_1_and_20_loans(library, adult, me, other):
    adult.loan_limit = 30
    adult.save(update_fields=["loan_limit"])
    one = Client()
    _account_setup(library, me, other, loans=1)
    log_in(one, me)
    few, _page = _account_queries(one)

    many_client = Client()
    made = [lend(home_item(library, f"Kita knyga nr. {n:02d}"), me, library) for n in range(19)]
    log_in(many_client, me)
    many, page = _account_queries(many_client)
    assert many <= 15, many
    assert many == few
    loans = Loan.objects.filter(reader=me.reader, returned_at__isnull=True)
    assert loans.count() == 20
    for loan in loans.select_related("item__record"):
        assert loan.item.record.title in page
        assert _due(loan) in page
    assert all(f"Laukiama knyga {n}" in page for n in range(3))
    assert made[0].item.record.title in page
    assert "Apie Mažvydą" in page
