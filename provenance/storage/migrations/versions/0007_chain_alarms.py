"""Chain alarms: what a check against the chain found wrong with the local log.

When the local log is shorter than what a contract holds, or its root at an anchored size
differs from the root on chain, the store must stop writing until it is restored (an append
on top of a lost or rewritten history would only dig the hole deeper). The check that found
it writes one row here; the ledger refuses appends while any row exists. Rows are never
deleted: restoring the newer backup brings back a database without them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_alarms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),  # shortfall | mismatch
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("chain_root", sa.String(64), nullable=False),
        sa.Column("local_root", sa.String(64)),
        sa.Column("local_size", sa.BigInteger, nullable=False),
        sa.Column("found_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("chain_id", "address", "kind", "tree_size", name="chain_alarms_once"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER chain_alarms_no_delete BEFORE DELETE ON chain_alarms "
            "BEGIN SELECT RAISE(ABORT, 'chain_alarms rows are never deleted'); END"
        )
    else:
        op.execute(
            "CREATE TRIGGER chain_alarms_no_delete BEFORE DELETE ON chain_alarms "
            "FOR EACH ROW EXECUTE FUNCTION provenance_no_delete()"
        )


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
