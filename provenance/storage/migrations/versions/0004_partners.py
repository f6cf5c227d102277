"""Partner API keys, their shared rate-limit windows, and the partner request log.

``partners`` holds one row per API key: only the key's SHA-256, never the key. Rows are never
deleted and never edited, except that ``revoked_at`` is set once (triggers enforce both), so
the record of who could call the API, and since when, stays whole. ``partner_rate`` keeps one
fixed one-minute window per partner, updated by an upsert, so every API worker shares one
limit. ``partner_requests`` logs each partner request (partner, method, path, status, time):
no address, no client data; its rows are never changed (old ones may be pruned).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FROZEN = ("id", "name", "key_hash", "scopes", "rate_limit", "created_at")


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(100), nullable=False),
        sa.Column("rate_limit", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
        sa.UniqueConstraint("key_hash", name="partners_key_hash_unique"),
        sa.CheckConstraint("rate_limit > 0", name="partners_rate_limit_positive"),
    )
    op.create_table(
        "partner_rate",
        sa.Column("partner_id", sa.String(16), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
    )
    op.create_table(
        "partner_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("partner_id", sa.String(16), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("partner_requests_by_partner", "partner_requests", ["partner_id", "id"])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgres_triggers()


def _sqlite_triggers() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)
    op.execute(
        "CREATE TRIGGER partners_no_delete BEFORE DELETE ON partners "
        "BEGIN SELECT RAISE(ABORT, 'partners rows are never deleted'); END"
    )
    op.execute(
        "CREATE TRIGGER partners_frozen BEFORE UPDATE ON partners "
        f"WHEN {changed} OR (OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS NOT OLD.revoked_at) "
        "BEGIN SELECT RAISE(ABORT, 'a partner key only ever gets revoked'); END"
    )
    op.execute(
        "CREATE TRIGGER partner_requests_no_update BEFORE UPDATE ON partner_requests "
        "BEGIN SELECT RAISE(ABORT, 'partner_requests rows never change'); END"
    )


def _postgres_triggers() -> None:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN)
    op.execute(
        "CREATE FUNCTION provenance_partner_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {changed} OR (OLD.revoked_at IS NOT NULL "
        "AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at) THEN "
        "RAISE EXCEPTION 'a partner key only ever gets revoked'; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER partners_frozen BEFORE UPDATE ON partners "
        "FOR EACH ROW EXECUTE FUNCTION provenance_partner_frozen()"
    )
    # provenance_no_delete() comes from migration 0003.
    op.execute(
        "CREATE TRIGGER partners_no_delete BEFORE DELETE ON partners "
        "FOR EACH ROW EXECUTE FUNCTION provenance_no_delete()"
    )
    op.execute(
        "CREATE FUNCTION provenance_request_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'partner_requests rows never change'; END $$"
    )
    op.execute(
        "CREATE TRIGGER partner_requests_no_update BEFORE UPDATE ON partner_requests "
        "FOR EACH ROW EXECUTE FUNCTION provenance_request_frozen()"
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only; migrations only go forward")
