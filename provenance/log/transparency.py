"""The log as the store runs it: its identity (origin and Ed25519 key), signed checkpoints,
and proofs looked up by item or leaf index.

The log key is the store's own, separate from staff keys: staff sign events, the log signs
checkpoints (C2SP tlog-checkpoint), which is what gets anchored on Ethereum and what proof
bundles carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from ..clock import utc_now
from ..errors import ConfigurationError, InputError, NotFoundError
from ..keys.signing import SigningKey
from ..storage.engine import write_transaction
from ..storage.tables import checkpoints, events, log_head, store
from .checkpoint import Checkpoint, origin_for, sign_checkpoint, verifier_key, verify_checkpoint
from .tree import Proof, consistency_proof, inclusion_proof, inclusion_proofs, root_at

__all__ = ["LogIdentity", "StoredCheckpoint", "TransparencyLog"]


@dataclass(frozen=True)
class LogIdentity:
    """Who the log is: its origin line (also the signing key's name) and public key."""

    origin: str
    public_key: bytes

    @property
    def verifier_key(self) -> str:
        """The public key in signed-note verifier-key form, for publishing."""
        return verifier_key(self.origin, self.public_key)


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint as stored."""

    size: int
    root: str
    note: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "size": self.size,
            "root": self.root,
            "note": self.note,
            "created_at": self.created_at,
        }


class TransparencyLog:
    """Checkpoints and proofs over the ledger's global log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set_identity(self, key: SigningKey, *, store_name: str) -> LogIdentity:
        """Record the log key (once); the origin derives from the store name."""
        identity = LogIdentity(origin=origin_for(store_name), public_key=key.public)
        with write_transaction(self.engine) as conn:
            current = conn.execute(select(store.c.log_public_key)).scalar()
            if current is not None:
                raise InputError("this log already has a key")
            conn.execute(
                update(store)
                .where(store.c.id == 1)
                .values(origin=identity.origin, log_public_key=key.public.hex())
            )
        return identity

    def identity(self) -> LogIdentity:
        """The log's origin and public key; :class:`ConfigurationError` if ``init`` has not
        created them yet."""
        with self.engine.connect() as conn:
            row = conn.execute(select(store.c.origin, store.c.log_public_key)).first()
        if row is None or row.log_public_key is None:
            raise ConfigurationError("this ledger has no log key yet; run 'provenance init'")
        return LogIdentity(origin=row.origin, public_key=bytes.fromhex(row.log_public_key))

    def size(self) -> int:
        """Leaves in the log."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(log_head.c.size)).scalar_one())

    def checkpoint(self, key: SigningKey) -> tuple[StoredCheckpoint, bool]:
        """Sign and store a checkpoint of the current tree; return it and whether it is new.

        With no new leaves since the latest checkpoint, that checkpoint is returned as is.
        """
        identity = self.identity()
        if key.public != identity.public_key:
            raise ConfigurationError("that key is not this log's key")
        with write_transaction(self.engine) as conn:
            # Lock the head: the tree cannot grow between reading its size and its root.
            size = int(
                conn.execute(
                    select(log_head.c.size).where(log_head.c.id == 1).with_for_update()
                ).scalar_one()
            )
            if size == 0:
                raise InputError("the log is empty; there is nothing to checkpoint")
            latest = self._latest(conn)
            if latest is not None and latest.size == size:
                return latest, False
            root = root_at(conn, size)
            note = sign_checkpoint(
                Checkpoint(origin=identity.origin, size=size, root=root),
                name=identity.origin,
                key=key,
            )
            stored = StoredCheckpoint(size=size, root=root.hex(), note=note, created_at=utc_now())
            conn.execute(insert(checkpoints).values(**stored.to_json()))
        return stored, True

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(checkpoints).order_by(checkpoints.c.size)).all()
        return [StoredCheckpoint(r.size, r.root, r.note, r.created_at) for r in rows]

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        """The stored checkpoint of exactly ``size`` leaves, if there is one."""
        with self.engine.connect() as conn:
            row = conn.execute(select(checkpoints).where(checkpoints.c.size == size)).first()
        return (
            None if row is None else StoredCheckpoint(row.size, row.root, row.note, row.created_at)
        )

    def latest(self) -> StoredCheckpoint | None:
        """The newest checkpoint, if any."""
        with self.engine.connect() as conn:
            return self._latest(conn)

    def verify(self, cp: StoredCheckpoint) -> Checkpoint:
        """Check a stored checkpoint's signature under this log's key."""
        identity = self.identity()
        return verify_checkpoint(
            cp.note,
            name=identity.origin,
            public_key=identity.public_key,
            origin=identity.origin,
        )

    def proof(self, *, index: int, size: int | None = None) -> Proof:
        """Inclusion proof of leaf ``index`` (default size: the newest checkpoint that covers
        it, else the whole log)."""
        with self.engine.connect() as conn:
            tree_size = int(conn.execute(select(log_head.c.size)).scalar_one())
            chosen = size if size is not None else self._default_size(conn, index + 1, tree_size)
            return inclusion_proof(conn, index=index, size=chosen, tree_size=tree_size)

    def item_proofs(self, item_id: str, *, size: int | None = None) -> list[dict[str, Any]]:
        """Inclusion proofs of every event of one item (or of the key chain) into one tree.

        ``item_id`` is the id as stored: the caller parses what a user typed first (the log
        knows leaves and rows, not the ledger's id rules).
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(events.c.log_index, events.c.seq, events.c.hash, events.c.signature)
                .where(events.c.item == item_id)
                .order_by(events.c.seq)
            ).all()
            if not rows:
                raise NotFoundError(f"no item {item_id} in this ledger")
            tree_size = int(conn.execute(select(log_head.c.size)).scalar_one())
            needed = max(r.log_index for r in rows) + 1
            chosen = size if size is not None else self._default_size(conn, needed, tree_size)
            if chosen < needed:
                raise InputError(
                    f"a tree of {chosen} leaves does not hold all of {item_id}'s events"
                )
            found = inclusion_proofs(
                conn, indices=[r.log_index for r in rows], size=chosen, tree_size=tree_size
            )
            out = []
            for r, proof in zip(rows, found, strict=True):
                # leaf_hash = SHA-256(0x00 ‖ event_hash ‖ signature): checkable by hand.
                out.append(
                    {
                        "item": item_id,
                        "seq": r.seq,
                        "event_hash": r.hash,
                        "signature": bytes(r.signature).hex(),
                        **proof.to_json(),
                    }
                )
            return out

    def consistency(self, old_size: int, new_size: int) -> dict[str, Any]:
        """Consistency proof between two tree sizes."""
        with self.engine.connect() as conn:
            tree_size = int(conn.execute(select(log_head.c.size)).scalar_one())
            return consistency_proof(
                conn, old_size=old_size, new_size=new_size, tree_size=tree_size
            )

    @staticmethod
    def _latest(conn: Any) -> StoredCheckpoint | None:
        row = conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)).first()
        return (
            None if row is None else StoredCheckpoint(row.size, row.root, row.note, row.created_at)
        )

    @staticmethod
    def _default_size(conn: Any, needed: int, tree_size: int) -> int:
        latest = conn.execute(select(func.max(checkpoints.c.size))).scalar()
        return int(latest) if latest is not None and latest >= needed else tree_size
