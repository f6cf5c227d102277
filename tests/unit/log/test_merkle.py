"""RFC 9162 Merkle trees: known answers, pymerkle agreement, negative cases, properties."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from provenance.errors import ProofError, RootMismatchError, VerificationError
from provenance.log.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_path,
    consistency_ranges,
    frontier_nodes,
    inclusion_path,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    perfect_nodes,
    range_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

# Published RFC 6962 / Certificate Transparency test data (transparency-dev/merkle testdata).
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
CT_INCLUSION_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]


def _leaves(n: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big") + bytes([salt])) for i in range(n)]


# Straight transcriptions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, independent of the module.
def _mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:])).digest()


def _path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) <= 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return [*_path(m, d[:k]), _mth(d[k:])] if m < k else [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, d[:k], b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), _mth(d[:k])]


def test_hashing_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert root_from_leaves([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_published_ct_vectors(vector: Callable[[str], Any]) -> None:
    data = vector("merkle/rfc6962")
    leaves = [leaf_hash(bytes.fromhex(x)) for x in data["leaf_inputs"]]
    for n, root in CT_ROOTS.items():
        assert root_from_leaves(leaves[:n]).hex() == root == data["roots"][str(n)]
    assert [h.hex() for h in inclusion_path(0, leaves)] == CT_INCLUSION_0_OF_8
    for case in data["inclusion"]:
        proof = [bytes.fromhex(h) for h in case["path"]]
        n, i = case["size"], case["index"]
        assert inclusion_path(i, leaves[:n]) == proof
        verify_inclusion(
            index=i, size=n, leaf_hash=leaves[i], proof=proof, root=bytes.fromhex(CT_ROOTS[n])
        )
    for case in data["consistency"]:
        proof = [bytes.fromhex(h) for h in case["path"]]
        m, n = case["old_size"], case["new_size"]
        assert consistency_path(m, leaves[:n]) == proof
        verify_consistency(
            old_size=m,
            new_size=n,
            old_root=bytes.fromhex(CT_ROOTS[m]),
            new_root=bytes.fromhex(CT_ROOTS[n]),
            proof=proof,
        )


@pytest.mark.parametrize("n", range(1, 65))
def test_agrees_with_pymerkle_and_the_rfc(n: int) -> None:
    data = [f"entry-{i}".encode() for i in range(n)]
    leaves = [leaf_hash(d) for d in data]
    tree = InmemoryTree(algorithm="sha256")
    for d in data:
        tree.append_entry(d)
    root = root_from_leaves(leaves)
    assert tree.get_root(n) == root == _mth(leaves)
    for m in range(n):
        ours = inclusion_path(m, leaves)
        assert ours == _path(m, leaves)
        # pymerkle (1-based) lists the leaf itself first, then the RFC path.
        theirs = [bytes.fromhex(h) for h in tree.prove_inclusion(m + 1, n).serialize()["path"]]
        assert theirs[0] == leaves[m] and theirs[1:] == ours
    for m in range(1, n + 1):
        assert tree.get_root(m) == root_from_leaves(leaves[:m])
        assert consistency_path(m, leaves) == _subproof(m, leaves, True)
        verify_consistency(
            old_size=m,
            new_size=n,
            old_root=root_from_leaves(leaves[:m]),
            new_root=root,
            proof=consistency_path(m, leaves),
        )


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 64, 65, 130])
def test_stored_nodes_give_every_root_and_proof(n: int) -> None:
    leaves = _leaves(n)
    compact = CompactRange()
    nodes: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        for level, index, digest in compact.append(leaf):
            nodes[(level, index)] = digest
    assert len(nodes) == 2 * n - bin(n).count("1")  # every perfect subtree, once
    for size in range(1, n + 1):
        root = root_from_leaves(leaves[:size])
        assert range_hash(0, size, nodes) == root
        resumed = CompactRange(size, [nodes[c] for c in frontier_nodes(size)])
        assert resumed.root() == root
        for index in range(size):
            ranges = inclusion_ranges(index, size)
            assert [range_hash(a, b, nodes) for a, b in ranges] == inclusion_path(
                index, leaves[:size]
            )
            needed = {node for a, b in ranges for node in perfect_nodes(a, b)}
            assert len(needed) <= 2 * size.bit_length()  # O(log n) reads
        for old in range(1, size + 1):
            ranges = consistency_ranges(old, size)
            assert [range_hash(a, b, nodes) for a, b in ranges] == consistency_path(
                old, leaves[:size]
            )
    assert compact.root() == root_from_leaves(leaves)


def _flip(b: bytes, bit: int = 0) -> bytes:
    return bytes([b[0] ^ (1 << bit)]) + b[1:]


def test_inclusion_negative_cases() -> None:
    leaves = _leaves(11)
    root = root_from_leaves(leaves)
    proof = inclusion_path(6, leaves)
    ok = {"index": 6, "size": 11, "leaf_hash": leaves[6], "proof": proof, "root": root}
    verify_inclusion(**ok)  # type: ignore[arg-type]
    bad: list[tuple[dict[str, Any], type[VerificationError], str]] = [
        ({"leaf_hash": _flip(leaves[6])}, RootMismatchError, "expected"),
        ({"root": _flip(root)}, RootMismatchError, "expected"),
        ({"index": 5}, RootMismatchError, "expected"),
        ({"index": 7}, RootMismatchError, "expected"),
        ({"index": 11}, ProofError, "want 0 <= index < 11"),
        ({"index": -1}, ProofError, "want 0 <= index"),
        ({"size": 0}, ProofError, "want at least 1"),
        # A wrong size is caught when it changes the proof's shape; where it does not (12 here),
        # the checkpoint binds size to root, which is why proofs are checked against one.
        ({"size": 7}, ProofError, "has 4 hashes, want 2"),
        ({"size": 6}, ProofError, "want 0 <= index < 6"),
        ({"proof": proof[:-1]}, ProofError, r"has 3 hashes, want 4"),
        ({"proof": [*proof, root]}, ProofError, r"has 5 hashes, want 4"),
        ({"proof": [proof[0][:31], *proof[1:]]}, ProofError, "31 bytes"),
        ({"root": root + b"\x00"}, ProofError, "33 bytes"),
    ]
    for i in range(len(proof)):
        bad.append(
            (
                {"proof": [*proof[:i], _flip(proof[i], 3), *proof[i + 1 :]]},
                RootMismatchError,
                "inclusion proof: expected [0-9a-f]{64}, calculated",
            )
        )
    for change, error, match in bad:
        with pytest.raises(error, match=match):
            verify_inclusion(**{**ok, **change})  # type: ignore[arg-type]


def test_consistency_negative_cases() -> None:
    leaves = _leaves(13)
    old_root, new_root = root_from_leaves(leaves[:6]), root_from_leaves(leaves)
    proof = consistency_path(6, leaves)
    ok = {"old_size": 6, "new_size": 13, "old_root": old_root, "new_root": new_root, "proof": proof}
    verify_consistency(**ok)  # type: ignore[arg-type]
    bad: list[tuple[dict[str, Any], type[VerificationError], str]] = [
        ({"old_root": _flip(old_root)}, RootMismatchError, "old root"),
        ({"new_root": _flip(new_root)}, RootMismatchError, "new root"),
        ({"old_size": 7}, ProofError, "has 4 hashes, want 5"),
        ({"new_size": 8}, ProofError, "has 4 hashes, want 3"),
        ({"old_size": 14}, ProofError, "larger than new size"),
        ({"old_size": 0}, ProofError, "want at least 1"),
        ({"proof": proof[:-1]}, ProofError, "want"),
        ({"proof": [*proof, new_root]}, ProofError, "want"),
    ]
    for i in range(len(proof)):
        bad.append(
            (
                {"proof": [*proof[:i], _flip(proof[i], 5), *proof[i + 1 :]]},
                RootMismatchError,
                r"consistency proof \((old|new) root\): expected [0-9a-f]{64}, calculated",
            )
        )
    for change, error, match in bad:
        with pytest.raises(error, match=match):
            verify_consistency(**{**ok, **change})  # type: ignore[arg-type]
    with pytest.raises(ProofError, match="has 1 hashes, want 0"):
        verify_consistency(
            old_size=6, new_size=6, old_root=old_root, new_root=old_root, proof=[old_root]
        )
    verify_consistency(old_size=6, new_size=6, old_root=old_root, new_root=old_root, proof=[])


def test_compact_range_rejects_a_wrong_frontier() -> None:
    with pytest.raises(ProofError, match="frontier for size 3 has 1 hashes, want 2"):
        CompactRange(3, [b"\x00" * 32])


def _mutations(proof: list[bytes]) -> st.SearchStrategy[list[bytes]]:
    flips = st.tuples(st.integers(0, max(len(proof) - 1, 0)), st.integers(0, 255)).map(
        lambda t: [*proof[: t[0]], _flip(proof[t[0]], t[1] % 8), *proof[t[0] + 1 :]]
    )
    options = [st.just([*proof, b"\x11" * 32])]
    if proof:
        options += [flips, st.just(proof[:-1]), st.just(proof[1:])]
    return st.one_of(options)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 2000))
def test_inclusion_property(data: st.DataObject, n: int) -> None:
    leaves = _leaves(n, salt=n % 251)
    compact = CompactRange()
    nodes = {(lv, ix): h for leaf in leaves for lv, ix, h in compact.append(leaf)}
    index = data.draw(st.integers(0, n - 1))
    proof = [range_hash(a, b, nodes) for a, b in inclusion_ranges(index, n)]
    root = compact.root()
    verify_inclusion(index=index, size=n, leaf_hash=leaves[index], proof=proof, root=root)
    mutated = data.draw(_mutations(proof))
    with pytest.raises(VerificationError):
        verify_inclusion(index=index, size=n, leaf_hash=leaves[index], proof=mutated, root=root)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 2000))
def test_consistency_property(data: st.DataObject, n: int) -> None:
    leaves = _leaves(n, salt=n % 249)
    compact = CompactRange()
    nodes = {(lv, ix): h for leaf in leaves for lv, ix, h in compact.append(leaf)}
    m = data.draw(st.integers(1, n))
    proof = [range_hash(a, b, nodes) for a, b in consistency_ranges(m, n)]
    old_root, new_root = range_hash(0, m, nodes), compact.root()
    verify_consistency(old_size=m, new_size=n, old_root=old_root, new_root=new_root, proof=proof)
    mutated = data.draw(_mutations(proof))
    with pytest.raises(VerificationError):
        verify_consistency(
            old_size=m, new_size=n, old_root=old_root, new_root=new_root, proof=mutated
        )
