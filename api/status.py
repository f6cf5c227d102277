"""An item's summary and verification status, as ``GET /v1/items/{item}`` serves it.

The verification re-runs, on the stored rows, the checks the audit runs
(:class:`provenance.audit.ChainChecker`: canonical text, hashes, chain links, payloads,
signatures, key validity and role at that log position), then checks whether the public log
covers the item: the newest checkpoint anchored on chain (lasting chains first) must be signed
by the log key, and the item's newest event inside it must have an inclusion proof into its
root. One proof suffices because every event links to the one before it by hash.

**The memo (per process).** Verifying fifty signatures costs milliseconds; answering the same
question again for the same bytes need not. :class:`StatusMemo` keeps recent results keyed by
a SHA-256 over what the result depends on: every stored column of the item's rows and of the
key-chain rows before them (text, hash, signature), the anchored checkpoint and anchor row,
and the log identity. Those are read on every request, so a changed or tampered event, key
event, checkpoint or anchor is a different key and is verified afresh. Not re-read on a hit:
the Merkle nodes of the one inclusion proof (``log_nodes`` is append-only under triggers, and
``provenance audit`` recomputes every node). With the memo off
(``PROVENANCE_API_STATUS_CACHE=0``) every request verifies from scratch, nodes included.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, func, select, true, union_all

from provenance import merkle
from provenance.audit import ChainChecker, Row, build_keyring
from provenance.checkpoint import verify_checkpoint
from provenance.errors import (
    AuthorizationError,
    ChainBreakError,
    EventFormatError,
    HashMismatchError,
    NotFoundError,
    SignatureError,
    UnknownKeyError,
    VerificationError,
)
from provenance.events import KEY_CHAIN, Event, SignedEvent
from provenance.itemid import parse_item_id
from provenance.log import event_leaf_hash, inclusion_proof
from provenance.state import summarise
from provenance.storage.tables import anchors, checkpoints, deployments, events, log_head, store

__all__ = ["StatusMemo", "item_status"]

_LIVE = ("anchored", "final")
_EVENT_CHECKS = ("hashes", "chain", "signatures", "keys")
_COLUMNS = (
    events.c.log_index,
    events.c.item,
    events.c.seq,
    events.c.type,
    events.c.signer,
    events.c.hash,
    events.c.body,
    events.c.signature,
)

# Built once: constructing a statement costs more than SQLite takes to run it. The item's rows
# and the key-chain rows logged before its newest event come back in one query.
_NEWEST = (
    select(func.max(events.c.log_index)).where(events.c.item == bindparam("item")).scalar_subquery()
)
_ROWS = union_all(
    select(*_COLUMNS).where(events.c.item == bindparam("item")),
    select(*_COLUMNS).where(events.c.item == KEY_CHAIN, events.c.log_index < _NEWEST),
)
# The newest checkpoint with a live anchor, lasting chains first (as bundles choose it).
_ANCHORED = (
    select(
        checkpoints.c.size,
        checkpoints.c.root,
        checkpoints.c.note,
        anchors.c.tx_hash,
        anchors.c.state,
        anchors.c.block_number,
        deployments.c.chain_id,
        deployments.c.address,
        deployments.c.ephemeral,
    )
    .select_from(
        checkpoints.join(
            anchors,
            and_(
                anchors.c.tree_size == checkpoints.c.size,
                anchors.c.root == checkpoints.c.root,
            ),
        ).join(deployments, deployments.c.id == anchors.c.deployment_id)
    )
    .where(anchors.c.state.in_(_LIVE), deployments.c.vanished_at.is_(None))
    .order_by(deployments.c.ephemeral, checkpoints.c.size.desc())
    .limit(1)
)
# The log identity and the anchored checkpoint (if any) in one row.
_ANCHORED_Q = _ANCHORED.subquery()
_META = select(store.c.origin, store.c.log_public_key, *_ANCHORED_Q.c).select_from(
    store.outerjoin(_ANCHORED_Q, true())
)


class StatusMemo:
    """A bounded, thread-safe LRU of verification results (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[bytes, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> dict[str, Any] | None:
        """The stored result for ``key``, if any."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: bytes, value: dict[str, Any]) -> None:
        """Remember ``value`` (dropping the least recently used beyond the bound)."""
        if self.size <= 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


@dataclass(frozen=True)
class _Snapshot:
    """Every stored value the item's status depends on, read in one connection (rows as the
    driver returned them: they become :class:`Row` only when the memo misses)."""

    item: str
    raw_rows: list[Any]
    raw_key_rows: list[Any]
    anchored: Any
    origin: str | None
    log_public_key: str | None

    def fingerprint(self) -> bytes:
        digest = hashlib.sha256(b"provenance/api/item-status/v1\0")
        for r in (*self.raw_rows, *self.raw_key_rows):
            # Every column. Canonical JSON escapes control characters, so \x1f never occurs
            # inside a field; the signature's length is included before its bytes.
            log_index, item, seq, type_, signer, hash_, body, signature = r
            signature = bytes(signature)
            fields = (str(log_index), item, str(seq), type_, signer, hash_, str(len(signature)))
            digest.update(("\x1f".join(fields) + "\x1f" + body + "\x1e").encode())
            digest.update(signature)
        digest.update(repr((tuple(self.anchored or ()), self.origin, self.log_public_key)).encode())
        return digest.digest()

    @cached_property
    def rows(self) -> list[Row]:
        return [_row(r) for r in self.raw_rows]

    @cached_property
    def key_rows(self) -> list[Row]:
        return [_row(r) for r in self.raw_key_rows]


def item_status(engine: Engine, item: str, *, memo: StatusMemo) -> dict[str, Any]:
    """The JSON-ready summary and verification of ``item`` (:class:`NotFoundError` if the
    ledger has no such item, :class:`~provenance.errors.InputError` for a malformed id)."""
    item_id = parse_item_id(item)
    with engine.connect() as conn:
        snap = _snapshot(conn, item_id)
    key = snap.fingerprint()
    cached = memo.get(key)
    if cached is not None:
        return cached
    result = _compute(engine, snap)
    memo.put(key, result)
    return result


def _snapshot(conn: Connection, item: str) -> _Snapshot:
    rows: list[Any] = []
    key_rows: list[Any] = []
    for r in conn.execute(_ROWS, {"item": item}):
        (key_rows if r.item == KEY_CHAIN else rows).append(r)
    if not rows:
        raise NotFoundError(f"no item {item} in this ledger")
    rows.sort(key=lambda r: r.seq)
    key_rows.sort(key=lambda r: r.seq)
    meta = conn.execute(_META).first()
    return _Snapshot(
        item=item,
        raw_rows=rows,
        raw_key_rows=key_rows,
        anchored=None if meta is None or meta.size is None else meta,
        origin=meta.origin if meta else None,
        log_public_key=meta.log_public_key if meta else None,
    )


def _row(r: Any) -> Row:
    return Row(
        int(r.log_index), r.item, int(r.seq), r.type, r.signer, r.hash, r.body, bytes(r.signature)
    )


def _category(exc: VerificationError) -> str:
    if isinstance(exc, SignatureError):
        return "signatures"
    if isinstance(exc, HashMismatchError | EventFormatError):
        return "hashes"
    if isinstance(exc, ChainBreakError):
        return "chain"
    if isinstance(exc, UnknownKeyError | AuthorizationError):
        return "keys"
    return "keys"


def _check(name: str, status: str, detail: str) -> dict[str, Any]:
    return {"name": name, "status": status, "detail": detail}


def _event_checks(snap: _Snapshot) -> tuple[list[dict[str, Any]], list[Event]]:
    """The audit's checks over the item's rows; also the events that could be read."""
    parsed: list[Event] = []
    try:
        ring = build_keyring(
            (r.log_index, SignedEvent.parse(r.body, r.signature)) for r in snap.key_rows
        )
    except VerificationError as exc:
        for r in snap.rows:
            try:
                parsed.append(SignedEvent.parse(r.body, r.signature).event)
            except VerificationError:
                continue
        checks = [_check("keys", "failed", f"the key history does not verify: {exc}")]
        checks += [
            _check(n, "not_checked", "needs a verified key history") for n in _EVENT_CHECKS[:3]
        ]
        return checks, parsed
    checker = ChainChecker(ring)
    failures: dict[str, list[str]] = {}
    for r in snap.rows:
        try:
            parsed.append(checker.check(r).event)
        except VerificationError as exc:
            failures.setdefault(_category(exc), []).append(f"event {r.seq}: {exc}")
            with contextlib.suppress(VerificationError):
                parsed.append(SignedEvent.parse(r.body, r.signature).event)
    checks = []
    for name in _EVENT_CHECKS:
        found = failures.get(name)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            checks.append(_check(name, "failed", found[0] + more))
        else:
            checks.append(_check(name, "passed", f"{len(snap.rows)} events"))
    return checks, parsed


def _log_checks(engine: Engine, snap: _Snapshot) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Checkpoint signature, inclusion of the newest covered event, and the anchor record."""
    a = snap.anchored
    if a is None:
        pending = "no checkpoint covering the log is anchored on a chain yet"
        checks = [
            _check("checkpoint", "not_checked", pending),
            _check("inclusion", "not_checked", pending),
            _check("anchor", "not_checked", "not anchored yet"),
        ]
        return checks, {
            "newest_event_anchored": False,
            "events_anchored": 0,
            "events_pending": len(snap.rows),
            "anchor": None,
        }
    size = int(a.size)
    covered = [r for r in snap.rows if r.log_index < size]
    anchor = {
        "chain_id": int(a.chain_id),
        "contract": a.address,
        "tx_hash": a.tx_hash,
        "block_number": None if a.block_number is None else int(a.block_number),
        "tree_size": size,
        "state": a.state,
        "ephemeral": bool(a.ephemeral),
    }
    checks = []
    included = False
    try:
        if snap.origin is None or snap.log_public_key is None:
            raise VerificationError("the ledger has no log key to check the checkpoint with")
        cp = verify_checkpoint(
            a.note, name=snap.origin, public_key=bytes.fromhex(snap.log_public_key)
        )
        if (cp.size, cp.root.hex()) != (size, a.root):
            raise VerificationError("the stored checkpoint fields differ from its signed note")
    except VerificationError as exc:
        checks.append(_check("checkpoint", "failed", str(exc)))
        checks.append(_check("inclusion", "not_checked", "no verified checkpoint"))
    else:
        checks.append(_check("checkpoint", "passed", f"size {size}, signed by the log key"))
        if not covered:
            checks.append(
                _check("inclusion", "not_checked", "no event of this item is anchored yet")
            )
        else:
            newest = covered[-1]
            try:
                with engine.connect() as conn:
                    tree_size = int(conn.execute(select(log_head.c.size)).scalar_one())
                    proof = inclusion_proof(
                        conn, index=newest.log_index, size=size, tree_size=tree_size
                    )
                merkle.verify_inclusion(
                    index=newest.log_index,
                    size=size,
                    leaf_hash=event_leaf_hash(newest.hash, newest.signature),
                    proof=proof.path,
                    root=cp.root,
                )
            except (VerificationError, ValueError) as exc:
                checks.append(_check("inclusion", "failed", f"event {newest.seq}: {exc}"))
            else:
                included = True
                checks.append(
                    _check(
                        "inclusion",
                        "passed",
                        f"events up to seq {newest.seq} are in the signed tree of {size}",
                    )
                )
    where = f"chain {anchor['chain_id']}, contract {anchor['contract']}, tx {anchor['tx_hash']}"
    if anchor["ephemeral"]:
        checks.append(_check("anchor", "not_checked", f"only on an ephemeral chain ({where})"))
    else:
        checks.append(
            _check(
                "anchor",
                "passed",
                f"recorded as {anchor['state']} ({where}); check it on chain with the bundle",
            )
        )
    lasting = included and not anchor["ephemeral"]
    return checks, {
        "newest_event_anchored": lasting and covered[-1].log_index == snap.rows[-1].log_index,
        "events_anchored": len(covered) if lasting else 0,
        "events_pending": len(snap.rows) - (len(covered) if lasting else 0),
        "anchor": anchor,
    }


def _compute(engine: Engine, snap: _Snapshot) -> dict[str, Any]:
    event_checks, parsed = _event_checks(snap)
    if not parsed or parsed[0].seq != 0:
        raise VerificationError(f"item {snap.item}'s registration cannot be read")
    try:
        summary = summarise(parsed)
    except (ValueError, KeyError) as exc:
        raise VerificationError(f"item {snap.item}'s history cannot be summarised: {exc}") from exc
    log_checks, coverage = _log_checks(engine, snap)
    checks = event_checks + log_checks
    return {
        "item": summary.item,
        "kind": summary.kind,
        "title": summary.title,
        "creator": summary.creator,
        "details": summary.details,
        "grade": summary.grade,
        "grades": len(summary.grades),
        "status": summary.status,
        "flagged": summary.status is not None,
        "transfers": summary.owners,
        "owner_since": summary.owner_since,
        "events": len(snap.rows),
        "registered_at": summary.registered_at,
        "updated_at": parsed[-1].at,
        "verification": {
            "ok": all(c["status"] != "failed" for c in checks),
            "checks": checks,
            **coverage,
        },
    }
