"""An item's summary and verification status, as ``GET /v1/items/{item}`` serves it, and the
memoised proof bundle of ``GET /v1/items/{item}/bundle``.

The verification re-runs, on the stored rows, the checks the audit runs
(:class:`provenance.ledger.chain_audit.ChainChecker`: canonical text, hashes, chain links, payloads,
signatures, key validity and role at that log position), then checks whether the public log
covers the item: the newest checkpoint anchored on chain (lasting chains first) must be signed
by the log key, and the item's newest event inside it must have an inclusion proof into its
root. One proof suffices because every event links to the one before it by hash.

**The memo (per process).** Verifying fifty signatures costs milliseconds; answering the same
question again for the same bytes need not. :class:`StatusMemo` keeps recent answers (the
serialised JSON) together with everything they were computed from: every stored column of
the item's rows and of the key-chain rows before them (text, hash, signature), the anchored
checkpoint and anchor row, the newest checkpoint, and the log identity. Those are read on
every request (two queries) and compared with what the answer was computed from, so a
changed or tampered event, key event, checkpoint or anchor is verified afresh. Not re-read
on a hit: the Merkle nodes of the inclusion proofs (``log_nodes`` is append-only under
triggers, and ``provenance audit`` recomputes every node). With the memo off
(``PROVENANCE_API_STATUS_CACHE=0``) every request verifies from scratch, nodes included.
Bundles share the memo and its bounds.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine, select

from provenance.chain.anchored import AnchoredCheckpoint, anchored_checkpoint, anchored_conflict
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
from provenance.ledger.chain_audit import ChainChecker, Row, build_keyring
from provenance.ledger.discogs import release_link
from provenance.ledger.events import KEY_CHAIN, Event, SignedEvent
from provenance.ledger.itemid import parse_item_id
from provenance.ledger.state import summarise
from provenance.log import merkle
from provenance.log.checkpoint import verify_checkpoint
from provenance.log.tree import event_leaf_hash, inclusion_proof
from provenance.proof.bundle import build_bundle
from provenance.proof.verdict import Evidence, decide, flag_reported_at
from provenance.proof.verifier import Bundle
from provenance.storage.engine import driver_query, reading
from provenance.storage.tables import log_head

from .models import ItemOut

__all__ = ["StatusMemo", "item_bundle_json", "item_status", "item_status_json"]

_EVENT_CHECKS = ("hashes", "chain", "signatures", "keys")
#: Entries larger than this share of the memo's byte budget are not kept.
_LARGEST_SHARE = 8

# Run with driver_query: these reads serve every request. The item's rows and the key-chain
# rows logged before its newest event come back in one query.
_ROWS_SQL = (
    "SELECT log_index, item, seq, type, signer, hash, body, signature FROM events "
    "WHERE item = {m} UNION ALL "
    "SELECT log_index, item, seq, type, signer, hash, body, signature FROM events "
    "WHERE item = {m} AND log_index < (SELECT max(log_index) FROM events WHERE item = {m})"
)
# The first chain alarm (provenance.log.guard): the store's log disagrees with a contract.
_ALARM_SQL = "SELECT kind, chain_id, address, tree_size FROM chain_alarms ORDER BY id LIMIT 1"
# The log identity and the newest checkpoint (bundles fall back to it when none is anchored).
_IDENTITY_SQL = (
    "SELECT origin, log_public_key, (SELECT max(size) FROM checkpoints) AS newest FROM store"
)


class StatusMemo:
    """A bounded, thread-safe LRU of serialised answers (see the module docstring), bounded
    both in entries and in bytes.

    An entry is kept with the exact stored values it was computed from, and served only to a
    request that read the very same values: a comparison of the rows, not of a digest of
    them, which is both exact and cheaper than hashing them.
    """

    def __init__(self, size: int, *, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._bytes = 0
        self._data: OrderedDict[tuple[str, str], tuple[object, bytes, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], source: object) -> bytes | None:
        """The answer stored under ``key`` if it was computed from values equal to
        ``source``."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None or entry[0] != source:
                return None
            self._data.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, str], source: object, value: bytes, *, weight: int) -> None:
        """Remember ``value``, computed from ``source`` (about ``weight`` bytes), dropping
        the least recently used entries beyond the bounds."""
        cost = len(value) + weight
        if self.size <= 0 or cost > self.max_bytes // _LARGEST_SHARE:
            return
        with self._lock:
            old = self._data.pop(key, None)
            self._bytes += cost - (old[2] if old is not None else 0)
            self._data[key] = (source, value, cost)
            while len(self._data) > self.size or self._bytes > self.max_bytes:
                _key, (_source, _value, dropped) = self._data.popitem(last=False)
                self._bytes -= dropped


@dataclass(frozen=True)
class _Snapshot:
    """Every stored value the item's status and bundle depend on, read in one connection (as
    the driver returned them: they become :class:`Row` only when the memo misses)."""

    item: str
    #: The item's rows, then the key-chain rows, each in chain order.
    raw: list[tuple[Any, ...]]
    #: The row of ``_IDENTITY_SQL`` as read (empty if the store has no identity yet).
    identity: tuple[Any, ...]
    #: The checkpoint the item is proved against (:mod:`provenance.chain.anchored`).
    anchored: AnchoredCheckpoint | None
    #: Why the store's log disagrees with what it anchored (an alarm, a conflicting
    #: checkpoint), or ``None``: a failed verdict for every item while it lasts.
    chain_problem: str | None = None

    @cached_property
    def rows(self) -> list[Row]:
        return [_row(r) for r in self.raw if r[1] != KEY_CHAIN]

    @cached_property
    def key_rows(self) -> list[Row]:
        return [_row(r) for r in self.raw if r[1] == KEY_CHAIN]

    @property
    def origin(self) -> str | None:
        return self.identity[0] if self.identity else None

    @property
    def log_public_key(self) -> str | None:
        return self.identity[1] if self.identity else None

    @property
    def source(self) -> tuple[object, ...]:
        """Everything read, for the memo to compare."""
        return (self.raw, self.identity, self.anchored, self.chain_problem)

    @property
    def weight(self) -> int:
        """Roughly how many bytes the rows take in memory."""
        return sum(len(r[6]) + 400 for r in self.raw)


def item_status(engine: Engine, item: str) -> dict[str, Any]:
    """The JSON-ready summary and verification of ``item``, verified afresh
    (:class:`NotFoundError` if the ledger has no such item,
    :class:`~provenance.errors.InputError` for a malformed id)."""
    return _compute(engine, _read(engine, item))


def item_status_json(conn: Connection, item: str, *, memo: StatusMemo) -> bytes:
    """:func:`item_status` as the API serves it (``ItemOut`` JSON), read on ``conn``, from
    ``memo`` when every value it depends on is unchanged."""
    snap = _read(conn, item)
    return _memoised(
        memo,
        "status",
        snap,
        lambda: ItemOut.model_validate(_compute(conn.engine, snap)).model_dump_json().encode(),
    )


def item_bundle_json(
    conn: Connection, item: str, *, memo: StatusMemo, gzipped: bool = False
) -> bytes:
    """The item's proof bundle as the API serves it, read on ``conn``, from ``memo`` when
    every value it is built from is unchanged (a memoised bundle keeps the ``created_at`` of
    when it was made). With ``gzipped``, the same bytes gzip-compressed, also memoised:
    bundles are mostly hex and shrink to about half."""
    snap = _read(conn, item)

    def plain() -> bytes:
        return _memoised(memo, "bundle", snap, lambda: _bundle_json(conn, snap))

    if not gzipped:
        return plain()
    return _memoised(
        memo, "bundle.gz", snap, lambda: gzip.compress(plain(), compresslevel=6, mtime=0)
    )


def _bundle_json(conn: Connection, snap: _Snapshot) -> bytes:
    bundle = build_bundle(conn.engine, snap.item)
    return Bundle.model_validate(bundle).model_dump_json().encode()


def _memoised(memo: StatusMemo, what: str, snap: _Snapshot, make: Callable[[], bytes]) -> bytes:
    """The answer ``what`` for ``snap`` from ``memo``, else ``make()`` it and remember it."""
    body = memo.get((what, snap.item), snap.source)
    if body is None:
        body = make()
        memo.put((what, snap.item), snap.source, body, weight=snap.weight)
    return body


def _read(bind: Engine | Connection, item: str) -> _Snapshot:
    item_id = parse_item_id(item)
    with reading(bind) as conn:
        fetched = driver_query(conn, _ROWS_SQL, (item_id, KEY_CHAIN, item_id))
        identity = driver_query(conn, _IDENTITY_SQL)
        anchored = anchored_checkpoint(conn)
        alarm = driver_query(conn, _ALARM_SQL)
        problem = (
            f"contract {alarm[0][2]} on chain {alarm[0][1]}: {alarm[0][0]} at tree size "
            f"{alarm[0][3]}"
            if alarm
            else anchored_conflict(conn)
        )
    if not any(r[1] != KEY_CHAIN for r in fetched):
        raise NotFoundError(f"no item {item_id} in this ledger")
    # Item rows first, then key rows, each by seq (the index usually returns them so already).
    fetched.sort(key=lambda r: (r[1] == KEY_CHAIN, r[2]))
    return _Snapshot(item_id, fetched, tuple(identity[0]) if identity else (), anchored, problem)


def _row(r: Any) -> Row:
    return Row(int(r[0]), r[1], int(r[2]), r[3], r[4], r[5], r[6], bytes(r[7]))


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
            "events_covered": 0,
        }
    size = a.size
    covered = [r for r in snap.rows if r.log_index < size]
    anchor = {
        "chain_id": a.chain_id,
        "contract": a.address,
        "tx_hash": a.tx_hash,
        "block_number": a.block_number,
        "tree_size": size,
        "state": a.state,
        "ephemeral": a.ephemeral,
    }
    checks = []
    included = False
    try:
        if snap.origin is None or snap.log_public_key is None:
            raise VerificationError("the ledger has no log key to check the checkpoint with")
        cp = verify_checkpoint(
            a.note,
            name=snap.origin,
            public_key=bytes.fromhex(snap.log_public_key),
            origin=snap.origin,
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
        "events_covered": len(covered) if included else 0,
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
    failed = [c for c in checks if c["status"] == "failed"]
    anchor = coverage["anchor"]
    verdict = decide(
        Evidence(
            events=len(snap.rows),
            history_problem=failed[0]["detail"] if failed else None,
            status=summary.status,
            status_since=flag_reported_at(parsed, summary.status),
            anchored=coverage["events_covered"],
            anchor_chain_id=anchor["chain_id"] if anchor else None,
            anchor_ephemeral=bool(anchor and anchor["ephemeral"]),
            chain_problem=snap.chain_problem,
        )
    )
    return {
        "verdict": verdict.word,
        "verdict_detail": verdict.to_json(),
        "item": summary.item,
        "kind": summary.kind,
        "title": summary.title,
        "creator": summary.creator,
        "details": summary.details,
        "discogs_url": release_link(summary.details),
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
            **{k: v for k, v in coverage.items() if k != "events_covered"},
        },
    }
