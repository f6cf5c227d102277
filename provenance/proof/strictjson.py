"""Bundle JSON read strictly: text that two parsers could read differently is refused.

RFC 8259 leaves duplicate object keys and the depth of nesting to the parser; Python's
``json`` also reads ``NaN`` and ``Infinity``. A bundle must mean one thing to every verifier,
so duplicates and non-JSON constants are errors, and nesting is bounded *before* parsing:
``json.loads`` recurses in C once per level, and with the high recursion limit some libraries
set (py-evm sets 100,000) a deep enough document overflows the thread's stack instead of
raising RecursionError.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import EventFormatError

__all__ = [
    "BYTES_PER_TOKEN",
    "MAX_DEPTH",
    "TOKEN_FLOOR",
    "AmbiguousJSONError",
    "loads_strict",
    "precheck",
    "within_depth",
]

#: The deepest nesting a bundle may have (a real one nests 4 levels).
MAX_DEPTH = 32
#: A body may hold at most ``TOKEN_FLOOR + size // BYTES_PER_TOKEN`` tokens (commas and
#: brackets outside strings). A bundle's values are hashes, signatures and signed bodies,
#: tens to hundreds of bytes each (a large honest bundle has one token per 40 bytes or so),
#: while a parser spends its time per value: a body dense with tiny values (``[1,1,1,...]``,
#: ``[{},{},...]``) is refused by the linear scan before the parser sees it.
BYTES_PER_TOKEN = 16
TOKEN_FLOOR = 4096

# Every byte but the quote, the comma and the four brackets is deleted; curly brackets
# become square ones (only the nesting matters, not which kind). UTF-8 never puts an ASCII
# byte inside a multi-byte sequence, so working on bytes finds exactly what a parser would.
_KEPT = b'"[]{},'
_DELETED = bytes(c for c in range(256) if c not in _KEPT)
_SQUARE = bytes.maketrans(b"{}", b"[]")


class AmbiguousJSONError(EventFormatError):
    """Well-formed JSON that parsers may read differently: a repeated key, NaN or Infinity."""


def _outside_strings(raw: bytes, bytes_per_token: int = BYTES_PER_TOKEN) -> bytes | None:
    """The commas and brackets of ``raw`` that are not inside a string, in order (curly
    brackets as square ones); ``None`` if more strings are left after step 3 than
    :data:`BYTES_PER_TOKEN` allows (each of them is at least one token).

    Only whole-buffer operations (``replace``, ``translate``, ``split``), each one pass in C,
    so the cost is linear in the text whatever its quotes and backslashes:

    1. Inside a string a run of backslashes pairs off from its left, so deleting ``\\\\``
       pairs and then ``\\"`` leaves exactly the quotes that open or close a string (outside
       strings a backslash is not JSON at all, and the parser stops there anyway).
    2. Everything but quotes, commas and brackets goes.
    3. Two adjacent quotes go: an empty string, or a close and the next open with nothing
       between them. Either way no bracket outside a string is lost, and every other quote
       keeps its parity. Two strings left now have a token between them, so
    4. splitting on the quotes and keeping the even pieces (outside strings) costs at most
       one piece per token, and is not tried when that is already too many. An odd number
       of quotes means a string that never closes, which no JSON text has: that is reported
       as an unclosed bracket, so the parser never scans the rest.
    """
    text = _reduced(raw)
    quotes = text.count(b'"')
    if quotes // 2 - 1 > _token_limit(len(raw), bytes_per_token):
        return None
    if quotes % 2:
        return b"["  # a string is never closed: unbalanced, whatever else the text holds
    return b"".join(text.split(b'"')[::2]) if quotes else text


def _reduced(raw: bytes) -> bytes:
    """Steps 1 to 3 of :func:`_outside_strings`: only the quotes that open or close a
    non-empty string, and the commas and brackets."""
    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return text.translate(_SQUARE, _DELETED).replace(b'""', b"")


def _token_limit(size: int, bytes_per_token: int) -> int:
    return TOKEN_FLOOR + size // bytes_per_token


def _depth_ok(brackets: bytes, limit: int) -> bool:
    for _ in range(limit):
        if not brackets:
            return True
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return False  # nothing to remove: unbalanced ("][", "[[")
        brackets = shorter
    return not brackets


def precheck(
    raw: bytes, limit: int = MAX_DEPTH, bytes_per_token: int = BYTES_PER_TOKEN
) -> str | None:
    """Why ``raw`` is refused before parsing (nested deeper than ``limit`` or unbalanced,
    too dense with tokens), or ``None``: one linear scan (:func:`_outside_strings`)."""
    tokens = _outside_strings(raw, bytes_per_token)
    if tokens is not None and not _depth_ok(tokens.replace(b",", b""), limit):
        return (
            f"nested deeper than {limit} levels, or unbalanced (a bracket or string never closes)"
        )
    if tokens is None or len(tokens) > _token_limit(len(raw), bytes_per_token):
        return (
            f"too dense to be a bundle (more than one comma or bracket per {bytes_per_token} "
            f"bytes, beyond the first {TOKEN_FLOOR})"
        )
    return None


def within_depth(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the brackets outside strings are balanced and nest at most ``limit`` deep.

    Linear and without recursion: strings are cut out as :func:`_outside_strings` does
    (an unterminated one runs to the end, and no density limit applies), then each
    of at most ``limit`` passes of ``replace`` deletes every innermost ``[]`` pair (all of
    them at once, since two adjacent pairs never overlap), which lowers the nesting by
    exactly one. Balanced text of depth ``d`` is empty after ``d`` passes; anything left
    after ``limit`` passes nests deeper, or does not close (which a recursive parser would
    also descend into), and is refused. (The token density is :func:`precheck`'s.)
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    reduced = _reduced(raw).replace(b",", b"")
    return _depth_ok(b"".join(reduced.split(b'"')[::2]), limit)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise AmbiguousJSONError(f"bundle is not valid JSON: duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise AmbiguousJSONError(f"bundle is not valid JSON: {name} is not JSON (RFC 8259)")


def loads_strict(raw: bytes | str) -> Any:
    """Parse ``raw`` (UTF-8 if bytes); :class:`EventFormatError` if it is not JSON, nests
    deeper than :data:`MAX_DEPTH`, or is not UTF-8; :class:`AmbiguousJSONError` (a subclass)
    if it repeats a key in an object or uses NaN or Infinity."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise EventFormatError(f"bundle is not valid JSON: not UTF-8 ({exc.reason})") from None
    problem = precheck(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if problem is not None:
        raise EventFormatError(f"bundle is not valid JSON: {problem}")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except AmbiguousJSONError:
        raise
    except (ValueError, RecursionError) as exc:
        raise EventFormatError(f"bundle is not valid JSON: {exc}") from exc
