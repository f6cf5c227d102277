"""Storage: SQLAlchemy Core tables, engine construction and Alembic migrations."""

from __future__ import annotations

from .engine import make_engine
from .migrate import current_revision, ensure_current, schema_head, upgrade

__all__ = ["current_revision", "ensure_current", "make_engine", "schema_head", "upgrade"]
