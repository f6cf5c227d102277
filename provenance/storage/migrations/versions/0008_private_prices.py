"""Private sale prices: the owner vault keeps a sale's amount, currency and commitment salt.

A transfer now carries only a salted commitment to its price (``price_commitment``) unless the
store asks for a public price. What opens the commitment lives beside the owner's name and
contact, in the erasable ``owners`` row, and ``owners forget`` erases it with them. Rows from
before have no price here: their transfers carried the price in the event, or none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("owners", sa.Column("price_amount", sa.BigInteger))
    op.add_column("owners", sa.Column("price_currency", sa.String(3)))
    op.add_column("owners", sa.Column("price_salt", sa.LargeBinary))


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
