"""Tag scans for the buyer's page: time, verdict, coarse client class (no personal data).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(12), nullable=False),
        sa.Column("client", sa.String(12), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_scans_item", "scans", ["item"])


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
