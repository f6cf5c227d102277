"""One item's record as stored, read in one connection and checked by the audit's own code:
its rows and the key chain's, the log size and identity, the anchored checkpoint and the
inclusion proof of the newest event it covers, the history checks (``ChainChecker``), the
photo checks (``PhotoChecker``) and whether the log disagrees with its seals. Plain values
for :mod:`.buyer`; no words for people here.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from ..chain.anchored import AnchoredCheckpoint, anchored_checkpoint, anchored_conflict
from ..errors import LogDivergedError, NotFoundError, VerificationError
from ..ledger.chain_audit import ChainChecker, Row, build_keyring
from ..ledger.events import KEY_CHAIN, Event, SignedEvent
from ..ledger.photo_audit import PhotoChecker, photo_hashes
from ..log import merkle
from ..log.checkpoint import verify_checkpoint
from ..log.guard import RESTORE_HINT, refuse_if_diverged
from ..log.tree import event_leaf_hash, inclusion_proof
from ..storage.tables import blobs, events, log_head, store

__all__ = ["HistoryMemo", "Record", "photo_names", "prove_newest", "read_record"]

_DIGEST = re.compile(r"[0-9a-f]{64}")  # the photo hash in a PhotoChecker finding
_COLS = (
    events.c.log_index,
    events.c.item,
    events.c.seq,
    events.c.type,
    events.c.signer,
    events.c.hash,
    events.c.body,
    events.c.signature,
    events.c.at,
)


def photo_names(data: dict[str, Any]) -> list[str]:
    """The photo hashes a payload names."""
    return list(photo_hashes(data))


@dataclass
class Record:
    """What was read and what the audit's checks found (see the module docstring)."""

    rows: list[Row]  # the item's events, by seq
    keys: list[Row]  # the key chain's events before the item's newest
    size: int  # the log's size
    identity: Any  # the store row: name, origin, log_public_key (or None)
    anchored: AnchoredCheckpoint | None
    proof: list[bytes] | None  # inclusion path of the newest covered event, if any
    chain_problem: str | None  # an alarm or an anchored checkpoint conflict, technically
    named: list[str]  # every photo hash the events name
    photo_problems: dict[str, str]  # photo hash -> what is wrong with its stored bytes
    media_types: dict[str, str]  # photo hash -> stored media type
    parsed: list[Event | None]  # each row's event (None: unreadable)
    failures: list[tuple[Row, VerificationError]]  # rows that failed a history check
    key_problem: str | None  # the key chain itself does not verify


_Checked = tuple[list[tuple[Row, VerificationError]], list[Event | None], str | None]


class HistoryMemo:
    """A per-process memo of history checks, keyed by the exact stored rows they read.

    The checks (:func:`_check_history`: parse, hashes, links, payload rules, signatures, key
    validity) are a pure function of the item's rows and the key chain's rows, so equal rows
    give equal results; a row changed in any byte is a different key and is checked afresh.
    The memo saves the signature checks of an item read again unchanged, never a check of
    anything new. Photos, the log proof and the chain are checked on every read regardless.
    Bounded (least recently used first out) and thread-safe.
    """

    def __init__(self, entries: int = 512) -> None:
        self.entries = entries
        self._memo: OrderedDict[tuple[tuple[Row, ...], tuple[Row, ...]], _Checked] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, rows: list[Row], keys: list[Row]) -> _Checked:
        """The checks of ``rows`` against the key chain ``keys``, from the memo if seen."""
        key = (tuple(rows), tuple(keys))
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
                return found
        checked = _check_history(rows, keys)
        with self._lock:
            self._memo[key] = checked
            while len(self._memo) > self.entries:
                self._memo.popitem(last=False)
        return checked


def read_record(engine: Engine, item_id: str, *, memo: HistoryMemo | None = None) -> Record:
    """Read and check ``item_id``'s record; :class:`NotFoundError` if there is none.
    ``memo`` spares re-checking signatures of rows seen before (see :class:`HistoryMemo`).
    """
    with engine.connect() as conn:
        rows = [
            _row(r)
            for r in conn.execute(
                select(*_COLS).where(events.c.item == item_id).order_by(events.c.seq)
            )
        ]
        if not rows:
            raise NotFoundError(f"no item {item_id} in this ledger")
        keys = [
            _row(r)
            for r in conn.execute(
                select(*_COLS)
                .where(events.c.item == KEY_CHAIN, events.c.log_index < rows[-1].log_index)
                .order_by(events.c.seq)
            )
        ]
        size = int(conn.execute(select(log_head.c.size)).scalar_one())
        identity = conn.execute(
            select(store.c.name, store.c.origin, store.c.log_public_key)
        ).first()
        anchored = anchored_checkpoint(conn)
        covered = [r for r in rows if anchored is not None and r.log_index < anchored.size]
        proof = None
        if anchored is not None and covered:
            proof = inclusion_proof(
                conn, index=covered[-1].log_index, size=anchored.size, tree_size=size
            ).path
        checked = memo.check(rows, keys) if memo is not None else _check_history(rows, keys)
        failures, parsed, key_problem = checked
        photos = PhotoChecker()
        for row, event in zip(rows, parsed, strict=True):
            if event is not None:
                photos.add(event, row.log_index)
        problems = {_digest(f.message): f.message for f in photos.finish(conn)}
        named = sorted({d for e in parsed if e is not None for d in photo_names(e.data)})
        media = dict(
            conn.execute(
                select(blobs.c.sha256, blobs.c.media_type).where(blobs.c.sha256.in_(named))
            ).all()
        )
        chain_problem = _chain_problem(conn, size)
    return Record(
        rows,
        keys,
        size,
        identity,
        anchored,
        proof,
        chain_problem,
        named,
        problems,
        media,
        parsed,
        failures,
        key_problem,
    )


def _check_history(rows: list[Row], keys: list[Row]) -> _Checked:
    """The audit's own checks of each row (as ``check_rows`` runs them), keeping the
    parsed events so nothing is parsed twice: failures, events (``None``: unreadable), and a
    problem with the key chain itself."""
    try:
        ring = build_keyring([(r.log_index, SignedEvent.parse(r.body, r.signature)) for r in keys])
    except VerificationError as exc:
        problem = "the store's own record of its staff keys does not check out"
        return [(rows[0], exc)], [_parse_row(r) for r in rows], problem
    checker = ChainChecker(ring)
    failures: list[tuple[Row, VerificationError]] = []
    parsed: list[Event | None] = []
    for row in rows:
        try:
            parsed.append(checker.check(row).event)
        except VerificationError as exc:
            failures.append((row, exc))
            parsed.append(_parse_row(row))
    return failures, parsed, None


def _row(r: Any) -> Row:
    return Row(
        int(r.log_index),
        r.item,
        int(r.seq),
        r.type,
        r.signer,
        r.hash,
        r.body,
        bytes(r.signature),
        r.at,
    )


def _digest(message: str) -> str:
    found = _DIGEST.search(message)
    return found.group() if found else message


def _parse_row(row: Row) -> Event | None:
    try:
        return SignedEvent.parse(row.body, row.signature).event
    except VerificationError:
        return None


def _chain_problem(conn: Connection, size: int) -> str | None:
    try:
        refuse_if_diverged(conn, size)
    except LogDivergedError as exc:
        return str(exc).removesuffix(f"; {RESTORE_HINT}")
    return anchored_conflict(conn)


def prove_newest(got: Record, anchored: AnchoredCheckpoint, newest: Row) -> None:
    """Raise unless the checkpoint verifies under the log key and ``newest`` is in it."""
    # 1. The log key and origin the store holds.
    identity = got.identity
    if identity is None or not identity.log_public_key or got.proof is None:
        raise VerificationError("the store has no log key")
    # 2. The anchored checkpoint's signature, under that key, for that origin.
    cp = verify_checkpoint(
        anchored.note,
        name=identity.origin,
        public_key=bytes.fromhex(identity.log_public_key),
        origin=identity.origin,
    )
    # 3. The newest covered event's leaf, proven into the checkpoint's root.
    merkle.verify_inclusion(
        index=newest.log_index,
        size=cp.size,
        leaf_hash=event_leaf_hash(newest.hash, newest.signature),
        proof=got.proof,
        root=cp.root,
    )
