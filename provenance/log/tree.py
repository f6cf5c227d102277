"""The transparency log: every signed event is a leaf of one RFC 9162 Merkle tree.

Leaf data is the event hash and its signature (``leaf = SHA-256(0x00 ‖ event hash ‖
signature)``), so the leaf commits to the event and to who signed it. The leaf index is the
event's ``log_index``. Storage keeps the hash of every *perfect* subtree (``log_nodes``), written
in the same transaction as the events, so that:

* appending costs O(log n): read the right frontier, write the nodes the new leaves complete;
* the root for any size, an inclusion proof, or a consistency proof reads O(log n) stored
  nodes in one query (see :mod:`provenance.log.merkle` for which), never a rebuild or a scan.

Writers already hold the log-head lock when they append (see :mod:`provenance.ledger.ledger`), so
leaf indices are gapless and the tree never forks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert

from ..errors import ConfigurationError, InputError, NoSuchError
from ..storage.tables import log_nodes
from . import merkle
from .merkle import CompactRange, Node

__all__ = [
    "LogAppender",
    "Proof",
    "consistency_proof",
    "event_leaf_hash",
    "fetch_nodes",
    "inclusion_proof",
    "inclusion_proofs",
    "leaf_hash_at",
    "root_at",
]

_FETCH_CHUNK = 500  # bound the IN list of one query


def event_leaf_hash(event_hash: str, signature: bytes) -> bytes:
    """The Merkle leaf hash of a signed event."""
    return merkle.leaf_hash(bytes.fromhex(event_hash) + signature)


@dataclass(frozen=True)
class Proof:
    """An inclusion proof with everything needed to check it by hand."""

    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (hex hashes)."""
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [h.hex() for h in self.path],
            "root": self.root.hex(),
        }


def fetch_nodes(conn: Connection, coords: Iterable[Node]) -> dict[Node, bytes]:
    """Read stored nodes; raise :class:`ConfigurationError` if one is missing (a damaged tree).

    One query per :data:`_FETCH_CHUNK` nodes, its condition one ``level = ? AND idx IN (...)``
    term per level, OR-ed: SQLite and PostgreSQL both answer it with primary-key lookups. (A
    row-value ``(level, idx) IN (...)`` makes SQLite scan the whole table.) The SQL is written
    directly: building the same condition as a SQLAlchemy expression costs more than the
    lookups themselves, and this query serves every proof.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    wanted = sorted(set(coords))
    found: dict[Node, bytes] = {}
    for start in range(0, len(wanted), _FETCH_CHUNK):
        by_level: dict[int, list[int]] = {}
        for level, idx in wanted[start : start + _FETCH_CHUNK]:
            by_level.setdefault(level, []).append(idx)
        terms, params = [], []
        for level, idxs in by_level.items():
            terms.append(f"(level = {mark} AND idx IN ({', '.join([mark] * len(idxs))}))")
            params += [level, *idxs]
        # Only placeholders are interpolated; every value is a bound parameter.
        sql = f"SELECT level, idx, hash FROM log_nodes WHERE {' OR '.join(terms)}"  # noqa: S608
        rows = conn.exec_driver_sql(sql, tuple(params))
        found.update({(level, idx): bytes(digest) for level, idx, digest in rows})
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ConfigurationError(
            f"log tree is missing node(s) {missing[:3]}; run 'provenance audit'"
        )
    return found


def root_at(conn: Connection, size: int) -> bytes:
    """The root of the tree of the first ``size`` leaves."""
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.range_hash(0, size, fetch_nodes(conn, merkle.frontier_nodes(size)))


def leaf_hash_at(conn: Connection, index: int) -> bytes:
    """The stored leaf hash at ``index``."""
    return fetch_nodes(conn, [(0, index)])[(0, index)]


def inclusion_proof(conn: Connection, *, index: int, size: int, tree_size: int) -> Proof:
    """Inclusion proof of leaf ``index`` in the tree of ``size`` leaves (``tree_size`` is the
    current log size, for the error message)."""
    return inclusion_proofs(conn, indices=[index], size=size, tree_size=tree_size)[0]


def inclusion_proofs(
    conn: Connection, *, indices: Sequence[int], size: int, tree_size: int
) -> list[Proof]:
    """Inclusion proofs of several leaves in the tree of ``size`` leaves, in the order given.

    Every node the proofs need is read in one :func:`fetch_nodes` call (proofs of one item's
    events share most of their nodes), so a bundle of fifty events costs one or two queries,
    not fifty.
    """
    if size < 1 or size > tree_size:
        raise InputError(f"tree size {size} is out of range: the log has {tree_size} leaves")
    for index in indices:
        if not 0 <= index < size:
            raise InputError(f"leaf index {index} is not in a tree of {size} leaves")
    ranges = {index: merkle.inclusion_ranges(index, size) for index in indices}
    coords = set(merkle.frontier_nodes(size))
    for index, paths in ranges.items():
        coords.add((0, index))
        coords.update(c for a, b in paths for c in merkle.perfect_nodes(a, b))
    nodes = fetch_nodes(conn, coords)
    root = merkle.range_hash(0, size, nodes)
    return [
        Proof(
            leaf_index=index,
            tree_size=size,
            leaf_hash=nodes[(0, index)],
            path=[merkle.range_hash(a, b, nodes) for a, b in ranges[index]],
            root=root,
        )
        for index in indices
    ]


def consistency_proof(
    conn: Connection, *, old_size: int, new_size: int, tree_size: int
) -> dict[str, Any]:
    """Consistency proof between two sizes, as JSON-ready data with both roots."""
    if old_size < 1:
        raise InputError(f"old size {old_size} must be at least 1")
    if old_size > new_size:
        raise NoSuchError(f"old size {old_size} is larger than new size {new_size}")
    if new_size > tree_size:
        raise NoSuchError(f"new size {new_size} is beyond the log's {tree_size} leaves")
    ranges = merkle.consistency_ranges(old_size, new_size)
    coords = {c for a, b in ranges for c in merkle.perfect_nodes(a, b)}
    coords |= set(merkle.frontier_nodes(old_size)) | set(merkle.frontier_nodes(new_size))
    nodes = fetch_nodes(conn, coords)
    return {
        "old_size": old_size,
        "new_size": new_size,
        "old_root": merkle.range_hash(0, old_size, nodes).hex(),
        "new_root": merkle.range_hash(0, new_size, nodes).hex(),
        "path": [merkle.range_hash(a, b, nodes).hex() for a, b in ranges],
    }


class LogAppender:
    """Appends leaves to the stored tree from a given size, inside the caller's transaction."""

    def __init__(self, conn: Connection, size: int) -> None:
        self._conn = conn
        frontier = merkle.frontier_nodes(size)
        nodes = fetch_nodes(conn, frontier) if frontier else {}
        self._range = CompactRange(size, [nodes[c] for c in frontier])

    @property
    def size(self) -> int:
        """Leaves in the tree after the appends so far."""
        return self._range.size

    def append(self, leaves: Sequence[bytes]) -> None:
        """Append leaf hashes and store every perfect subtree they complete."""
        done = self._range.extend(leaves)
        if done:
            self._conn.execute(
                insert(log_nodes), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in done]
            )

    def root(self) -> bytes:
        """The current root."""
        return self._range.root()
