"""The bundle document as a pydantic model: the verifier parses with it, and the published
JSON Schema (``docs/bundle.schema.json``) is generated from it, so the two cannot drift.

The model is as strict as the verifier: exact hex lengths (lower case), the printed item-id
form, integers that are JSON integers (strict mode: no ``"5"``, ``5.0`` or ``true``), no
unknown fields. What it cannot express (hashes recomputed, links, signatures, proofs) the
named checks of :mod:`provenance.proof.verifier` decide.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..vocab import KEY_CHAIN, EventType
from .bundle import MAX_EVENTS

__all__ = [
    "EVENT_TYPE_PATTERN",
    "ITEM_ID_PATTERN",
    "Bundle",
    "BundleAnchor",
    "BundleCheckpoint",
    "BundleEvent",
    "BundleLog",
    "BundleProof",
]

# Crockford base 32 without I, L, O, U (provenance.vocab.CROCKFORD_ALPHABET), in the printed
# form XXXXX-XXXXX-C (provenance.ledger.itemid); the check symbol is checked by the reader.
_SYMBOL = "[0-9A-HJKMNP-TV-Z]"
ITEM_ID_PATTERN = f"^{_SYMBOL}{{5}}-{_SYMBOL}{{5}}-{_SYMBOL}$"
_CHAIN_PATTERN = f"^({KEY_CHAIN}|{_SYMBOL}{{5}}-{_SYMBOL}{{5}}-{_SYMBOL})$"
EVENT_TYPE_PATTERN = "^(" + "|".join(t.value for t in EventType) + ")$"
# A signed-note key name / log origin: no white space, '+' or control character.
_NAME_PATTERN = r"^[^\s+\x00-\x1f\x7f-\x9f]+$"
_MAX_LOG_INDEX = 2**63 - 1  # tree sizes are uint64 on chain; indices stay below 2^63

Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Index = Annotated[int, Field(ge=0, le=_MAX_LOG_INDEX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BundleEvent(_Strict):
    """One signed event as stored: the envelope fields repeat what ``body`` says."""

    log_index: Index = Field(description="The event's leaf index in the store's log.")
    item: str = Field(pattern=_CHAIN_PATTERN, description="The item id (XXXXX-XXXXX-C) or 'keys'.")
    seq: int = Field(ge=0, le=_MAX_LOG_INDEX, description="Position in its chain, from 0.")
    type: str = Field(pattern=EVENT_TYPE_PATTERN)
    signer: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="Key id: hex of SHA-256(public key)[:16]."
    )
    hash: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description='Hex of SHA-256("provenance/event/v1" 0x00 || body as UTF-8).',
    )
    body: str = Field(
        min_length=2,
        max_length=256 * 1024,
        description="The exact signed text: the event object in RFC 8785 canonical form.",
    )
    signature: str = Field(
        pattern=r"^[0-9a-f]{128}$",
        description="Hex of the Ed25519 signature over the 32 raw bytes of the hash.",
    )


class BundleLog(_Strict):
    """The store's log identity: its origin (also the checkpoint key's name) and key."""

    origin: str = Field(pattern=_NAME_PATTERN, max_length=256)
    public_key: Hex32
    verifier_key: str = Field(
        pattern=r"^[^\s+\x00-\x1f\x7f-\x9f]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$",
        max_length=512,
        description="name+hex(key ID)+base64(0x01 || public key), c2sp.org/signed-note.",
    )


class BundleCheckpoint(_Strict):
    """A signed checkpoint (c2sp.org/tlog-checkpoint as a c2sp.org/signed-note)."""

    size: int = Field(ge=1, le=_MAX_LOG_INDEX)
    root: Hex32
    note: str = Field(min_length=1, max_length=16 * 1024)


class BundleProof(_Strict):
    """An RFC 9162 inclusion proof of the leaf at ``log_index`` into the checkpoint's tree."""

    log_index: Index
    path: list[Hex32] = Field(max_length=63)


class BundleAnchor(_Strict):
    """Where the checkpoint's root was anchored, as the store recorded it."""

    chain_id: int = Field(ge=1)
    contract: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    tx_hash: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    block_number: int = Field(ge=0)
    tree_size: int = Field(ge=1, le=_MAX_LOG_INDEX)
    state: Literal["anchored", "final"]
    ephemeral: bool


class Bundle(_Strict):
    """The bundle document (``docs/bundle.schema.json`` is generated from this model)."""

    format: Literal["provenance.bundle"]
    version: Literal[1]
    item: str = Field(pattern=ITEM_ID_PATTERN)
    created_at: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
    log: BundleLog | None
    events: list[BundleEvent] = Field(min_length=1, max_length=MAX_EVENTS)
    keys: list[BundleEvent] = Field(max_length=MAX_EVENTS)
    checkpoint: BundleCheckpoint | None
    proofs: list[BundleProof] = Field(max_length=2 * MAX_EVENTS)
    anchor: BundleAnchor | None
    unproven: list[Index] = Field(max_length=MAX_EVENTS)
    notes: list[Annotated[str, Field(max_length=400)]] = Field(max_length=20)
