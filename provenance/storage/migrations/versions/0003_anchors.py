"""Ethereum anchoring: the contracts this ledger deployed, and every anchor transaction.

An anchor row is written, with its signed transaction, *before* the transaction is sent; its
state then moves forward (recorded → pending → anchored → final, or dropped / failed /
vanished). The rows are operational bookkeeping, not ledger data: their state changes, but
the transaction they carry never does (a trigger refuses it), and no row is ever deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_FROZEN = ("deployment_id", "tree_size", "root", "nonce", "tx_hash", "raw_tx", "created_at")


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("endpoint", sa.String(400), nullable=False),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("deployer", sa.String(42), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("ephemeral", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("vanished_at", sa.String(32)),
    )
    op.create_table(
        "anchors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("deployment_id", sa.Integer, sa.ForeignKey("deployments.id"), nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("nonce", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("raw_tx", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("block_number", sa.BigInteger),
        sa.Column("block_hash", sa.String(66)),
        sa.Column("gas_used", sa.BigInteger),
        sa.Column("detail", sa.String(400)),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        # A reset dev chain can see the very same transaction again, on a new deployment.
        sa.UniqueConstraint("deployment_id", "tx_hash", name="anchors_deployment_tx"),
    )
    op.create_index("anchors_by_state", "anchors", ["deployment_id", "state"])
    bind = op.get_bind()
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)
    if bind.dialect.name == "sqlite":
        for table in ("anchors", "deployments"):
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are never deleted'); END"
            )
        op.execute(
            f"CREATE TRIGGER anchors_tx_frozen BEFORE UPDATE ON anchors WHEN {changed} "
            "BEGIN SELECT RAISE(ABORT, 'an anchor''s transaction never changes'); END"
        )
    else:
        pg_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN)
        op.execute(
            "CREATE FUNCTION provenance_anchor_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF {pg_changed} THEN "
            "RAISE EXCEPTION 'an anchor''s transaction never changes'; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER anchors_tx_frozen BEFORE UPDATE ON anchors "
            "FOR EACH ROW EXECUTE FUNCTION provenance_anchor_frozen()"
        )
        op.execute(
            "CREATE FUNCTION provenance_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME; END $$"
        )
        for table in ("anchors", "deployments"):
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION provenance_no_delete()"
            )


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
