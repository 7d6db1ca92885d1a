"""Documents for the closed stacks: the attendant's pick list and the order slips (PDF).

Pure functions of the orders they are given (load them with ``order_selectors``). A slip goes
in place of the book on the storage shelf and travels with it to the reading room: call number,
title, the room and day, the reader's card number masked to its last four characters, and the
item barcode as Code 39 bars (fpdf2 draws Code 39; it has no Code 128).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _

from skaitykla.circulation.models import StackOrder
from skaitykla.core.pdf import FONT_FAMILY, new_document
from skaitykla.patrons.choices import CardState

#: Characters Code 39 can carry (fpdf2's table).
CODE39_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%")
SLIPS_PER_PAGE = 3
SLIP_HEIGHT = 92.0  # mm on portrait A4


def mask_card(barcode: str) -> str:
    """``LNB0001234`` → ``******1234``: enough for the desk to match the reader's card."""
    if not barcode:
        return ""
    keep = barcode[-4:]
    return "*" * max(len(barcode) - 4, 0) + keep


def _card_number(order: StackOrder) -> str:
    cards = list(order.reader.cards.all())
    active = [card for card in cards if card.state == CardState.ACTIVE]
    chosen = active[0] if active else (cards[0] if cards else None)
    return chosen.barcode if chosen is not None else ""


def can_draw_code39(value: str) -> bool:
    return bool(value) and all(char in CODE39_CHARS for char in value.upper())


def _room_name(order: StackOrder, language: str) -> str:
    room = order.room
    return (room.name_en or room.name) if language == "en" else room.name


def order_slips_pdf(orders: Iterable[StackOrder], *, language: str = "lt") -> bytes:
    """One slip per order, three to an A4 page, with cutting lines between them."""
    pdf = new_document(
        title=_("Closed-stack order slips"), language=language, orientation="portrait"
    )
    pdf.set_auto_page_break(auto=False)
    left = 15.0
    width = pdf.w - 2 * left
    for index, order in enumerate(orders):
        if index % SLIPS_PER_PAGE == 0:
            pdf.add_page()
        top = 10.0 + (index % SLIPS_PER_PAGE) * SLIP_HEIGHT
        item = order.item
        pdf.set_xy(left, top + 4)
        pdf.set_font(FONT_FAMILY, "B", 20)
        pdf.cell(width, 10, item.call_number or item.barcode, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(left)
        pdf.set_font(FONT_FAMILY, "", 12)
        title = item.record.title
        pdf.multi_cell(width, 6, title[:300], new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(left)
        lines = [
            f"{_('Reading room')}: {_room_name(order, language)}",
            f"{_('For the day')}: {order.for_day.isoformat()}",
            f"{_('Reader card')}: {mask_card(_card_number(order))}",
            f"{_('Location')}: {item.location or '—'}    {_('Order')}: {order.pk}",
        ]
        for line in lines:
            pdf.set_x(left)
            pdf.cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
        bar_y = top + SLIP_HEIGHT - 30
        if can_draw_code39(item.barcode):
            pdf.set_fill_color(0)
            pdf.code39(f"*{item.barcode.upper()}*", x=left, y=bar_y, w=0.8, h=14)
        pdf.set_xy(left, bar_y + 15)
        pdf.set_font(FONT_FAMILY, "", 10)
        pdf.cell(width, 5, item.barcode)
        if index % SLIPS_PER_PAGE != SLIPS_PER_PAGE - 1:
            pdf.set_draw_color(160)
            pdf.set_dash_pattern(dash=2, gap=2)
            pdf.line(5, top + SLIP_HEIGHT - 2, pdf.w - 5, top + SLIP_HEIGHT - 2)
            pdf.set_dash_pattern()
    if pdf.page == 0:
        pdf.add_page()
        pdf.set_font(FONT_FAMILY, "", 12)
        pdf.cell(0, 10, _("No orders to fetch."))
    return bytes(pdf.output())


def pick_list_pdf(
    orders: Sequence[StackOrder], *, library_name: str, day: date, language: str = "lt"
) -> bytes:
    """The attendant's list, in walking order (as ``list_pick_list`` sorts it)."""
    title = _("Pick list")
    pdf = new_document(title=title, language=language, orientation="landscape")
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.cell(0, 10, f"{title}: {library_name}, {day.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    headers = (_("Location"), _("Call number"), _("Barcode"), _("Title"), _("Reading room"))
    widths = (35.0, 45.0, 35.0, 110.0, 50.0)
    pdf.set_font(FONT_FAMILY, "B", 10)
    for header, width in zip(headers, widths, strict=True):
        pdf.cell(width, 7, header, border=1)
    pdf.ln()
    pdf.set_font(FONT_FAMILY, "", 10)
    for order in orders:
        item = order.item
        cells = (
            item.location,
            item.call_number,
            item.barcode,
            item.record.title[:70],
            _room_name(order, language),
        )
        for value, width in zip(cells, widths, strict=True):
            pdf.cell(width, 7, value, border=1)
        pdf.ln()
    if not orders:
        pdf.cell(0, 10, _("No orders to fetch."))
    return bytes(pdf.output())
