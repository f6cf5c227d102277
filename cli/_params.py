"""Parsing helpers shared by the item commands."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from provenance.errors import InputError

__all__ = ["parse_matrix", "parse_price", "read_photos"]

_MAX_PHOTOS = 20


def read_photos(paths: list[Path] | None) -> list[bytes]:
    """Read photo files (their type and size are checked by the ledger)."""
    if not paths:
        return []
    if len(paths) > _MAX_PHOTOS:
        raise InputError(f"at most {_MAX_PHOTOS} photos per event")
    photos = []
    for path in paths:
        try:
            photos.append(path.read_bytes())
        except FileNotFoundError:
            raise InputError(f"no such photo file: {path}") from None
        except OSError as exc:
            raise InputError(f"cannot read photo {path}: {exc.strerror}") from exc
    return photos


def parse_matrix(values: list[str] | None) -> dict[str, str]:
    """``["A=XZAL-1234-1A", "B=..."]`` -> ``{"A": ..., "B": ...}``."""
    matrix: dict[str, str] = {}
    for value in values or []:
        side, sep, text = value.partition("=")
        if not sep or not side.strip() or not text.strip():
            raise InputError(f"--matrix takes SIDE=RUNOUT, like A=XZAL-1234-1A; got {value!r}")
        matrix[side.strip().upper()] = text.strip()
    return matrix


def parse_price(amount: str | None, currency: str | None) -> dict[str, object] | None:
    """``"120.50", "EUR"`` -> ``{"amount": 12050, "currency": "EUR"}`` (minor units, no float)."""
    if amount is None:
        if currency is not None:
            raise InputError("--currency needs --price")
        return None
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise InputError(f"--price {amount!r} is not a number like 120.50") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InputError(
            f"--price {amount!r} must be a non-negative amount with at most 2 decimals"
        )
    if currency is None:
        raise InputError("--price needs --currency (e.g. EUR)")
    return {"amount": int(value * 100), "currency": currency.upper()}
