"""Per-invocation state: settings with command-line overrides, output mode, unlocked keys.

Only light modules are imported here: every command, and ``--help``, imports this one. The key
files and the ledger (cryptography, SQLAlchemy) are imported when a command first asks for
them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from provenance.errors import ConfigurationError, InputError

if TYPE_CHECKING:
    from provenance.keys.signing import KeyFiles, SigningKey
    from provenance.ledger.ledger import Ledger
    from provenance.settings import Settings

__all__ = ["LOG_KEY", "AppState", "state"]

_DEFAULT_KEY = "admin"
#: File name of the log's checkpoint key inside ``home/log-key``.
LOG_KEY = "log"


@dataclass
class AppState:
    """What the global options set up for the command that runs."""

    json: bool = False
    _settings: Settings | None = None
    _ledger: Ledger | None = None

    @property
    def settings(self) -> Settings:
        """The settings: the environment with the global options over it."""
        if self._settings is None:
            from provenance.settings import Settings

            self._settings = Settings()
        return self._settings

    def configure(self, *, home: Path | None, db: str | None, key: str | None, json: bool) -> None:
        """Apply global options over the environment."""
        updates: dict[str, object] = {}
        if home is not None:
            updates["home"] = home
        if db is not None:
            updates["db_url"] = db
        if key is not None:
            updates["key"] = key
        from provenance.settings import Settings

        self._settings = Settings().model_copy(update=updates)
        self.json = json
        self._ledger = None

    @property
    def key_files(self) -> KeyFiles:
        """The encrypted key files of this installation."""
        from provenance.keys.signing import KeyFiles

        return KeyFiles(self.settings.keys_dir)

    def ledger(self) -> Ledger:
        """The configured ledger (it must exist and be at the current schema)."""
        if self._ledger is None:
            from provenance.ledger.ledger import Ledger

            self._ledger = Ledger.open(self.settings.database_url)
        return self._ledger

    def close(self) -> None:
        """Close the ledger's database connections, if a command opened it."""
        if self._ledger is not None:
            self._ledger.engine.dispose()
            self._ledger = None

    @property
    def log_key_files(self) -> KeyFiles:
        """Where the log's own checkpoint-signing key lives (apart from staff keys)."""
        from provenance.keys.signing import KeyFiles

        return KeyFiles(self.settings.home / "log-key")

    def log_signer(self) -> SigningKey:
        """Unlock the log key (``PROVENANCE_LOG_PASSPHRASE``, else the usual passphrase)."""
        if not self.log_key_files.exists(LOG_KEY):
            raise ConfigurationError(
                f"no log key in {self.log_key_files.directory}; run 'provenance init' "
                "on the machine that signs checkpoints"
            )
        passphrase = os.environ.get("PROVENANCE_LOG_PASSPHRASE") or self.passphrase(
            "Passphrase for the log key"
        )
        return self.log_key_files.load(LOG_KEY, passphrase)

    def key_name(self) -> str:
        """The name of the key that signs (``--key`` / ``PROVENANCE_KEY`` / ``admin``)."""
        return self.settings.key or _DEFAULT_KEY

    def signer(self) -> SigningKey:
        """Unlock the signing key with the passphrase from the environment or a prompt."""
        return self.named_signer(self.key_name(), hint="pick one with --key or PROVENANCE_KEY")

    def named_signer(self, name: str, *, hint: str = "check the key's name") -> SigningKey:
        """Unlock the key named ``name`` (a second signer beside ``--key``, such as an
        import's grader) with the passphrase from the environment or a prompt."""
        if not self.key_files.exists(name):
            raise ConfigurationError(
                f"no key file for {name!r} in {self.settings.keys_dir}; {hint}"
            )
        return self.key_files.load(name, self.passphrase(f"Passphrase for key {name!r}"))

    def passphrase(self, prompt: str) -> str:
        """The passphrase from ``PROVENANCE_PASSPHRASE``, or asked for on a terminal."""
        if self.settings.passphrase is not None:
            return self.settings.passphrase.get_secret_value()
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "no passphrase: set PROVENANCE_PASSPHRASE or run on a terminal"
            )
        return str(typer.prompt(prompt, hide_input=True))

    def new_passphrase(self, prompt: str) -> str:
        """A passphrase for a new key: ``PROVENANCE_NEW_PASSPHRASE``, then
        ``PROVENANCE_PASSPHRASE``, then a prompt with confirmation."""
        for var in ("PROVENANCE_NEW_PASSPHRASE", "PROVENANCE_PASSPHRASE"):
            value = os.environ.get(var)
            if value:
                return value
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "no passphrase for the new key: set PROVENANCE_NEW_PASSPHRASE "
                "(or PROVENANCE_PASSPHRASE) or run on a terminal"
            )
        value = str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))
        if len(value) < 8:
            raise InputError("a key passphrase needs at least 8 characters")
        return value


#: The state of the running command; set by the app callback.
state = AppState()
