"""Parsing helpers shared by the item commands."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from provenance.errors import InputError

__all__ = ["RunoutOptions", "parse_matrix", "parse_price", "parse_runouts", "read_photos"]

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
    return dict(_side_values("--matrix", values, "A=XZAL-1234-1A", shape="SIDE=RUNOUT"))


def _side_values(
    option: str, values: list[str] | None, example: str, *, shape: str = "SIDE=VALUE"
) -> list[tuple[str, str]]:
    """``["a=X", ...]`` -> ``[("A", "X"), ...]``; a value without a side or text is refused."""
    pairs = []
    for value in values or []:
        side, sep, text = value.partition("=")
        if not sep or not side.strip() or not text.strip():
            raise InputError(f"{option} takes {shape}, like {example}; got {value!r}")
        pairs.append((side.strip().upper(), text.strip()))
    return pairs


@dataclass
class RunoutOptions:
    """What ``register`` was told about the runouts, option by option (each SIDE=VALUE)."""

    matrix: list[str] | None = None
    made: list[str] | None = None
    engineer: list[str] | None = None
    plant: list[str] | None = None
    mark: list[str] | None = None
    photo: list[str] | None = None


def parse_runouts(options: RunoutOptions) -> tuple[dict[str, Any], list[bytes]]:
    """The ``matrix`` field and the side photos' bytes (in side order).

    A side with only ``--matrix`` stays plain text, as before; one with any detail becomes
    ``{"text": ..., "made": ..., "engineer": ..., "plant": ..., "marks": [...], "photo":
    sha256}``, its photo hash naming a photo the event stores.
    """
    from provenance.ledger.canonical import sha256_hex
    from provenance.ledger.schemas import RunoutMade

    matrix: dict[str, Any] = dict(parse_matrix(options.matrix))
    detail: dict[str, dict[str, Any]] = {}
    photos: list[bytes] = []

    def side(option: str, name: str) -> dict[str, Any]:
        if name not in matrix:
            raise InputError(f"{option} {name}=... needs the side's text too: --matrix {name}=...")
        return detail.setdefault(name, {})

    for name, made in _side_values("--runout-made", options.made, "A=etched"):
        if made.lower() not in set(RunoutMade):
            *first, last = RunoutMade
            raise InputError(f"--runout-made {name}={made}: {', '.join(first)} or {last}")
        side("--runout-made", name)["made"] = made.lower()
    for name, text in _side_values("--runout-engineer", options.engineer, "A=RVG"):
        side("--runout-engineer", name)["engineer"] = text
    for name, text in _side_values("--runout-plant", options.plant, "A=MR"):
        side("--runout-plant", name)["plant"] = text
    for name, text in _side_values("--runout-mark", options.mark, "A=AUDIO"):
        side("--runout-mark", name).setdefault("marks", []).append(text)
    for name, path in _side_values("--runout-photo", options.photo, "A=side-a.jpg"):
        (data,) = read_photos([Path(path)])
        side("--runout-photo", name)["photo"] = sha256_hex(data)
        photos.append(data)
    for name, extra in detail.items():
        matrix[name] = {"text": matrix[name], **extra}
    return matrix, photos


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
