"""A forger's bundle, made from scratch for a real item id (plain values, no fixtures).

The forger has no access to the store: they make their own admin and registrar keys, sign a
key chain and a registration for the item id they copied from a sleeve, and either give no
checkpoint at all or sign one with a log key of their own under the store's origin. Every
signature and link in such a bundle holds; only the log key can tell it from the store's.
"""

from __future__ import annotations

from typing import Any

from provenance import SigningKey
from provenance.ledger.events import Event
from provenance.ledger.schemas import validate_payload
from provenance.log import merkle
from provenance.log.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from provenance.log.tree import event_leaf_hash
from provenance.types import EventHash, KeyId
from provenance.vocab import KEY_CHAIN, EventType

from .samples import VINYL


def _row(log_index: int, event: Event, key: SigningKey) -> tuple[dict[str, Any], EventHash]:
    signed = event.sign(key)
    row = {
        "log_index": log_index,
        "item": event.item,
        "seq": event.seq,
        "type": str(event.type),
        "signer": key.key_id,
        "hash": signed.hash,
        "body": signed.body,
        "signature": signed.signature.hex(),
    }
    return row, signed.hash


def forge_bundle(
    item: str, *, log_key: SigningKey | None = None, origin: str = "provenance.log/test-records"
) -> dict[str, Any]:
    """A bundle for ``item`` signed by fresh keys: with ``log_key``, a checkpoint of the
    forger's log (under ``origin``) and proofs of every event; without, ``checkpoint: null``
    and no proofs."""
    admin, registrar = SigningKey.generate(), SigningKey.generate()
    at = "2026-03-01T09:00:00Z"

    def key_add(key: SigningKey, role: str) -> dict[str, Any]:
        data = {"action": "add", "key": key.key_id, "public_key": key.public.hex(), "role": role}
        return validate_payload(EventType.KEY, data, kind=None)

    genesis, h0 = _row(
        0,
        Event(KEY_CHAIN, 0, None, EventType.KEY, at, KeyId(admin.key_id), key_add(admin, "admin")),
        admin,
    )
    added, _h1 = _row(
        1,
        Event(
            KEY_CHAIN,
            1,
            h0,
            EventType.KEY,
            at,
            KeyId(admin.key_id),
            key_add(registrar, "registrar"),
        ),
        admin,
    )
    payload = validate_payload(EventType.REGISTER, VINYL, kind=None)
    register, _h2 = _row(
        2, Event(item, 0, None, EventType.REGISTER, at, KeyId(registrar.key_id), payload), registrar
    )
    bundle: dict[str, Any] = {
        "format": "provenance.bundle",
        "version": 1,
        "item": item,
        "created_at": at,
        "log": None,
        "events": [register],
        "keys": [genesis, added],
        "checkpoint": None,
        "proofs": [],
        "anchor": None,
        "unproven": [2],
        "notes": [],
    }
    if log_key is None:
        return bundle
    rows = [genesis, added, register]
    leaves = [event_leaf_hash(r["hash"], bytes.fromhex(r["signature"])) for r in rows]
    root = merkle.root_from_leaves(leaves)
    bundle["log"] = {
        "origin": origin,
        "public_key": log_key.public.hex(),
        "verifier_key": verifier_key(origin, log_key.public),
    }
    bundle["checkpoint"] = {
        "size": 3,
        "root": root.hex(),
        "note": sign_checkpoint(Checkpoint(origin, 3, root), name=origin, key=log_key),
    }
    bundle["proofs"] = [
        {"log_index": i, "path": [h.hex() for h in merkle.inclusion_path(i, leaves)]}
        for i in range(3)
    ]
    bundle["unproven"] = []
    return bundle
