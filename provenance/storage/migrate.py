"""Alembic migrations run from inside the installed package (no alembic.ini needed).

Alembic is imported only to migrate: every CLI command checks the schema version, and reading
one row with plain SQL keeps alembic's import time (a fifth of a command's start-up) off that
path. ``SCHEMA_HEAD`` must name the newest migration; a test holds it to alembic's own answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SCHEMA_HEAD",
    "alembic_head",
    "current_revision",
    "ensure_current",
    "schema_head",
    "upgrade",
]

#: The newest migration in ``migrations/versions`` (see the module docstring).
SCHEMA_HEAD = "0010"

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def schema_head() -> str:
    """The newest migration revision this version of the package knows."""
    return SCHEMA_HEAD


def alembic_head() -> str | None:
    """The head revision as alembic finds it in the shipped migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if it has no ledger schema."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return None if rev is None else str(rev)
    except OperationalError as exc:
        raise ConfigurationError(f"cannot open the ledger database: {_reason(exc)}") from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (default: the newest)."""
    from alembic import command

    config = _config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
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
