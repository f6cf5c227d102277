"""Storage: SQLAlchemy Core tables, engine construction and Alembic migrations."""

from __future__ import annotations

from .engine import make_engine
from .migrate import ensure_current, schema_head, upgrade

__all__ = ["ensure_current", "make_engine", "schema_head", "upgrade"]
