"""Alembic migrations run from inside the installed package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ..errors import ConfigurationError

__all__ = ["current_revision", "ensure_current", "schema_head", "upgrade"]

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def schema_head() -> str:
    """The newest migration revision this version of the package knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package always ships at least one migration
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if it has no ledger schema."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise ConfigurationError(f"cannot open the ledger database: {_reason(exc)}") from exc


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision."""
    config = _config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise ConfigurationError(f"cannot migrate the ledger database: {_reason(exc)}") from exc


def ensure_current(engine: Engine) -> None:
    """Raise :class:`ConfigurationError` unless the schema exists and is up to date."""
    rev = current_revision(engine)
    if rev is None:
        raise ConfigurationError(
            f"no ledger in {engine.url.render_as_string(hide_password=True)}; "
            "run 'provenance init' first"
        )
    head = schema_head()
    if rev != head:
        raise ConfigurationError(
            f"ledger schema is at {rev}, this version needs {head}; "
            "run 'provenance init' to upgrade"
        )


def _reason(exc: OperationalError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
