"""The signed event envelope: building, canonical bytes, hashing, signing and parsing.

An event is the JSON object ``{"v","item","seq","prev","type","at","by","data"}`` encoded with
RFC 8785. Its hash is SHA-256 over a domain tag and those bytes (:func:`event_hash`); the
signer's Ed25519 key signs the 32 raw hash bytes. Stored events keep the exact canonical text,
so verification hashes what was signed rather than a re-encoding of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..clock import utc_now
from ..errors import EventFormatError
from ..keys.signing import SigningKey, verify_signature
from ..types import EventHash, ItemId, KeyId
from ..vocab import KEY_CHAIN, EventType
from .canonical import canonical_bytes, event_hash

__all__ = [
    "EVENT_VERSION",
    "KEY_CHAIN",
    "Event",
    "SignedEvent",
    "utc_now",
]

EVENT_VERSION = 1
#: The chain that holds the store's key history. Item ids are upper-case with hyphens, so this
#: name can never collide with one.
_FIELDS = frozenset({"v", "item", "seq", "prev", "type", "at", "by", "data"})
# RFC 3339 §5.6 date-time restricted to UTC with a "Z" and whole seconds.
_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{32}$")
_TYPES = frozenset(t.value for t in EventType)


@dataclass(frozen=True)
class Event:
    """An unsigned event; ``data`` has been validated by :mod:`provenance.ledger.schemas`."""

    item: str
    seq: int
    prev: EventHash | None
    type: EventType
    at: str
    by: KeyId
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The event as the JSON object that is canonicalised and signed."""
        return {
            "v": EVENT_VERSION,
            "item": self.item,
            "seq": self.seq,
            "prev": self.prev,
            "type": str(self.type),
            "at": self.at,
            "by": self.by,
            "data": self.data,
        }

    def sign(self, key: SigningKey) -> SignedEvent:
        """Canonicalise, hash and sign with ``key`` (which must be the key named in ``by``)."""
        if key.key_id != self.by:
            raise ValueError("event.by must be the signing key's id")
        body = canonical_bytes(self.to_json())
        digest = event_hash(body)
        return SignedEvent(
            event=self,
            body=body.decode(),
            hash=digest,
            signature=key.sign(bytes.fromhex(digest)),
        )


@dataclass(frozen=True)
class SignedEvent:
    """An event with its canonical text, hash and signature."""

    event: Event
    body: str
    hash: EventHash
    signature: bytes

    @property
    def item(self) -> ItemId:
        """The chain this event belongs to (an item id, or :data:`KEY_CHAIN`)."""
        return ItemId(self.event.item)

    @classmethod
    def parse(cls, body: str, signature: bytes) -> SignedEvent:
        """Rebuild a signed event from stored text; the text must be canonical and well formed.

        Raises :class:`EventFormatError`. Does not check the signature (see
        :meth:`verify_signature`): that needs the signer's key, which the caller resolves.
        """
        try:
            obj = json.loads(body)
        except ValueError as exc:
            raise EventFormatError(f"event is not JSON: {exc}") from exc
        if not isinstance(obj, dict) or set(obj) != _FIELDS:
            raise EventFormatError("event does not have exactly the envelope fields")
        if obj["v"] != EVENT_VERSION:
            raise EventFormatError(f"unsupported event version {obj['v']!r}")
        _check(isinstance(obj["item"], str) and 0 < len(obj["item"]) <= 32, "item")
        _check(isinstance(obj["seq"], int) and not isinstance(obj["seq"], bool), "seq")
        _check(obj["seq"] >= 0, "seq")
        prev = obj["prev"]
        if obj["seq"] == 0:
            _check(prev is None, "prev")
        else:
            _check(isinstance(prev, str) and _HASH.match(prev), "prev")
        _check(obj["type"] in _TYPES, "type")
        _check(isinstance(obj["at"], str) and _AT.match(obj["at"]) is not None, "at")
        _check(isinstance(obj["by"], str) and _KEY_ID.match(obj["by"]) is not None, "by")
        _check(isinstance(obj["data"], dict), "data")
        try:
            # The regex fixed the shape; this rejects impossible dates (month 13, Feb 30).
            datetime.fromisoformat(obj["at"])
        except ValueError as exc:
            raise EventFormatError(f"event field 'at' is not a valid time: {obj['at']!r}") from exc
        canonical = canonical_bytes(obj)
        if canonical.decode() != body:
            raise EventFormatError("event text is not in RFC 8785 canonical form")
        event = Event(
            item=obj["item"],
            seq=obj["seq"],
            prev=EventHash(prev) if prev is not None else None,
            type=EventType(obj["type"]),
            at=obj["at"],
            by=KeyId(obj["by"]),
            data=obj["data"],
        )
        return cls(event=event, body=body, hash=event_hash(canonical), signature=signature)

    def verify_signature(self, public_key: bytes) -> None:
        """Raise :class:`~provenance.errors.SignatureError` unless ``public_key`` signed this."""
        verify_signature(
            public_key=public_key, signature=self.signature, message=bytes.fromhex(self.hash)
        )


def _check(ok: object, field: str) -> None:
    if not ok:
        raise EventFormatError(f"event field {field!r} is malformed")
