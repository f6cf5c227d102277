"""Discogs listings: the store-private side of an imported Discogs inventory.

``provenance import --format discogs`` registers each vinyl listing (its Discogs release id in
the signed register event) and grades it; what a listing holds beside that stays here, out of
the log: the listing id (the key, so importing the same export again registers nothing twice),
the item registered for it, and the price (minor units), location, whether offers are taken,
the weight (grams) and the format quantity, which ``provenance listings export`` writes back
into the Discogs upload CSV.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discogs_listings",
        sa.Column("listing_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("item", sa.String(32), nullable=False, unique=True),
        sa.Column("price_amount", sa.BigInteger),
        sa.Column("location", sa.String(400)),
        sa.Column("accept_offer", sa.Boolean),
        sa.Column("weight", sa.Integer),
        sa.Column("format_quantity", sa.Integer),
        sa.Column("imported_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
