"""The chain is the judge, on the embedded chain (a real EVM in process) with the ledger on
SQLite and PostgreSQL: an older backup restored over a store anchored further, the newest
anchored events deleted with their nodes and checkpoints, a rewritten history whose
checkpoints at the anchored sizes are gone. Each is caught, stops writes and anchors, and
nothing is recorded or sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.engine import make_url

from provenance import Ledger, Role, SigningKey, audit
from provenance.chain.anchorer import Anchorer, AnchorSettings, fund_dev_account, record_deployment
from provenance.chain.contract import AnchorContract, deploy
from provenance.chain.endpoints import Chain, ChainSpec, connect
from provenance.chain.judge import judge, judge_all, raise_alarms
from provenance.chain.transactions import FeePolicy
from provenance.errors import AnchorError, ChainUnavailableError, LogDivergedError
from provenance.log.transparency import TransparencyLog
from provenance.proof.bundle import build_bundle
from provenance.storage import make_engine, upgrade
from provenance.storage.tables import anchors, chain_alarms, deployments

from ...conftest import admin_pg_url
from ...samples import VINYL, Staff


@pytest.fixture
def chain() -> Chain:
    return connect(ChainSpec("embedded"))


@pytest.fixture
def account(chain: Chain) -> Any:
    acct = Account.create()
    fund_dev_account(chain, acct.address)
    return acct


@pytest.fixture
def log_key(ledger: Ledger) -> SigningKey:
    key = SigningKey.generate()
    TransparencyLog(ledger.engine).set_identity(key, store_name="Test Records")
    return key


def _grow(ledger: Ledger, staff: Staff, n: int) -> None:
    for _ in range(n):
        ledger.register(signer=staff.registrar, data=VINYL)


def _anchor(anchorer: Anchorer, log_key: SigningKey) -> int:
    cp = TransparencyLog(anchorer.engine).checkpoint(log_key)[0]
    outcome = anchorer.anchor(cp)
    assert outcome.anchor is not None
    return outcome.anchor.tree_size


def _anchorer(engine: Engine, chain: Chain, account: Any) -> Anchorer:
    deployed = deploy(chain, account, FeePolicy())
    record = record_deployment(engine, chain, deployed, deployer=account.address)
    return Anchorer(engine, chain, account, record, AnchorSettings(), sleep=lambda _s: None)


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Callable[[], Engine]]:
    """Take a backup of the database now; the yielded function restores it (over the live
    database, as an admin would) and returns a fresh engine on it."""
    url = engine.url
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = str(url.database)
        backup = path + ".backup"
        with sqlite3.connect(path) as src, sqlite3.connect(backup) as dst:
            src.backup(dst)

        def restore() -> Engine:
            engine.dispose()
            # SQLite's online backup, the other way round: the live file (and its WAL) become
            # the old copy, page by page, as ``sqlite3 ledger.db ".restore ..."`` does.
            with sqlite3.connect(backup) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
            return make_engine(url.render_as_string(hide_password=False))

        yield restore
        return
    admin = make_engine_admin()
    name, snap = str(url.database), f"{url.database}_snap"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{snap}" TEMPLATE "{name}"'))

    def restore_pg() -> Engine:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{snap}"'))
        return make_engine(url.render_as_string(hide_password=False))

    try:
        yield restore_pg
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{snap}" WITH (FORCE)'))
        admin.dispose()


def make_engine_admin() -> Engine:
    from sqlalchemy import create_engine

    return create_engine(make_url(admin_pg_url()), isolation_level="AUTOCOMMIT")


@contextmanager
def _attacker(engine: Engine) -> Iterator[Connection]:
    """A transaction with the append-only triggers of the log's tables dropped."""
    with engine.begin() as conn:
        for table in ("events", "log_nodes", "checkpoints"):
            if conn.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
            else:
                conn.execute(text(f"DROP TRIGGER {table}_no_update_delete ON {table}"))
        yield conn


def _cut_to(conn: Connection, size: int) -> None:
    """Delete every leaf from ``size`` on, with every tree node and checkpoint above it."""
    conn.execute(text("DELETE FROM events WHERE log_index >= :n"), {"n": size})
    for level in range(size.bit_length() + 1):
        conn.execute(
            text("DELETE FROM log_nodes WHERE level = :l AND (idx + 1) * :w > :n"),
            {"l": level, "w": 2**level, "n": size},
        )
    conn.execute(text("DELETE FROM checkpoints WHERE size > :n"), {"n": size})
    conn.execute(text("UPDATE log_head SET size = :n"), {"n": size})


def test_a_faithful_log_is_consistent(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger.engine, chain, account)
    _grow(ledger, staff, 2)
    first = _anchor(anchorer, log_key)
    _grow(ledger, staff, 3)
    second = _anchor(anchorer, log_key)
    contract = AnchorContract(chain, anchorer.deployment.address)
    verdict = judge(ledger.engine, contract, deployment_id=anchorer.deployment.id, ephemeral=False)
    assert verdict.status == "consistent", verdict.lines()
    assert verdict.checked_sizes == (first, second) and verdict.chain_size == second
    assert "extends every root anchored there (sizes 5, 8)" in verdict.lines()[0]
    assert audit(ledger.engine).ok


def test_an_older_backup_restored_is_caught_and_stops_the_store(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger.engine, chain, account)
    _grow(ledger, staff, 3)
    assert _anchor(anchorer, log_key) == 6
    with _snapshot(ledger.engine) as restore:
        _grow(ledger, staff, 4)
        assert _anchor(anchorer, log_key) == 10
        engine = restore()  # the admin restores last week's backup: log 6, chain 10
    try:
        # Nothing local knows: the audit of the old database alone is clean...
        assert audit(engine).ok
        contract = AnchorContract(chain, anchorer.deployment.address)
        verdict = judge(engine, contract, deployment_id=anchorer.deployment.id, ephemeral=False)
        # ...but the chain holds size 10 and the log has 6 leaves.
        assert verdict.status == "diverged"
        [problem] = verdict.problems
        assert (problem.kind, problem.tree_size, problem.local_size) == ("shortfall", 10, 6)
        assert "holds tree size 10" in verdict.lines()[0] and contract.address in verdict.lines()[0]
        # The anchorer finds the same on its own and refuses: nothing recorded, nothing sent.
        restored = Ledger(engine)
        before = _count(engine, anchors)
        again = Anchorer(engine, chain, account, anchorer.deployment, sleep=lambda _s: None)
        cp = TransparencyLog(engine).checkpoint(log_key)[0]
        with pytest.raises(LogDivergedError, match=r"refusing to anchor: .*holds tree size 10"):
            again.anchor(cp)
        assert _count(engine, anchors) == before and contract.latest_tree_size() == 10
        # The refusal stored an alarm: new events are refused, in plain words.
        assert _count(engine, chain_alarms) == 1
        with pytest.raises(LogDivergedError, match="refused until the newer backup is restored"):
            restored.register(signer=staff.registrar, data=VINYL)
        assert restored.size() == 6
        # Raising the same alarm twice stores it once.
        assert raise_alarms(engine, [verdict]) == 0
    finally:
        engine.dispose()


def test_a_restored_log_that_grew_past_the_chain_is_a_fork(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger.engine, chain, account)
    _grow(ledger, staff, 1)
    assert _anchor(anchorer, log_key) == 4
    with _snapshot(ledger.engine) as restore:
        _grow(ledger, staff, 2)
        assert _anchor(anchorer, log_key) == 6
        engine = restore()
    try:
        restored = Ledger(engine)
        _grow(restored, staff, 4)  # accepted: nothing has held this store to the chain yet
        contract = AnchorContract(chain, anchorer.deployment.address)
        again = Anchorer(engine, chain, account, anchorer.deployment, sleep=lambda _s: None)
        cp = TransparencyLog(engine).checkpoint(log_key)[0]
        assert cp.size == 8
        with pytest.raises(LogDivergedError, match=r"holds root .* at tree size 6.*rewritten"):
            again.anchor(cp)
        assert contract.latest_tree_size() == 6
        with pytest.raises(LogDivergedError, match="different root at tree size 6"):
            restored.register(signer=staff.registrar, data=VINYL)
    finally:
        engine.dispose()


def test_anchored_events_cut_off_with_their_nodes_are_caught(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger.engine, chain, account)
    _grow(ledger, staff, 6)
    assert _anchor(anchorer, log_key) == 9
    with _attacker(ledger.engine) as conn:
        _cut_to(conn, 8)
    # Locally: the anchor row says 9 was anchored; the audit and the write guard see it.
    report = audit(ledger.engine)
    assert [f.check for f in report.findings] == ["anchor"]
    assert "tree size 9 anchored on contract" in report.findings[0].message
    assert "only 8 leaves" in report.findings[0].message
    with pytest.raises(LogDivergedError, match=r"tree size 9 was anchored.*only 8 leaves"):
        ledger.register(signer=staff.registrar, data=VINYL)
    # And the chain says so too, even with the anchor rows gone as well.
    with ledger.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER anchors_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER anchors_no_delete ON anchors"))
        conn.execute(text("DELETE FROM anchors"))
    assert audit(ledger.engine).ok  # nothing local is left to tell
    contract = AnchorContract(chain, anchorer.deployment.address)
    verdict = judge(ledger.engine, contract, deployment_id=anchorer.deployment.id, ephemeral=False)
    assert [(p.kind, p.tree_size) for p in verdict.problems] == [("shortfall", 9)]


def test_a_rewritten_history_without_its_checkpoints_is_caught_through_the_chain(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey, tmp_path: Any
) -> None:
    # The genuine store anchors size 7 on a contract.
    genuine = Ledger(make_engine(f"sqlite:///{tmp_path / 'genuine.db'}", create=True))
    upgrade(genuine.engine)
    genuine.initialise(store_name="Test Records", admin=staff.admin, admin_name="admin")
    genuine.add_key(signer=staff.admin, new_key=staff.registrar, role=Role.REGISTRAR, name="r")
    genuine.add_key(signer=staff.admin, new_key=staff.grader, role=Role.GRADER, name="g")
    TransparencyLog(genuine.engine).set_identity(log_key, store_name="Test Records")
    _grow(genuine, staff, 4)
    source = _anchorer(genuine.engine, chain, account)
    assert _anchor(source, log_key) == 7
    # The forger holds the admin and log keys and writes a whole new history (``ledger``,
    # signed by the same keys, its own tree and checkpoints), keeps the deployment and
    # anchor rows, and has no checkpoint row at the anchored size.
    _grow(ledger, staff, 5)
    TransparencyLog(ledger.engine).checkpoint(log_key)
    with genuine.engine.connect() as src, ledger.engine.begin() as dst:
        for table in (deployments, anchors):
            for row in src.execute(select(table)).all():
                dst.execute(insert(table).values(**row._mapping))
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM checkpoints WHERE size = 7")).scalar() == 0
    # The local audit compares the anchor rows with the tree...
    report = audit(ledger.engine)
    assert any(f.check == "anchor" and "tree size 7 anchored" in f.message for f in report.findings)
    # ...and the chain, holding the genuine root, is the judge (the embedded chain stands in
    # for a lasting one here: it lives as long as this test).
    with ledger.engine.begin() as conn:
        conn.execute(deployments.update().values(ephemeral=False, endpoint="http://127.0.0.1:1"))
    verdicts = judge_all(ledger.engine, lambda _record: chain)
    [verdict] = verdicts
    assert verdict.status == "diverged"
    [problem] = verdict.problems
    assert (problem.kind, problem.tree_size) == ("mismatch", 7)
    with genuine.engine.connect() as conn:
        genuine_root = TransparencyLog(genuine.engine).checkpoint_at(7)
    assert genuine_root is not None and problem.chain_root == genuine_root.root
    assert problem.local_root != problem.chain_root
    genuine.engine.dispose()


def test_an_unreachable_or_ephemeral_chain_is_never_a_pass(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger.engine, chain, account)
    _grow(ledger, staff, 1)
    _anchor(anchorer, log_key)

    def down(_record: Any) -> Chain:
        raise ChainUnavailableError("http://127.0.0.1:9 did not answer after 4 tries")

    with ledger.engine.begin() as conn:
        conn.execute(deployments.update().values(ephemeral=False, endpoint="http://127.0.0.1:1"))

    [verdict] = judge_all(ledger.engine, down)
    assert verdict.status == "unchecked" and not verdict.problems
    assert "NOT CHECKED: http://127.0.0.1:9 did not answer" in verdict.lines()[0]
    # The in-process embedded chain's deployments are labelled ephemeral, and unchecked.
    with ledger.engine.begin() as conn:
        conn.execute(deployments.update().values(ephemeral=True, endpoint="embedded"))
    [verdict] = judge_all(ledger.engine, lambda _record: chain)
    assert verdict.status == "unchecked" and verdict.ephemeral
    assert "ephemeral embedded chain" in (verdict.reason or "")


def test_export_refuses_when_the_anchored_checkpoint_is_gone_or_differs(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger.engine, chain, account)
    _grow(ledger, staff, 1)
    assert _anchor(anchorer, log_key) == 4
    with ledger.engine.connect() as conn:
        item = conn.execute(text("SELECT item FROM events WHERE log_index = 3")).scalar_one()
    assert build_bundle(ledger.engine, item)["anchor"]["tree_size"] == 4
    with _attacker(ledger.engine) as conn:
        conn.execute(text("UPDATE checkpoints SET root = :r WHERE size = 4"), {"r": "ab" * 32})
    with pytest.raises(AnchorError, match="checkpoint stored at that size has root abab"):
        build_bundle(ledger.engine, item)
    with ledger.engine.begin() as conn:  # the triggers are already gone
        conn.execute(text("DELETE FROM checkpoints WHERE size = 4"))
    with pytest.raises(AnchorError, match=r"tree size 4 is anchored on contract .* no checkpoint"):
        build_bundle(ledger.engine, item)
