"""Several OS processes appending to the same item at once, on SQLite and PostgreSQL.

Writers queue on the log head, so every append succeeds, the item's chain stays gapless and
linked, and log indices are gapless and distinct. The database itself refuses a second event
at the same (item, seq): a fork cannot be stored even by a writer that skips the ledger. The
transparency log's tree, written in the same transactions, ends up exactly the tree of the
events in log order.
"""

from __future__ import annotations

import itertools
import multiprocessing

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from provenance import Ledger, audit
from provenance.ledger.schemas import EventType
from provenance.log import merkle
from provenance.log.tree import event_leaf_hash, root_at
from provenance.storage.tables import events

from ..samples import VINYL, Staff
from ._workers import append_many

WORKERS = 4
APPENDS = 8  # per worker


def _raw(staff: Staff) -> str:
    return staff.grader.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ).hex()


def test_concurrent_appends_to_one_item(ledger: Ledger, staff: Staff, db_url: str) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    size_before = ledger.size()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=append_many, args=(db_url, item, _raw(staff), w, APPENDS, start, results)
        )
        for w in range(WORKERS)
    ]
    for p in procs:
        p.start()
    start.set()  # release them together
    done = dict(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0, f"worker {p.name} exited with {p.exitcode}"

    # Every attempt was stored, each at its own log position.
    assert sorted(done) == list(range(WORKERS))
    indices = sorted(i for got in done.values() for i in got)
    assert len(indices) == WORKERS * APPENDS
    assert indices == list(range(size_before, size_before + WORKERS * APPENDS))
    assert ledger.size() == size_before + WORKERS * APPENDS

    # The item's chain is gapless and linked, in log order.
    history = ledger.history(item)
    assert [h.event.seq for h in history] == list(range(1 + WORKERS * APPENDS))
    for prev, cur in itertools.pairwise(history):
        assert cur.event.prev == prev.signed.hash
        assert cur.log_index > prev.log_index
    notes = [h for h in history if h.event.type is EventType.NOTE]
    assert len(notes) == WORKERS * APPENDS // 2

    with ledger.engine.connect() as conn:
        all_indices = conn.execute(select(events.c.log_index).order_by(events.c.log_index)).all()
    assert [r.log_index for r in all_indices] == list(range(ledger.size()))
    report = audit(ledger.engine)
    assert report.findings == []
    assert report.events == ledger.size()

    # The transparency log grew with them: one leaf per event, never forked.
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(events.c.hash, events.c.signature).order_by(events.c.log_index)
        ).all()
        leaves = [event_leaf_hash(r.hash, bytes(r.signature)) for r in rows]
        assert root_at(conn, len(leaves)) == merkle.root_from_leaves(leaves)


def test_database_refuses_a_fork(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "a"})
    with ledger.engine.connect() as conn:
        row = conn.execute(select(events).where(events.c.item == item, events.c.seq == 1)).one()
    fork = {**row._asdict(), "log_index": ledger.size(), "body": row.body + " "}
    with pytest.raises(IntegrityError, match=r"(?i)unique"), ledger.engine.begin() as conn:
        conn.execute(insert(events).values(**fork))
    with ledger.engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(events).where(events.c.item == item)
        ).scalar_one()
    assert count == 2
    assert audit(ledger.engine).ok
