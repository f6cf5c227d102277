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
from typing import Any

from ..errors import EventFormatError

__all__ = ["MAX_DEPTH", "loads_strict", "within_depth"]

#: The deepest nesting a bundle may have (a real one nests 4 levels).
MAX_DEPTH = 32
# A JSON string, or an unterminated one running to the end of the text. Possessive (Python
# 3.11+), so a failed match never backtracks, and matching to the end means the search never
# restarts inside a string: one left-to-right pass, linear in the text, whatever its quotes
# and backslashes (the plain "unrolled loop" pattern is quadratic on '"' + '\\"' * n).
_STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]]++")
_CURLY = str.maketrans("{}", "[]")


def within_depth(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the brackets outside strings are balanced and nest at most ``limit`` deep.

    Linear and without recursion: strings are cut out in one regex pass, then each of at
    most ``limit`` passes of ``str.replace`` deletes every innermost ``[]`` pair (all of
    them at once, since two adjacent pairs never overlap), which lowers the nesting by
    exactly one. Balanced text of depth ``d`` is empty after ``d`` passes; anything left
    after ``limit`` passes nests deeper, or does not close (which a recursive parser would
    also descend into), and is refused.
    """
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text).translate(_CURLY))
    for _ in range(limit):
        if not brackets:
            return True
        shorter = brackets.replace("[]", "")
        if len(shorter) == len(brackets):
            return False  # nothing to remove: unbalanced ("][", "[[")
        brackets = shorter
    return not brackets


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
    if not within_depth(text):
        raise EventFormatError(
            f"bundle is not valid JSON: nested deeper than {MAX_DEPTH} levels, or unbalanced"
        )
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise EventFormatError(f"bundle is not valid JSON: {exc}") from exc
