"""Printable label sheets: many QR tags per page, A4 or US Letter, as PDF or SVG.

Tags are 50 mm squares (plus the item id under each), 3 × 4 to a page on both paper sizes,
with 12 mm margins. PDF pages draw each QR module as a filled vector square, so the sheet
prints sharp at any resolution; an SVG sheet holds one page (more pages: more files).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import InputError
from .codes import qr_matrix, svg_fragment

__all__ = ["PAPER_MM", "TAG_MM", "Label", "layout", "write_sheet"]

Paper = Literal["a4", "letter"]
PAPER_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
TAG_MM = 50.0
TAG_H_MM = TAG_MM * 1.15
MARGIN_MM = 12.0
GAP_MM = 8.0


@dataclass(frozen=True)
class Label:
    """One tag to print: its URL and the item id under it."""

    url: str
    item: str


def layout(paper: str) -> list[tuple[float, float]]:
    """Top-left corners (mm) of the tag slots on one page."""
    if paper not in PAPER_MM:
        raise InputError(f"paper {paper!r}: use a4 or letter")
    width, height = PAPER_MM[paper]
    cols = int((width - 2 * MARGIN_MM + GAP_MM) // (TAG_MM + GAP_MM))
    rows = int((height - 2 * MARGIN_MM + GAP_MM) // (TAG_H_MM + GAP_MM))
    left = (width - cols * TAG_MM - (cols - 1) * GAP_MM) / 2
    top = (height - rows * TAG_H_MM - (rows - 1) * GAP_MM) / 2
    return [
        (left + c * (TAG_MM + GAP_MM), top + r * (TAG_H_MM + GAP_MM))
        for r in range(rows)
        for c in range(cols)
    ]


def _pages(labels: Sequence[Label], per_page: int) -> list[Sequence[Label]]:
    return [labels[i : i + per_page] for i in range(0, len(labels), per_page)]


def write_sheet(labels: Sequence[Label], path: Path, *, paper: str = "a4") -> list[Path]:
    """Write the sheet(s); return the files written (SVG: one per page)."""
    if not labels:
        raise InputError("no items to put on a label sheet")
    slots = layout(paper)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        _write_pdf(labels, path, paper, slots)
        return [path]
    if suffix == ".svg":
        out = []
        for n, page in enumerate(_pages(labels, len(slots)), start=1):
            target = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
            _write_svg_page(page, target, paper, slots)
            out.append(target)
        return out
    raise InputError(f"{path.name}: a label sheet is written as .pdf or .svg")


def _write_pdf(
    labels: Sequence[Label], path: Path, paper: str, slots: list[tuple[float, float]]
) -> None:
    from fpdf import FPDF

    width, height = PAPER_MM[paper]
    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_creator("provenance")
    pdf.set_font("Courier", size=9)
    for page in _pages(labels, len(slots)):
        pdf.add_page()
        for label, (x, y) in zip(page, slots, strict=False):
            matrix = qr_matrix(label.url)
            m = TAG_MM / len(matrix)
            pdf.set_fill_color(0, 0, 0)
            for r, row in enumerate(matrix):
                for c, dark in enumerate(row):
                    if dark:
                        pdf.rect(x + c * m, y + r * m, m, m, style="F")
            pdf.set_xy(x, y + TAG_MM - 1)
            pdf.cell(TAG_MM, 5, label.item, align="C")
    pdf.output(str(path))


def _write_svg_page(
    page: Sequence[Label], path: Path, paper: str, slots: list[tuple[float, float]]
) -> None:
    width, height = PAPER_MM[paper]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="#fff"/>'
    ]
    for label, (x, y) in zip(page, slots, strict=False):
        parts.append(svg_fragment(label.url, label.item, x=x, y=y, size=TAG_MM))
    parts.append("</svg>\n")
    path.write_text("".join(parts), encoding="utf-8")
