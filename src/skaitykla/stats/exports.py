"""Files the stats app writes: CSV and XLSX tables, the PDF report, the national long format.

A table is a title, a header row and rows of strings and numbers; the filters that produced it
travel with it (rows above the table in XLSX, comment lines in CSV, a paragraph in the PDF).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from skaitykla.core.pdf import new_document

Cell = str | int | float | Decimal | None


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, value): filters, period


def _plain(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def csv_bytes(table: Table, *, notes: bool = True) -> bytes:
    """UTF-8 CSV with a BOM (spreadsheets then read the Lithuanian letters right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if notes:
        for label, value in table.notes:
            writer.writerow([f"# {label}", value])
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_safe_csv(_plain(cell)) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _safe_csv(text: str) -> str:
    # Spreadsheet formula injection: a text cell starting with = + - @ is made inert.
    if text[:1] in {"=", "+", "@"} or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def xlsx_bytes(tables: list[Table]) -> bytes:
    """One sheet per table: the notes (filters, period) first, then a bold header row and
    numbers stored as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, table in enumerate(tables, start=1):
        sheet = workbook.create_sheet(title=_sheet_title(table.title, index))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        for label, value in table.notes:
            sheet.append([label, value])
        sheet.append([])
        sheet.append(table.header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(cell) for cell in row])
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str, index: int) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28].strip()
    return f"{index} {cleaned}"[:31]


def _xlsx_cell(value: Cell) -> str | int | float | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def pdf_report(
    *,
    title: str,
    subtitle: str,
    tables: list[Table],
    charts: list[tuple[str, bytes]],
    language: str = "lt",
) -> bytes:
    """A report: title, the notes, each chart (PNG) and each table, in DejaVu Sans."""
    pdf = new_document(title=title, language=language)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    if tables:
        for label, value in tables[0].notes:
            pdf.multi_cell(0, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for caption, png in charts:
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, caption, new_x="LMARGIN", new_y="NEXT")
        pdf.image(io.BytesIO(png), w=pdf.epw * 0.8)
        pdf.ln(3)
    for table in tables:
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=8)
        with pdf.table(first_row_as_headings=True) as pdf_table:
            all_rows: list[list[Cell]] = [list(table.header), *table.rows]
            for row in all_rows:
                pdf_row = pdf_table.row()
                for cell in row:
                    pdf_row.cell(_plain(cell))
        pdf.ln(4)
    return bytes(pdf.output())
