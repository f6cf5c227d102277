"""The transparency log at scale: 1,000,000 real events in SQLite, next to pymerkle's SqliteTree.

Measured in one run:

(a) our log: append rate of the tree alone (leaves hashed and their completed subtrees
    stored, in one transaction, rolled back afterwards); root for a random size; inclusion
    proof of a random leaf in the full tree; consistency proof from a random older size; all
    through the public API (``TransparencyLog``), each call opening its own connection, as a
    CLI command or API request does;
(b) a checkpoint (root, Ed25519 signature, stored) after each batch of 1,000 new events;
(c) pymerkle's ``SqliteTree`` (RFC 6962-compatible) holding the same leaf data: build rate,
    root, inclusion and consistency proofs. Each is timed on a freshly opened tree (cold: what
    a new process pays, as our log does on every call) and again on the same tree object
    (warm: pymerkle's in-process subroot cache, which our log does not have or need);
(d) a cross-check: pymerkle's root of the 1,000,000 leaves equals ours, and every proof timed
    in (a) verifies against it.

The 1,000,000-event ledger is built once (about two minutes) and cached under bench/.data/.

    .venv/bin/python bench/merkle_log.py [--n 1000000] [--samples 2000] [--cold 8]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _catalogue import vinyl_rows
from _dataset import ledger_dataset
from _results import Figure, write_results
from pymerkle import SqliteTree
from sqlalchemy import select

from provenance.ledger.ledger import Ledger
from provenance.log import merkle
from provenance.log.transparency import TransparencyLog
from provenance.log.tree import LogAppender, root_at
from provenance.storage import make_engine
from provenance.storage.tables import events

PROOF_TARGET_MS = 1.0
SPEEDUP_TARGET = 50.0
CHECKPOINT_TARGET_MS = 50.0
APPEND_LEAVES = 100_000
CHECKPOINT_ROUNDS = 5
CHECKPOINT_EVENTS = 1_000
SEED = 9162


def _ms(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1_000


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _progress(label: str, done: int, total: int) -> None:
    print(f"\r  {label}: {done:,}/{total:,}", end="", file=sys.stderr, flush=True)
    if done == total:
        print(file=sys.stderr)


def leaf_data(url: str) -> list[bytes]:
    """The leaf data (event hash ‖ signature) of every event, in log order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execution_options(yield_per=50_000).execute(
                select(events.c.hash, events.c.signature).order_by(events.c.log_index)
            )
            return [bytes.fromhex(h) + bytes(s) for h, s in rows]
    finally:
        engine.dispose()


def ours(url: str, n: int, samples: int, rng: random.Random) -> dict[str, Any]:
    engine = make_engine(url)
    log = TransparencyLog(engine)
    out: dict[str, Any] = {}
    try:
        # Append rate of the tree alone, rolled back so the ledger is left as it was.
        leaves = [merkle.leaf_hash(b"bench %d" % i) for i in range(APPEND_LEAVES)]
        with engine.connect() as conn:
            trans = conn.begin()
            start = time.perf_counter()
            appender = LogAppender(conn, n)
            for at in range(0, APPEND_LEAVES, 1_000):  # as register_many's batches would
                appender.append(leaves[at : at + 1_000])
            out["append_per_s"] = APPEND_LEAVES / (time.perf_counter() - start)
            trans.rollback()

        def root(size: int) -> bytes:
            with engine.connect() as conn:
                return root_at(conn, size)

        sizes = [rng.randint(1, n) for _ in range(samples)]
        out["root_ms"] = [_ms(lambda s=s: root(s))[1] for s in sizes]  # type: ignore[misc]
        indices = [rng.randrange(n) for _ in range(samples)]
        timed = [_ms(lambda i=i: log.proof(index=i, size=n)) for i in indices]  # type: ignore[misc]
        out["inclusion_ms"] = [t for _, t in timed]
        out["proofs"] = [p for p, _ in timed]
        olds = [rng.randint(1, n - 1) for _ in range(samples)]
        timed_c = [_ms(lambda o=o: log.consistency(o, n)) for o in olds]  # type: ignore[misc]
        out["consistency_ms"] = [t for _, t in timed_c]
        out["consistency"] = [c for c, _ in timed_c]
        out["root"] = root(n)
    finally:
        engine.dispose()
    return out


def checkpoints(url: str, dataset: Any) -> list[float]:
    engine = make_engine(url)
    try:
        ledger = Ledger(engine)
        log = TransparencyLog(engine)
        log.checkpoint(dataset.keys["log"])  # the starting point: everything so far
        times = []
        for r in range(CHECKPOINT_ROUNDS):
            rows = vinyl_rows(CHECKPOINT_EVENTS, seed=SEED + r)
            ledger.register_many(signer=dataset.keys["registrar"], rows=rows)
            (cp, new), ms = _ms(lambda: log.checkpoint(dataset.keys["log"]))
            assert new and cp.size == ledger.size()
            times.append(ms)
        return times
    finally:
        engine.dispose()


def theirs(path: Path, data: list[bytes], n: int, cold: int, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    warnings.simplefilter("ignore", DeprecationWarning)
    tree = SqliteTree(str(path))
    start = time.perf_counter()
    for at in range(0, n, 100_000):
        tree.append_entries(data[at : at + 100_000])
        _progress("pymerkle SqliteTree build", min(at + 100_000, n), n)
    out["append_per_s"] = n / (time.perf_counter() - start)
    out["root"] = tree.get_root(n)
    tree.close()

    def fresh(op: Callable[[SqliteTree], Any]) -> float:
        with SqliteTree(str(path)) as t:
            return _ms(lambda: op(t))[1]

    sizes = [rng.randint(1, n) for _ in range(cold)]
    indices = [rng.randrange(n) for _ in range(cold)]
    olds = [rng.randint(1, n - 1) for _ in range(cold)]
    out["root_cold_ms"] = [fresh(lambda t, s=s: t.get_root(s)) for s in sizes]  # type: ignore[misc]
    out["inclusion_cold_ms"] = [
        fresh(lambda t, i=i: t.prove_inclusion(i + 1, n))  # type: ignore[misc]
        for i in indices
    ]
    out["consistency_cold_ms"] = [
        fresh(lambda t, o=o: t.prove_consistency(o, n))  # type: ignore[misc]
        for o in olds
    ]
    with SqliteTree(str(path)) as t:
        t.prove_inclusion(1, n)  # fills the subroot cache
        out["inclusion_warm_ms"] = [
            _ms(lambda i=i: t.prove_inclusion(i + 1, n))[1]  # type: ignore[misc]
            for i in (rng.randrange(n) for _ in range(200))
        ]
    return out


def run(n: int, samples: int, cold: int) -> None:
    rng = random.Random(SEED)
    print(f"dataset: {n:,} events ...", flush=True)
    dataset = ledger_dataset(n)
    with tempfile.TemporaryDirectory(prefix="provenance-bench-") as tmp:
        work = dataset.copy_to(Path(tmp))
        print(f"(a) our log: append, root, {samples:,} inclusion and consistency proofs ...")
        mine = ours(work.url, n, samples, rng)
        print(f"(b) checkpoints after {CHECKPOINT_EVENTS:,} new events x {CHECKPOINT_ROUNDS} ...")
        cp_ms = checkpoints(work.url, work)
        print("(c) pymerkle SqliteTree with the same leaves ...", flush=True)
        data = leaf_data(dataset.url)
        pm = theirs(Path(tmp) / "pymerkle.db", data, n, cold, rng)

    print("(d) cross-check ...")
    if pm["root"] != mine["root"]:
        sys.exit(f"roots differ: ours {mine['root'].hex()}, pymerkle {pm['root'].hex()}")
    for proof in mine["proofs"]:
        merkle.verify_inclusion(
            index=proof.leaf_index,
            size=n,
            leaf_hash=merkle.leaf_hash(data[proof.leaf_index]),
            proof=proof.path,
            root=pm["root"],
        )
    leaf_hashes = [merkle.leaf_hash(d) for d in data]
    for k, c in enumerate(mine["consistency"]):
        if k < 3:  # the old roots too, recomputed from the leaves
            assert merkle.root_from_leaves(leaf_hashes[: c["old_size"]]).hex() == c["old_root"]
        merkle.verify_consistency(
            old_size=c["old_size"],
            new_size=n,
            old_root=bytes.fromhex(c["old_root"]),
            new_root=pm["root"],
            proof=[bytes.fromhex(h) for h in c["path"]],
        )

    incl = statistics.median(mine["inclusion_ms"])
    pm_incl = statistics.median(pm["inclusion_cold_ms"])
    cons = statistics.median(mine["consistency_ms"])
    pm_cons = statistics.median(pm["consistency_cold_ms"])
    root = statistics.median(mine["root_ms"])
    pm_root = statistics.median(pm["root_cold_ms"])
    at = "1M" if n == 1_000_000 else f"{n:,}"
    figures = [
        Figure("Log append, tree only (hash + store subtrees)", mine["append_per_s"], "leaves/s"),
        Figure("pymerkle SqliteTree append (same leaves)", pm["append_per_s"], "leaves/s"),
        Figure(f"Root at a random size, {at} leaves, median", root, "ms"),
        Figure(f"pymerkle root, {at} leaves, cold, median", pm_root, "ms"),
        Figure(
            f"Inclusion proof, {at} leaves, median",
            incl,
            "ms",
            target=f"≤ {PROOF_TARGET_MS:g} ms",
            meets=incl <= PROOF_TARGET_MS,
        ),
        Figure(f"Inclusion proof, {at} leaves, p99", _p(mine["inclusion_ms"], 99), "ms"),
        Figure(f"pymerkle inclusion proof, {at} leaves, cold, median", pm_incl, "ms"),
        Figure(
            "Inclusion proof speed-up over pymerkle (cold)",
            pm_incl / incl,
            "×",
            target=SPEEDUP_TARGET,
        ),
        Figure(
            "pymerkle inclusion proof, warm subroot cache, median",
            statistics.median(pm["inclusion_warm_ms"]),
            "ms",
        ),
        Figure(f"Consistency proof, {at} leaves, median", cons, "ms"),
        Figure(f"pymerkle consistency proof, {at} leaves, cold, median", pm_cons, "ms"),
        Figure(
            "Checkpoint after 1,000 new events, median",
            statistics.median(cp_ms),
            "ms",
            target=f"≤ {CHECKPOINT_TARGET_MS:g} ms",
            meets=max(cp_ms) <= CHECKPOINT_TARGET_MS,
        ),
    ]
    path = write_results(
        "merkle_log",
        title=f"Transparency log, {n:,} leaves in SQLite",
        params={"n": n, "samples": samples, "pymerkle_cold_samples": cold, "seed": SEED},
        figures=figures,
        details={
            "checkpoint_ms": [round(t, 2) for t in cp_ms],
            "inclusion_p90_ms": round(_p(mine["inclusion_ms"], 90), 3),
            "consistency_p99_ms": round(_p(mine["consistency_ms"], 99), 3),
            "pymerkle_inclusion_cold_ms": [round(t, 1) for t in pm["inclusion_cold_ms"]],
            "pymerkle_consistency_cold_ms": [round(t, 1) for t in pm["consistency_cold_ms"]],
            "root_hex": mine["root"].hex(),
        },
    )
    for f in figures:
        row = f.to_json()
        print(f"  {f.figure:<58} {row['value']:>12,}  {f.unit:<8} {row['meets']}")
    print(f"\nwrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="events (= leaves) in the log")
    parser.add_argument("--samples", type=int, default=2_000, help="proofs timed on our log")
    parser.add_argument("--cold", type=int, default=8, help="cold pymerkle calls per operation")
    args = parser.parse_args()
    if args.n < 2_000 or args.samples < 2 or args.cold < 2:
        parser.error("--n must be at least 2000, --samples and --cold at least 2")
    run(args.n, args.samples, args.cold)


if __name__ == "__main__":
    main()
