"""An index on anchors by tree size: the checkpoint an item is proved against is found by
walking anchors newest first (provenance/anchored.py), in time that does not grow with the
number of anchors.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_anchors_tree_size", "anchors", ["tree_size"])


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
