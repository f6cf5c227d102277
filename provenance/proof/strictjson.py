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
import re
from itertools import accumulate
from typing import Any

from ..errors import EventFormatError

__all__ = ["MAX_DEPTH", "json_depth", "loads_strict"]

#: The deepest nesting a bundle may have (a real one nests 4 levels).
MAX_DEPTH = 32
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # "unrolled loop" form
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep the brackets outside strings nest, found without recursion."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets:
        return 0
    return max(accumulate(map(_STEP.__getitem__, brackets)))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def loads_strict(raw: bytes | str) -> Any:
    """Parse ``raw`` (UTF-8 if bytes); :class:`EventFormatError` if it is not JSON, nests
    deeper than :data:`MAX_DEPTH`, repeats a key in an object, or uses NaN or Infinity."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise EventFormatError(f"bundle is not valid JSON: not UTF-8 ({exc.reason})") from None
    if json_depth(text) > MAX_DEPTH:
        raise EventFormatError(f"bundle is not valid JSON: nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise EventFormatError(f"bundle is not valid JSON: {exc}") from exc
