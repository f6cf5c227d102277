"""Distinct types for the identifiers and hashes that would otherwise all be ``str``."""

from __future__ import annotations

from typing import NewType

__all__ = ["EventHash", "ItemId", "KeyId", "OwnerId", "Sha256Hex"]

#: A checked, normalised item id such as ``"7KQ2M-9XDPA-G"`` (see :mod:`provenance.ledger.itemid`).
ItemId = NewType("ItemId", str)
#: Lower-case hex of the first 16 bytes of SHA-256 over an Ed25519 public key.
KeyId = NewType("KeyId", str)
#: Lower-case hex SHA-256 of an event's domain-tagged canonical bytes.
EventHash = NewType("EventHash", str)
#: Lower-case hex SHA-256 of some content (a photo, a commitment).
Sha256Hex = NewType("Sha256Hex", str)
#: Local id of a row in the erasable owner vault, e.g. ``"own_3f9a..."``.
OwnerId = NewType("OwnerId", str)
