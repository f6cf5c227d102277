"""Settings from the environment (``PROVENANCE_*``) and command-line overrides."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the ledger lives and who is signing.

    ``home`` holds the SQLite file (by default) and the encrypted key files; ``db_url``
    overrides the database (any SQLAlchemy URL, e.g. ``postgresql+psycopg:///provenance``).
    """

    model_config = SettingsConfigDict(env_prefix="PROVENANCE_", extra="ignore")

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
