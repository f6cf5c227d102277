"""Proof bundles: one self-contained JSON document per item that anyone can verify with no
access to the store's database (see :mod:`provenance.proof.verifier`, docs/bundle.md).

A bundle carries the item's events exactly as signed, the key-chain events that establish
every signer's key and role at signing time, an inclusion proof of each of those events into
one signed checkpoint, that checkpoint, and the checkpoint's anchor on Ethereum. The
checkpoint chosen is the newest one with a live anchor; without one, the newest checkpoint.
Events newer than it are included and listed under ``unproven`` (the item's own; key events
newer than it are counted by the verifier): their signatures and links can be checked, their
place in the log not yet, so the bundle verifies as unproven until a checkpoint covers them.
Without any checkpoint, ``checkpoint`` is null and every item event is listed.

No personal data: events hold none by design (owners are commitments), and the bundle adds
only public keys, hashes and chain coordinates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from ..chain.anchored import anchored_checkpoint, anchored_conflict
from ..errors import AnchorError, NotFoundError
from ..ledger.events import KEY_CHAIN, utc_now
from ..ledger.itemid import parse_item_id
from ..log.checkpoint import verifier_key
from ..log.tree import inclusion_proofs
from ..storage.tables import checkpoints, events, log_head, store

__all__ = ["BUNDLE_FORMAT", "BUNDLE_VERSION", "MAX_BUNDLE_BYTES", "MAX_EVENTS", "build_bundle"]

BUNDLE_FORMAT = "provenance.bundle"
BUNDLE_VERSION = 1
#: The largest bundle a verifier accepts (bytes of JSON): bounds memory and time.
MAX_BUNDLE_BYTES = 8 * 1024 * 1024
#: The most events (item or key chain) one bundle may carry.
MAX_EVENTS = 10_000


def _row_json(r: Any) -> dict[str, Any]:
    return {
        "log_index": int(r.log_index),
        "item": r.item,
        "seq": int(r.seq),
        "type": r.type,
        "signer": r.signer,
        "hash": r.hash,
        "body": r.body,
        "signature": bytes(r.signature).hex(),
    }


def build_bundle(engine: Engine, item: str) -> dict[str, Any]:
    """The proof bundle of ``item`` (:class:`NotFoundError` if the ledger has no such item)."""
    item_id = parse_item_id(item)
    with engine.connect() as conn:
        rows = conn.execute(
            select(events).where(events.c.item == item_id).order_by(events.c.seq)
        ).all()
        if not rows:
            raise NotFoundError(f"no item {item_id} in this ledger")
        last = max(int(r.log_index) for r in rows)
        key_rows = conn.execute(
            select(events)
            .where(events.c.item == KEY_CHAIN, events.c.log_index < last)
            .order_by(events.c.seq)
        ).all()
        identity = conn.execute(select(store.c.origin, store.c.log_public_key)).first()
        tree_size = int(conn.execute(select(log_head.c.size)).scalar_one())
        newest_size = conn.execute(select(func.max(checkpoints.c.size))).scalar()

        conflict = anchored_conflict(conn)
        if conflict is not None:
            # Proving the item against an older checkpoint would hide the disagreement.
            raise AnchorError(f"cannot export {item_id}: {conflict}")
        cp_row: Any = anchored_checkpoint(conn)
        anchor: dict[str, Any] | None = None
        if cp_row is not None:
            anchor = {
                "chain_id": cp_row.chain_id,
                "contract": cp_row.address,
                "tx_hash": cp_row.tx_hash,
                "block_number": cp_row.block_number,
                "tree_size": int(cp_row.size),
                "state": cp_row.state,
                "ephemeral": bool(cp_row.ephemeral),
            }
        else:
            cp_row = conn.execute(
                select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)
            ).first()
        checkpoint = (
            None
            if cp_row is None
            else {"size": int(cp_row.size), "root": cp_row.root, "note": cp_row.note}
        )
        size = checkpoint["size"] if checkpoint else 0
        covered = [int(r.log_index) for r in [*key_rows, *rows] if r.log_index < size]
        proofs = [
            {"log_index": p.leaf_index, "path": [h.hex() for h in p.path]}
            for p in (
                inclusion_proofs(conn, indices=covered, size=size, tree_size=tree_size)
                if covered
                else []
            )
        ]
    unproven = [int(r.log_index) for r in rows if r.log_index >= size]
    notes = []
    if checkpoint is None:
        notes.append(
            "no signed checkpoint covers these events yet, so the bundle verifies as unproven: "
            "run 'provenance log checkpoint'"
        )
    if anchor is None:
        notes.append("the checkpoint is not anchored on a chain yet: run 'provenance anchor'")
    elif anchor["ephemeral"]:
        notes.append(
            "anchored only on an ephemeral development chain, which ends with its process: "
            "the seal does not outlive it"
        )
    if unproven and checkpoint is not None:
        n = len(unproven)
        newer = newest_size is not None and int(newest_size) > max(unproven)
        notes.append(
            f"{n} newest event{'s are' if n != 1 else ' is'} not yet in a signed checkpoint"
            + (
                " of this bundle: a newer checkpoint covers them but is not anchored yet (run "
                "'provenance anchor', then export again)"
                if newer
                else ": the bundle verifies as unproven until one covers them (run 'provenance "
                "log checkpoint' or 'provenance anchor', then export again)"
            )
        )
    log = None
    if identity is not None and identity.log_public_key:
        public = bytes.fromhex(identity.log_public_key)
        log = {
            "origin": identity.origin,
            "public_key": identity.log_public_key,
            "verifier_key": verifier_key(identity.origin, public),
        }
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "item": item_id,
        "created_at": utc_now(),
        "log": log,
        "events": [_row_json(r) for r in rows],
        "keys": [_row_json(r) for r in key_rows],
        "checkpoint": checkpoint,
        "proofs": proofs,
        "anchor": anchor,
        "unproven": unproven,
        "notes": notes,
    }
