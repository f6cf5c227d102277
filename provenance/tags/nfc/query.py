"""The tap URL's query: ``picc_data`` (32 hex digits) and ``cmac`` (16 hex digits).

A genuine tag writes upper-case hex; we accept either case, because nothing is gained by
refusing a URL a person retyped. Anything else (a parameter missing, repeated or unknown, a
wrong length, a non-hex character) is refused with a :class:`TagError` whose message starts
with "malformed tap".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ...errors import TagError
from .sdm import MAC_LENGTH, PICC_DATA_LENGTH

__all__ = ["CMAC_PARAM", "PICC_DATA_PARAM", "TapParams", "parse_tap_params", "parse_tap_query"]

PICC_DATA_PARAM = "picc_data"
CMAC_PARAM = "cmac"
_HEX = re.compile(r"[0-9A-Fa-f]*")
_MAX_QUERY = 200  # a genuine query is 65 characters; refuse long ones before parsing them


@dataclass(frozen=True)
class TapParams:
    """The two values a tap carries, as bytes."""

    picc_data: bytes
    cmac: bytes


def _hex(name: str, text: str | None, length: int) -> bytes:
    if text is None:
        raise TagError(f"malformed tap: no {name} parameter")
    if len(text) != 2 * length or not _HEX.fullmatch(text):
        raise TagError(f"malformed tap: {name} must be {2 * length} hex digits")
    return bytes.fromhex(text)


def parse_tap_params(*, picc_data: str | None, cmac: str | None) -> TapParams:
    """Check the two query values (as a web framework hands them over) and decode them."""
    return TapParams(
        picc_data=_hex(PICC_DATA_PARAM, picc_data, PICC_DATA_LENGTH),
        cmac=_hex(CMAC_PARAM, cmac, MAC_LENGTH),
    )


def parse_tap_query(query: str) -> TapParams:
    """Parse a raw query string (with or without its leading ``?``)."""
    if len(query) > _MAX_QUERY:
        raise TagError("malformed tap: the query is too long")
    try:
        pairs = parse_qsl(query.removeprefix("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise TagError("malformed tap: the query does not parse") from exc
    names = [name for name, _ in pairs]
    unknown = sorted(set(names) - {PICC_DATA_PARAM, CMAC_PARAM})
    if unknown:
        raise TagError(f"malformed tap: unexpected parameter {unknown[0]!r}")
    if len(names) != len(set(names)):
        raise TagError("malformed tap: a parameter is repeated")
    values = dict(pairs)
    return parse_tap_params(picc_data=values.get(PICC_DATA_PARAM), cmac=values.get(CMAC_PARAM))
