"""CSV bulk registration: rows to validated register payloads, with line-numbered errors.

The first row is a header. Columns are the register fields (``kind``, ``title``, ``artist``,
``label``, ``catalog_number``, ``country``, ``year``, ``barcode``, ``edition``, ``director``,
``studio``, ``gauge``, ``print_type``, ``reels``, ``length_ft``, ``soundtrack``) plus
``matrix_<side>`` for each runout (``matrix_a``, ``matrix_b``...), and for a side whose runout
is described further ``runout_<side>_made`` (stamped, etched or mixed),
``runout_<side>_engineer``, ``runout_<side>_plant`` and ``runout_<side>_marks`` (several
marks separated by ``|``). Empty cells are omitted.
Every row is validated (under the rules for new events) before anything is written, so a bad
row leaves the ledger unchanged; the error names the file, the line and each field:
``stock.csv line 7: country: not a country or region ...``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..errors import InputError
from ._csvfile import open_csv
from .schemas import validate_new_registration

__all__ = ["COLUMNS", "MAX_ROWS", "read_register_csv"]

COLUMNS = frozenset(
    {
        "kind",
        "title",
        "artist",
        "label",
        "catalog_number",
        "country",
        "year",
        "barcode",
        "edition",
        "director",
        "studio",
        "gauge",
        "print_type",
        "reels",
        "length_ft",
        "soundtrack",
    }
)
_INTEGER = frozenset({"year", "reels", "length_ft"})
MAX_ROWS = 5_000_000  # bounded: one import is one transaction


def read_register_csv(path: Path) -> list[dict[str, Any]]:
    """Read and validate a registration CSV; raise :class:`InputError` naming the line."""
    reader, header = open_csv(path)
    unknown = [
        h for h in header if h not in COLUMNS and not h.startswith("matrix_") and not _detail(h)
    ]
    if unknown:
        raise InputError(f"{path} line 1: unknown column(s) {', '.join(unknown)}")
    if "kind" not in header or "title" not in header:
        raise InputError(f"{path} line 1: the header needs at least 'kind' and 'title'")
    if len(set(header)) != len(header):
        raise InputError(f"{path} line 1: a column appears twice")
    payloads: list[dict[str, Any]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise InputError(
                    f"{path} line {line}: {len(cells)} cells, the header has {len(header)}"
                )
            if len(payloads) >= MAX_ROWS:
                raise InputError(f"{path}: more than {MAX_ROWS} rows; split the file")
            payloads.append(_payload(path, line, header, cells))
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: {exc}") from exc
    if not payloads:
        raise InputError(f"{path} has a header but no rows")
    return payloads


_DETAILS = frozenset({"made", "engineer", "plant", "marks"})


def _detail(column: str) -> tuple[str, str] | None:
    """``runout_a_made`` -> ``("A", "made")``; ``None`` for any other column."""
    head, _, attribute = column.rpartition("_")
    if not head.startswith("runout_") or attribute not in _DETAILS or head == "runout_":
        return None
    return head.removeprefix("runout_").upper(), attribute


def _payload(path: Path, line: int, header: list[str], cells: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    matrix: dict[str, Any] = {}
    details: dict[str, dict[str, Any]] = {}
    for name, raw in zip(header, cells, strict=True):
        value = raw.strip()
        if not value:
            continue
        detail = _detail(name)
        if detail is not None:
            side, attribute = detail
            if attribute == "marks":
                details.setdefault(side, {})["marks"] = [m.strip() for m in value.split("|")]
            else:
                details.setdefault(side, {})[attribute] = (
                    value.lower() if attribute == "made" else value
                )
        elif name.startswith("matrix_"):
            matrix[name.removeprefix("matrix_").upper()] = value
        elif name in _INTEGER:
            if not value.isdigit():
                raise InputError(f"{path} line {line}: {name}: {value!r} is not a whole number")
            row[name] = int(value)
        else:
            row[name] = value
    for side, extra in details.items():
        if side not in matrix:
            raise InputError(
                f"{path} line {line}: runout_{side.lower()}_*: needs matrix_{side.lower()}"
            )
        matrix[side] = {"text": matrix[side], **extra}
    if matrix:
        row["matrix"] = matrix
    try:
        return validate_new_registration(row)
    except InputError as exc:
        raise InputError(f"{path} line {line}: {exc}") from exc
