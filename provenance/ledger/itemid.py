"""Item ids that staff can read aloud, type from a label and get right.

An id is ten random symbols from Crockford's base-32 alphabet (no I, L, O or U, so nothing
looks like anything else) and one Luhn mod N check symbol, written ``XXXXX-XXXXX-C``. Typing is
forgiving the way Crockford specifies: case is ignored, hyphens and spaces are ignored, ``O``
reads as ``0`` and ``I``/``L`` as ``1``. The check symbol catches every single-symbol typo and
most swaps of neighbours (Luhn mod N, as in ISO/IEC 7064-style check characters).

Fifty random bits make a collision between two ids unlikely (about 1 in 2,000 at a million
items), and the database's uniqueness rule turns the rare one into a retry, never a merge.
"""

from __future__ import annotations

import secrets

from ..errors import InputError, NoSuchError
from ..types import ItemId
from ..vocab import CROCKFORD_ALPHABET

__all__ = ["ALPHABET", "new_item_id", "parse_item_id"]

# Crockford base 32, https://www.crockford.com/base32.html
ALPHABET = CROCKFORD_ALPHABET
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding aliases for symbols people type by mistake.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_BODY_LEN = 10
_GROUP = 5


def new_item_id() -> ItemId:
    """Return a fresh random item id with its check symbol."""
    # One draw of 50 random bits, cut into ten 5-bit symbols (one urandom call, not ten).
    bits = secrets.randbits(5 * _BODY_LEN)
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(_BODY_LEN))
    return _format(body + _check_symbol(body))


def parse_item_id(text: str) -> ItemId:
    """Normalise a typed item id and verify its check symbol.

    Raises :class:`InputError` with a message that says what is wrong: wrong length, a symbol
    outside the alphabet, or a check-symbol mismatch (a typo).
    """
    raw = text.strip().upper().replace("-", "").replace(" ", "").translate(_ALIASES)
    if len(raw) != _BODY_LEN + 1:
        raise InputError(
            f"item id {text!r} has {len(raw)} symbols; expected {_BODY_LEN + 1} "
            "(like 7KQ2M-9XDPA-G)"
        )
    bad = sorted({ch for ch in raw if ch not in _VALUE})
    if bad:
        raise InputError(f"item id {text!r} contains {''.join(bad)!r}, not used in item ids")
    if not _luhn_valid(raw):
        raise NoSuchError(f"item id {text!r} fails its check symbol: probably a typo")
    return _format(raw)


def _format(raw: str) -> ItemId:
    return ItemId(f"{raw[:_GROUP]}-{raw[_GROUP:_BODY_LEN]}-{raw[_BODY_LEN:]}")


def _luhn_sum(symbols: str, *, double_first: bool) -> int:
    # Luhn mod N: walk from the right, doubling every other value and folding the product
    # back into base N by adding its two base-N digits.
    n = len(ALPHABET)
    total = 0
    double = double_first
    for ch in reversed(symbols):
        addend = _VALUE[ch] * (2 if double else 1)
        total += addend // n + addend % n
        double = not double
    return total


def _check_symbol(body: str) -> str:
    n = len(ALPHABET)
    return ALPHABET[(n - _luhn_sum(body, double_first=True) % n) % n]


def _luhn_valid(raw: str) -> bool:
    return _luhn_sum(raw, double_first=False) % len(ALPHABET) == 0
