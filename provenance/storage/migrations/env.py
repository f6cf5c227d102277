"""Alembic environment: runs on the connection handed in by :func:`provenance.storage.upgrade`."""

from __future__ import annotations

from alembic import context

from provenance.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("run migrations through 'provenance init', not the alembic command")
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
