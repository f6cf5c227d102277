"""RFC 9162 Merkle trees: hashing, proofs, and their verification, on plain values.

Hashing (RFC 9162 §2.1.1): leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right).

Every subtree RFC 9162's recursion visits is a range of leaves ``[a, b)``. A *perfect* range
(``b - a`` a power of two ``2**level`` with ``a`` a multiple of it) is the stored node
``(level, a >> level)``; any other range is on the tree's right edge and hashes from its own
split into perfect ranges. So a root, an inclusion proof or a consistency proof for any size
needs O(log n) stored perfect nodes: :func:`inclusion_ranges` / :func:`consistency_ranges` list
the ranges, :func:`perfect_nodes` the node coordinates, and :func:`range_hash` assembles a hash
from a mapping of them. :class:`CompactRange` appends leaves keeping only the right frontier and
reports each perfect node it completes, which is what storage persists.

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 (as transparency-dev/merkle does):
``root_from_*`` computes, ``verify_*`` compares; preconditions are checked first with got/want
messages, and failures raise :class:`~provenance.errors.VerificationError` subclasses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..errors import ProofError, RootMismatchError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "CompactRange",
    "Node",
    "consistency_path",
    "consistency_ranges",
    "frontier_nodes",
    "inclusion_path",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_nodes",
    "range_hash",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaves",
    "verify_consistency",
    "verify_inclusion",
]

LEAF_PREFIX = b"\x00"  # RFC 9162 §2.1.1
NODE_PREFIX = b"\x01"  # RFC 9162 §2.1.1
HASH_SIZE = 32  # SHA-256
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = SHA-256()

#: A stored perfect subtree: ``(level, index)`` covers leaves [index·2^level, (index+1)·2^level).
Node = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf tree: SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1), RFC 9162 §2.1.1's k."""
    return 1 << ((n - 1).bit_length() - 1)


# -- ranges and nodes -------------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf
    side first."""
    _check_index(index, size)
    out: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m = lo + k, m - k
    out.reverse()
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1)."""
    _check_sizes(old_size, new_size)
    if old_size == new_size:
        return []
    out: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        out.append((lo, hi))  # SUBPROOF(m, D[m], false) = [MTH(D[m])]
    out.reverse()
    return out


def perfect_nodes(lo: int, hi: int) -> list[Node]:
    """The stored nodes that :func:`range_hash` reads for the range ``[lo, hi)``."""
    nodes: list[Node] = []
    while hi > lo:
        width = hi - lo
        if width & (width - 1) == 0 and lo % width == 0:
            level = width.bit_length() - 1
            nodes.append((level, lo >> level))
            break
        k = _split(width)
        level = k.bit_length() - 1
        nodes.append((level, lo >> level))
        lo += k
    return nodes


def frontier_nodes(size: int) -> list[Node]:
    """The perfect subtrees that make up a tree of ``size`` leaves, left to right."""
    return perfect_nodes(0, size) if size else []


def range_hash(lo: int, hi: int, nodes: Mapping[Node, bytes]) -> bytes:
    """MTH of leaves ``[lo, hi)`` from stored perfect nodes (see :func:`perfect_nodes`)."""
    parts = [nodes[node] for node in perfect_nodes(lo, hi)]
    if not parts:
        return EMPTY_ROOT
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = node_hash(part, acc)
    return acc


# -- reference computations over a list of leaf hashes ----------------------------------


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (RFC 9162 §2.1.1); O(n), for tests and audits."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])  # the odd node is promoted (left-balanced tree)
        level = nxt
    return level[0]


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) computed from all leaf hashes."""
    return [root_from_leaves(leaves[a:b]) for a, b in inclusion_ranges(index, len(leaves))]


def consistency_path(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) computed from all leaf hashes."""
    return [root_from_leaves(leaves[a:b]) for a, b in consistency_ranges(old_size, len(leaves))]


# -- streaming appends ------------------------------------------------------------------


class CompactRange:
    """The right frontier of a growing tree: O(log n) hashes, enough to append and to root."""

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        want = len(frontier_nodes(size))
        if len(frontier) != want:
            raise ProofError(f"frontier for size {size} has {len(frontier)} hashes, want {want}")
        self.size = size
        levels = [level for level, _ in frontier_nodes(size)]
        self._stack: list[tuple[int, bytes]] = list(zip(levels, frontier, strict=True))

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the nodes ``(level, index, hash)`` it completes, the leaf
        itself (level 0) first."""
        index = self.size
        self.size += 1
        done = [(0, index, leaf)]
        self._stack.append((0, leaf))
        while len(self._stack) > 1 and self._stack[-1][0] == self._stack[-2][0]:
            level, right = self._stack.pop()
            _, left = self._stack.pop()
            merged = node_hash(left, right)
            self._stack.append((level + 1, merged))
            done.append((level + 1, (self.size >> (level + 1)) - 1, merged))
        return done

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Append many leaves; return every completed node."""
        out: list[tuple[int, int, bytes]] = []
        for leaf in leaves:
            out.extend(self.append(leaf))
        return out

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1][1]
        for _, part in reversed(self._stack[:-1]):
            acc = node_hash(part, acc)
        return acc


# -- verification -----------------------------------------------------------------------


def root_from_inclusion_proof(
    *, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2)."""
    _check_index(index, size, error=ProofError)
    _check_hash("leaf hash", leaf_hash)
    want = len(inclusion_ranges(index, size))
    if len(proof) != want:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, want {want}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        _check_hash("proof hash", p)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # unreachable with the length check above; kept as the RFC's own test
        raise ProofError("inclusion proof does not end at the root")
    return r


def verify_inclusion(
    *, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise unless ``proof`` shows ``leaf_hash`` at ``index`` in the tree of ``root``."""
    _check_hash("root", root)
    calculated = root_from_inclusion_proof(index=index, size=size, leaf_hash=leaf_hash, proof=proof)
    if calculated != root:
        raise RootMismatchError("inclusion proof", expected=root.hex(), calculated=calculated.hex())


def root_from_consistency_proof(
    *, old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> bytes:
    """The new root that ``proof`` implies, after checking it reproduces ``old_root``
    (RFC 9162 §2.1.4.2)."""
    _check_sizes(old_size, new_size, error=ProofError)
    _check_hash("old root", old_root)
    want = len(consistency_ranges(old_size, new_size))
    if len(proof) != want:
        raise ProofError(f"consistency proof has {len(proof)} hashes, want {want}")
    for p in proof:
        _check_hash("proof hash", p)
    if old_size == new_size:
        return old_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # old tree is perfect: its root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof does not reach the new root")
    if fr != old_root:
        raise RootMismatchError(
            "consistency proof (old root)", expected=old_root.hex(), calculated=fr.hex()
        )
    return sr


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise unless ``proof`` shows the tree of ``new_root`` extends that of ``old_root``."""
    _check_hash("new root", new_root)
    calculated = root_from_consistency_proof(
        old_size=old_size, new_size=new_size, old_root=old_root, proof=proof
    )
    if calculated != new_root:
        raise RootMismatchError(
            "consistency proof (new root)", expected=new_root.hex(), calculated=calculated.hex()
        )


def _check_index(index: int, size: int, *, error: Callable[[str], Exception] = ProofError) -> None:
    if size <= 0:
        raise error(f"tree size is {size}, want at least 1")
    if not 0 <= index < size:
        raise error(f"leaf index is {index}, want 0 <= index < {size}")


def _check_sizes(old: int, new: int, *, error: Callable[[str], Exception] = ProofError) -> None:
    if old <= 0:
        raise error(f"old size is {old}, want at least 1")
    if old > new:
        raise error(f"old size {old} is larger than new size {new}")


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, want {HASH_SIZE}")
