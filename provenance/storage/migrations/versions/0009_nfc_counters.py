"""NFC tag counters: the highest read counter accepted per NFC tag, by UID commitment.

An NTAG 424 DNA tap carries the tag's read counter (SDMReadCtr, 24 bits). A tap is genuine
only if its counter is above every counter accepted for that tag before, so a URL copied from
an earlier tap reads as a copy. Each row is one tag: ``tag`` is the UID commitment the signed
``tag`` event carries (never the UID), ``item`` the item the tag was last provisioned for (an
index into the signed record, which is checked before it is believed), ``counter`` the highest
accepted counter (0 until the first tap; a genuine tag's first tap carries 1). Rows are
updated in place with a compare-and-set (``... WHERE counter < :new``), so of two taps with one
counter exactly one is accepted, across processes too.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nfc_counters",
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("counter", sa.BigInteger, nullable=False),
        sa.CheckConstraint("counter >= 0 AND counter <= 16777215", name="nfc_counters_24_bits"),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
