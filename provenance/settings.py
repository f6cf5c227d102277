"""Settings from the environment (``PROVENANCE_*``) and command-line overrides.

They are read as pydantic-settings' ``BaseSettings`` reads them (``env_prefix="PROVENANCE_"``,
``extra="ignore"``): each field from ``PROVENANCE_<FIELD>``, the variable's name in any case,
keyword arguments over the environment, every value validated by pydantic. A plain pydantic
model does that in a few lines, and keeps pydantic-settings, which costs more to import than
the rest of the settings together, off the start-up of every CLI command.
``tests/unit/test_settings.py`` holds this class to a ``BaseSettings`` with the same fields.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

__all__ = ["Settings"]

#: Every setting ``name`` is read from the environment variable ``PROVENANCE_NAME``.
_ENV_PREFIX = "PROVENANCE_"


class Settings(BaseModel):
    """Where the ledger lives and who is signing.

    ``home`` holds the SQLite file (by default) and the encrypted key files; ``db_url``
    overrides the database (any SQLAlchemy URL, e.g. ``postgresql+psycopg:///provenance``).
    """

    # As BaseSettings: unknown keywords are ignored and the defaults are validated too.
    model_config = ConfigDict(extra="ignore", validate_default=True)

    home: Path = Path(".provenance")
    db_url: str | None = None
    key: str | None = None
    passphrase: SecretStr | None = None
    # Anchoring (see provenance.chain): which chain, the account's keystore, fees, finality.
    chain: str | None = None
    chain_id: int | None = None
    keystore: Path | None = None
    eth_passphrase: SecretStr | None = None
    max_fee_gwei: float = 100.0
    confirmations: int | None = None
    rpc_retries: int = 4
    # Where buyers reach the verification pages (what QR tags encode).
    base_url: str = "http://127.0.0.1:8000"

    def __init__(self, **values: Any) -> None:
        """Read the environment; keyword arguments (command-line options) win over it."""
        super().__init__(**{**_environment(type(self)), **values})

    @property
    def database_url(self) -> str:
        """The configured URL, or a SQLite file inside ``home``."""
        return self.db_url or f"sqlite:///{self.home / 'ledger.db'}"

    @property
    def keys_dir(self) -> Path:
        """The directory of encrypted key files."""
        return self.home / "keys"

    @property
    def keystore_path(self) -> Path:
        """The anchoring account's keystore (default ``home/eth/anchor.json``)."""
        return self.keystore or self.home / "eth" / "anchor.json"


def _environment(model: type[BaseModel]) -> dict[str, str]:
    """The ``PROVENANCE_*`` variables that name a field of ``model``, by field name.

    Names match in any case; when two spellings are set, the one later in ``os.environ``
    wins (as in pydantic-settings, which lower-cases the environment the same way). An empty
    value is a value, not an absent variable.
    """
    prefix = _ENV_PREFIX.lower()
    environ = {name.lower(): value for name, value in os.environ.items()}
    return {
        field: environ[prefix + field] for field in model.model_fields if prefix + field in environ
    }
