"""Opening a CSV file for an import: UTF-8 (with or without a byte-order mark), the header
row in lower case, and every failure as a one-line :class:`InputError` naming the file."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["open_csv"]


def open_csv(path: Path) -> tuple[Reader, list[str]]:
    """The rows after the header (a ``csv.reader``: its ``line_num`` says where a row ends),
    and the header's names, stripped and in lower case."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"no such file: {path}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text") from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path} is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path} line 1: {exc}") from exc
    return reader, header
