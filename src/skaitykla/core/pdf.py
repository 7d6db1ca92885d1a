"""PDF documents with a font that has every Lithuanian letter (ąčęėįšųūž).

DejaVu Sans comes from matplotlib's package data (ADR 8), so no system font is needed. Every PDF
the project writes (certificates, statistics reports) starts from ``new_document``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from fpdf import FPDF

FONT_FAMILY = "DejaVu"


def font_path(*, bold: bool = False) -> Path:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def new_document(*, title: str, language: str = "lt", orientation: str = "landscape") -> FPDF:
    """An A4 document with DejaVu Sans (regular and bold) registered as ``FONT_FAMILY``."""
    pdf = FPDF(orientation=orientation, format="A4")
    pdf.set_title(title)
    pdf.set_lang(language)
    pdf.add_font(FONT_FAMILY, "", str(font_path()))
    pdf.add_font(FONT_FAMILY, "B", str(font_path(bold=True)))
    return pdf
