"""The stored transparency log on SQLite and PostgreSQL: the tree kept by the ledger's writes
matches the reference tree over the events, proofs read O(log n) nodes in one query, the
schema migration backfills an existing ledger, and checkpoints are signed and append-only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import DBAPIError

from provenance import Ledger, Role, SigningKey, audit
from provenance.errors import CheckpointError, ConfigurationError, InputError, NotFoundError
from provenance.ledger.schemas import EventType
from provenance.log import merkle
from provenance.log.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from provenance.log.transparency import TransparencyLog
from provenance.log.tree import LogAppender, event_leaf_hash, root_at
from provenance.storage import make_engine, upgrade
from provenance.storage.tables import events, log_nodes

from ...samples import FILM, VINYL, Staff


def leaves_of(engine: Engine) -> list[bytes]:
    """Leaf hashes recomputed from the stored events, in log order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.hash, events.c.signature).order_by(events.c.log_index)
        ).all()
    return [event_leaf_hash(r.hash, bytes(r.signature)) for r in rows]


def grow(ledger: Ledger, staff: Staff) -> Ledger:
    """Add 11 registrations (8 in one batch) and 6 grades: 20 leaves with the 3 key events."""
    ledger.register_many(signer=staff.registrar, rows=[VINYL] * 5 + [FILM] * 3)
    for _ in range(3):
        item = ledger.register(signer=staff.registrar, data=VINYL).event.item
        for media in ("VG", "VG+"):
            ledger.append(
                signer=staff.grader,
                item=item,
                event_type=EventType.GRADE,
                data={"kind": "vinyl", "media": media, "sleeve": "VG", "method": "visual"},
            )
    assert ledger.size() == 20
    return ledger


@pytest.fixture
def grown(ledger: Ledger, staff: Staff) -> Ledger:
    """The ``ledger`` fixture grown to 20 leaves."""
    return grow(ledger, staff)


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Record every SQL statement the engine runs inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, stmt: str, params: Any, context: Any, many: bool) -> None:
        seen.append((stmt, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_stored_tree_matches_the_reference(grown: Ledger) -> None:
    leaves = leaves_of(grown.engine)
    log = TransparencyLog(grown.engine)
    with grown.engine.connect() as conn:
        for size in range(1, len(leaves) + 1):
            assert root_at(conn, size) == merkle.root_from_leaves(leaves[:size])
    for size in (1, 7, 8, 13, 20):
        for index in range(size):
            proof = log.proof(index=index, size=size)
            assert proof.leaf_hash == leaves[index]
            assert proof.path == merkle.inclusion_path(index, leaves[:size])
            assert proof.root == merkle.root_from_leaves(leaves[:size])
        for old in range(1, size + 1):
            c = log.consistency(old, size)
            assert [bytes.fromhex(h) for h in c["path"]] == merkle.consistency_path(
                old, leaves[:size]
            )
            assert c["old_root"] == merkle.root_from_leaves(leaves[:old]).hex()


def test_only_perfect_subtrees_are_stored(grown: Ledger) -> None:
    with grown.engine.connect() as conn:
        stored = {
            (r.level, r.idx) for r in conn.execute(select(log_nodes.c.level, log_nodes.c.idx))
        }
    # 20 leaves: 20 + 10 + 5 + 2 + 1 perfect subtrees.
    want = {(lv, ix) for lv in range(5) for ix in range(20 >> lv)}
    assert stored == want


def test_proofs_read_log_n_nodes_in_one_query(ledger: Ledger, staff: Staff) -> None:
    # 1,000 leaves appended straight to the tree (the events themselves are not needed here).
    with ledger.engine.begin() as conn:
        size = ledger.size()
        LogAppender(conn, size).append([merkle.leaf_hash(b"%d" % i) for i in range(1_000)])
    # The log head says 3: grow it to the tree, as the ledger would in the same transaction.
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE log_head SET size = :s"), {"s": size + 1_000})
    log = TransparencyLog(ledger.engine)
    n = size + 1_000
    with statements(ledger.engine) as seen:
        proof = log.proof(index=517, size=n)
    node_reads = [(s, p) for s, p in seen if "log_nodes" in s]
    assert len(node_reads) == 1
    stmt, params = node_reads[0]
    bound = len(params) if isinstance(params, (list, tuple, dict)) else 0
    # (level, idx) pairs: at most ~3 log2(n) nodes, never the 1,003 leaves.
    assert 0 < bound <= 2 * 3 * n.bit_length()
    if ledger.engine.dialect.name == "sqlite":
        # Primary-key lookups, never a scan of the table (a row-value IN would scan it).
        with ledger.engine.connect() as conn:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {stmt}", params).all()
        details = " | ".join(str(row[-1]) for row in plan)
        assert "SEARCH log_nodes USING PRIMARY KEY" in details and "SCAN" not in details, details
    merkle.verify_inclusion(
        index=517, size=n, leaf_hash=proof.leaf_hash, proof=proof.path, root=proof.root
    )
    with statements(ledger.engine) as seen:
        log.consistency(600, n)
    assert len([s for s, _ in seen if "log_nodes" in s]) == 1


def test_append_reads_only_the_frontier(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    with statements(ledger.engine) as seen:
        ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "x"})
    node_stmts = [s for s, _ in seen if "log_nodes" in s]
    assert len(node_stmts) <= 2  # one frontier read, one insert
    assert audit(ledger.engine).ok


def test_checkpoints(grown: Ledger) -> None:
    log = TransparencyLog(grown.engine)
    log_key = SigningKey.generate()
    with pytest.raises(ConfigurationError, match="no log key yet"):
        log.checkpoint(log_key)
    identity = log.set_identity(log_key, store_name="Test Records")
    assert identity.origin == "provenance.log/test-records"
    with pytest.raises(InputError, match="already has a key"):
        log.set_identity(SigningKey.generate(), store_name="Other")
    with pytest.raises(ConfigurationError, match="not this log's key"):
        log.checkpoint(SigningKey.generate())

    first, new = log.checkpoint(log_key)
    assert (new, first.size) == (True, 20)
    cp = verify_checkpoint(
        first.note, name=identity.origin, public_key=identity.public_key, origin=identity.origin
    )
    assert cp.root == merkle.root_from_leaves(leaves_of(grown.engine))
    assert log.checkpoint(log_key) == (first, False)
    assert log.verify(first).size == 20
    # The log key's signature on a checkpoint of another origin is not this log's checkpoint.
    elsewhere = sign_checkpoint(
        Checkpoint("provenance.log/elsewhere", cp.size, cp.root), name=identity.origin, key=log_key
    )
    with pytest.raises(CheckpointError, match=r"origin is 'provenance\.log/elsewhere', expected"):
        log.verify(replace(first, note=elsewhere))
    assert log.latest() == first and log.checkpoints() == [first]
    # Stored checkpoints are append-only, like events.
    with pytest.raises(DBAPIError, match="append-only"), grown.engine.begin() as conn:
        conn.execute(text("UPDATE checkpoints SET root = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), grown.engine.begin() as conn:
        conn.execute(text("DELETE FROM log_nodes WHERE level = 0 AND idx = 0"))


def test_item_proofs(grown: Ledger) -> None:
    log = TransparencyLog(grown.engine)
    with grown.engine.connect() as conn:
        item = conn.execute(select(events.c.item).where(events.c.log_index == 19)).scalar_one()
    proofs = log.item_proofs(item)
    assert [p["seq"] for p in proofs] == [0, 1, 2]
    root = merkle.root_from_leaves(leaves_of(grown.engine)).hex()
    assert {p["root"] for p in proofs} == {root}
    with pytest.raises(InputError, match="does not hold all"):
        log.item_proofs(item, size=18)
    with pytest.raises(NotFoundError, match="no item"):
        log.item_proofs("00000-00000-0")
    keys = log.item_proofs("keys")
    assert [p["leaf_index"] for p in keys] == [0, 1, 2]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda log: log.proof(index=20, size=None), "leaf index 20 is not in a tree of 20"),
        (lambda log: log.proof(index=0, size=0), "tree size 0 is out of range"),
        (lambda log: log.proof(index=0, size=21), "the log has 20 leaves"),
        (lambda log: log.consistency(0, 5), "old size 0 must be at least 1"),
        (lambda log: log.consistency(6, 5), "old size 6 is larger than new size 5"),
        (lambda log: log.consistency(5, 21), "beyond the log's 20 leaves"),
    ],
)
def test_bad_sizes(grown: Ledger, call: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call(TransparencyLog(grown.engine))


def test_migration_backfills_an_existing_ledger(db_url: str, staff: Staff, tmp_path: Path) -> None:
    """A ledger written before revision 0002 gets the same tree when it is upgraded."""
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}", create=True)
    upgrade(source)
    led = Ledger(source)
    led.initialise(store_name="Test Records", admin=staff.admin, admin_name="admin")
    led.add_key(signer=staff.admin, new_key=staff.registrar, role=Role.REGISTRAR, name="rick")
    led.add_key(signer=staff.admin, new_key=staff.grader, role=Role.GRADER, name="anna")
    grow(led, staff)
    with source.connect() as conn:
        rows = [r._asdict() for r in conn.execute(select(events).order_by(events.c.log_index))]
        want = {(r.level, r.idx): bytes(r.hash) for r in conn.execute(select(log_nodes))}
    source.dispose()

    old = make_engine(db_url, create=True)  # an empty database of the parametrised kind
    try:
        upgrade(old, "0001")
        with old.begin() as conn:
            conn.execute(events.insert(), rows)
            conn.execute(text("UPDATE log_head SET size = :s"), {"s": len(rows)})
        upgrade(old)
        with old.connect() as conn:
            got = {(r.level, r.idx): bytes(r.hash) for r in conn.execute(select(log_nodes))}
        assert got == want
        assert audit(old).findings == []
    finally:
        old.dispose()
