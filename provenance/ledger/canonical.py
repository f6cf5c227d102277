"""Canonical bytes and hashes for everything that is signed or hashed.

One function makes canonical bytes: :func:`canonical_bytes`, which is RFC 8785 (JSON
Canonicalization Scheme) via the ``rfc8785`` package. Nothing in the package signs or hashes
``json.dumps(sort_keys=True)`` output.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from ..errors import InputError
from ..types import EventHash, Sha256Hex

__all__ = [
    "EVENT_DOMAIN",
    "canonical_bytes",
    "event_hash",
    "sha256_hex",
]

# Domain separation: an event hash can never collide with a hash of the same bytes taken for
# another purpose (a commitment, a Merkle leaf, a photo). The NUL ends the tag unambiguously.
EVENT_DOMAIN = b"provenance/event/v1\x00"


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of a JSON-compatible value.

    Floats are refused outright: events carry integers (cents, per-mille, tenths) so that no
    two implementations can disagree on a number's text (RFC 8785 §3.2.2.3 notwithstanding).
    """
    _refuse_floats(value)
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise InputError(f"value cannot be canonicalised: {exc}") from exc


def event_hash(canonical: bytes) -> EventHash:
    """Return the hex SHA-256 over the event domain tag and an event's canonical bytes."""
    return EventHash(hashlib.sha256(EVENT_DOMAIN + canonical).hexdigest())


def sha256_hex(data: bytes) -> Sha256Hex:
    """Return the lower-case hex SHA-256 of ``data``."""
    return Sha256Hex(hashlib.sha256(data).hexdigest())


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise InputError("floats are not allowed in signed data; use integers")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
