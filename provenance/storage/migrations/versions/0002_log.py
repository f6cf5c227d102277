"""Transparency log: stored perfect-subtree hashes, signed checkpoints, the log's identity.

Existing events are added to the tree in log order, so a ledger created before this revision
gets the same tree it would have had from the start.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from provenance.log.merkle import CompactRange, leaf_hash

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("log_nodes", "checkpoints")


def upgrade() -> None:
    nodes = op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sqlite_with_rowid=False,  # the key is the row: one B-tree, no separate index
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.add_column("store", sa.Column("origin", sa.String(200)))
    op.add_column("store", sa.Column("log_public_key", sa.String(64)))
    bind = op.get_bind()
    for table in _APPEND_ONLY:
        if bind.dialect.name == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION provenance_append_only()"
            )
    # Backfill: leaf = SHA-256(0x00 ‖ event hash ‖ signature), in log order.
    compact = CompactRange()
    batch: list[dict[str, object]] = []
    rows = bind.execute(sa.text("SELECT hash, signature FROM events ORDER BY log_index"))
    for event_hash, signature in rows:
        for level, idx, digest in compact.append(leaf_hash(bytes.fromhex(event_hash) + signature)):
            batch.append({"level": level, "idx": idx, "hash": digest})
        if len(batch) >= 10_000:
            op.bulk_insert(nodes, batch)
            batch = []
    if batch:
        op.bulk_insert(nodes, batch)


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
