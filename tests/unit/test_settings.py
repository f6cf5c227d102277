"""Settings from PROVENANCE_* environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.settings import Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOME", "DB_URL", "KEY", "PASSPHRASE"):
        monkeypatch.delenv(f"PROVENANCE_{name}", raising=False)


def test_defaults() -> None:
    settings = Settings()
    assert settings.home == Path(".provenance")
    assert settings.database_url == "sqlite:///.provenance/ledger.db"
    assert settings.keys_dir == Path(".provenance/keys")
    assert settings.key is None and settings.passphrase is None


def test_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROVENANCE_HOME", str(tmp_path))
    monkeypatch.setenv("PROVENANCE_KEY", "rick")
    monkeypatch.setenv("PROVENANCE_PASSPHRASE", "s3cret")
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'ledger.db'}"
    assert settings.keys_dir == tmp_path / "keys"
    assert settings.key == "rick"
    assert settings.passphrase is not None
    assert settings.passphrase.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)  # never printed by accident
    monkeypatch.setenv("PROVENANCE_DB_URL", "postgresql+psycopg:///shop")
    assert Settings().database_url == "postgresql+psycopg:///shop"


def test_overrides_win() -> None:
    assert Settings(db_url="sqlite:///x.db").database_url == "sqlite:///x.db"
