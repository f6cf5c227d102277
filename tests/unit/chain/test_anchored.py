"""Which checkpoint an item is proved against (provenance.chain.anchored), on SQLite and PostgreSQL:
the newest live anchor, a lasting chain before the ephemeral one, never a dropped anchor or a
vanished deployment; and the read stays an index walk however many anchors there are."""

from __future__ import annotations

import itertools

from sqlalchemy import Engine, insert, text

from provenance.chain.anchored import _SQL, AnchoredCheckpoint, anchored_checkpoint
from provenance.storage.tables import anchors, checkpoints, deployments

_AT = "2026-12-01T00:00:00Z"
_tx = (f"0x{n:064x}" for n in itertools.count(1))


def _deployment(engine: Engine, *, ephemeral: bool, vanished: bool = False) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(deployments)
                .values(
                    endpoint="http://127.0.0.1:8545",
                    chain_id=31337 if not ephemeral else 1337,
                    address="0x" + ("e" if ephemeral else "a") * 40,
                    deployer="0x" + "d" * 40,
                    tx_hash=next(_tx),
                    block_number=1,
                    ephemeral=ephemeral,
                    created_at=_AT,
                    vanished_at=_AT if vanished else None,
                )
                .returning(deployments.c.id)
            ).scalar_one()
        )


def _checkpoint(engine: Engine, size: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(checkpoints).values(
                size=size, root=f"{size:064x}", note=f"note {size}", created_at=_AT
            )
        )


def _anchor(engine: Engine, deployment: int, size: int, state: str) -> str:
    tx = next(_tx)
    with engine.begin() as conn:
        conn.execute(
            insert(anchors).values(
                deployment_id=deployment,
                tree_size=size,
                root=f"{size:064x}",
                nonce=size,
                tx_hash=tx,
                raw_tx="0x00",
                state=state,
                block_number=size,
                created_at=_AT,
                updated_at=_AT,
            )
        )
    return tx


def _chosen(engine: Engine) -> AnchoredCheckpoint | None:
    with engine.connect() as conn:
        return anchored_checkpoint(conn)


def test_nothing_anchored(engine: Engine) -> None:
    assert _chosen(engine) is None
    _checkpoint(engine, 5)
    assert _chosen(engine) is None


def test_the_choice(engine: Engine) -> None:
    embedded = _deployment(engine, ephemeral=True)
    hardhat = _deployment(engine, ephemeral=False)
    gone = _deployment(engine, ephemeral=False, vanished=True)
    for size in (10, 20, 30, 40, 50):
        _checkpoint(engine, size)

    on_embedded = _anchor(engine, embedded, 50, "final")
    chosen = _chosen(engine)
    assert chosen is not None and (chosen.size, chosen.tx_hash) == (50, on_embedded)
    assert chosen.ephemeral is True and chosen.block_number == 50

    # A lasting chain wins over a bigger ephemeral anchor; the newest live one on it.
    _anchor(engine, hardhat, 10, "final")
    newest = _anchor(engine, hardhat, 20, "anchored")
    _anchor(engine, hardhat, 30, "pending")  # not on chain yet
    _anchor(engine, hardhat, 40, "dropped")  # a reorg dropped it
    _anchor(engine, gone, 50, "final")  # its contract vanished with a restarted dev node
    chosen = _chosen(engine)
    assert chosen == AnchoredCheckpoint(
        size=20,
        root=f"{20:064x}",
        note="note 20",
        tx_hash=newest,
        state="anchored",
        block_number=20,
        chain_id=31337,
        address="0x" + "a" * 40,
        ephemeral=False,
    )


def test_the_read_walks_the_tree_size_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner picks by table statistics; the choice is tested above
    with engine.connect() as conn:
        plan = " | ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + _SQL)))
    # Without the index SQLite would "SCAN an" (every anchor) and sort.
    assert "ix_anchors_tree_size" in plan, plan
    assert "SCAN an" not in plan.replace("SCAN an USING INDEX", ""), plan
