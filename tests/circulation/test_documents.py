# ruff: noqa: F811 - the fixtures imported from order_fixtures are test parameters
"""The stack attendant's pick list and order slips (PDF): Lithuanian letters survive, the card
number is masked, the barcode is drawn."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from skaitykla.circulation.choices import CircChannel
from skaitykla.circulation.documents import (
    can_draw_code39,
    mask_card,
    order_slips_pdf,
    pick_list_pdf,
)
from skaitykla.circulation.order_selectors import list_pick_list
from skaitykla.circulation.services.orders import place_stack_order
from tests.circulation.order_fixtures import (  # noqa: F401 - fixtures
    _fresh_policy_cache,
    adult,
    egle,
    jonas,
    lnb,
    local,
    order_rule,
    room,
    stack_item,
    stacked,
)

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 3, 6)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_mask_card_keeps_the_last_four():
    assert mask_card("LNB0001234") == "******1234"
    assert mask_card("123") == "123"
    assert mask_card("") == ""


def test_code39_is_drawn_only_for_barcodes_it_can_carry():
    assert can_draw_code39("LVF00000042")
    assert can_draw_code39("lv-0001")
    assert not can_draw_code39("LV_0001")
    assert not can_draw_code39("")


def test_slips_carry_call_number_title_room_day_and_masked_card(
    egle, jonas, lnb, stacked, room, order_rule
):
    odd = stack_item(lnb, barcode="LVF_ODD", call_number="LVF 821.172 Ž-45", location="B-2")
    place_stack_order(
        reader=egle.reader,
        item=stacked,
        room=room,
        for_day=FRIDAY,
        channel=CircChannel.PORTAL,
        at=local(2026, 3, 2),
    )
    place_stack_order(
        reader=jonas.reader,
        item=odd,
        room=room,
        for_day=FRIDAY,
        channel=CircChannel.DESK,
        at=local(2026, 3, 2),
    )
    orders = list(list_pick_list(library=lnb, day=FRIDAY))
    data = order_slips_pdf(orders)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "LVF 94(474.5) Šl-12" in text
    assert "Žemaičių kunigaikštystės žemėlapiai" in text
    assert "Humanitarinių mokslų skaitykla" in text
    assert "2026-03-06" in text
    assert "******1234" in text
    assert "******5678" in text
    assert "LNB0001234" not in text
    assert "LVF 821.172 Ž-45" in text  # a barcode Code 39 cannot carry is printed as text
    assert "LVF_ODD" in text
    english = pdf_text(order_slips_pdf(orders, language="en"))
    assert "Humanities Reading Room" in english


def test_pick_list_pdf_lists_in_walking_order(egle, lnb, stacked, room, order_rule):
    first = stack_item(lnb, barcode="LVF00000001", call_number="LVF 1 Ą-1", location="A-1")
    for item in (stacked, first):
        place_stack_order(
            reader=egle.reader,
            item=item,
            room=room,
            for_day=FRIDAY,
            channel=CircChannel.PORTAL,
            at=local(2026, 3, 2),
        )
    orders = list(list_pick_list(library=lnb, day=FRIDAY))
    text = pdf_text(pick_list_pdf(orders, library_name=lnb.name, day=FRIDAY))
    assert "Lietuvos nacionalinė Martyno Mažvydo biblioteka, 2026-03-06" in text
    assert text.index("LVF 1 Ą-1") < text.index("LVF 94(474.5) Šl-12")


def test_empty_documents_are_one_valid_page(lnb):
    for data in (order_slips_pdf([]), pick_list_pdf([], library_name=lnb.name, day=FRIDAY)):
        assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_printing_the_slips_is_remembered(egle, lnb, stacked, room, order_rule):
    from skaitykla.circulation.services.orders import mark_slips_printed

    placed = place_stack_order(
        reader=egle.reader,
        item=stacked,
        room=room,
        for_day=FRIDAY,
        channel=CircChannel.PORTAL,
        at=local(2026, 3, 2),
    )
    assert mark_slips_printed(orders=[placed], at=local(2026, 3, 6, 8)) == 1
    placed.refresh_from_db()
    assert placed.slip_printed_at == local(2026, 3, 6, 8)
