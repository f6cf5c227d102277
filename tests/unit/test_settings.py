"""Settings from PROVENANCE_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

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


# -- the same reading as pydantic-settings ---------------------------------------------------
# Settings is a plain pydantic model that reads the environment itself (pydantic-settings is
# slow to import for the CLI's start-up); these tests hold it to a BaseSettings with its fields.


def _reference() -> type[BaseSettings]:
    """A pydantic-settings class with the fields of :class:`Settings`: what it replaced."""

    class Base(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="PROVENANCE_", extra="ignore")

    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in Settings.model_fields.items()
    }
    return create_model("Reference", __base__=Base, **fields)


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No PROVENANCE_* variable in any spelling."""
    for name in list(os.environ):
        if name.upper().startswith("PROVENANCE_"):
            monkeypatch.delenv(name)
    return monkeypatch


ENVIRONMENTS = {
    "none": {},
    "every field": {
        "PROVENANCE_HOME": "/srv/shop",
        "PROVENANCE_DB_URL": "postgresql+psycopg:///shop",
        "PROVENANCE_KEY": "rick",
        "PROVENANCE_PASSPHRASE": "s3cret",
        "PROVENANCE_CHAIN": "hardhat",
        "PROVENANCE_CHAIN_ID": "31337",
        "PROVENANCE_KEYSTORE": "/srv/eth/anchor.json",
        "PROVENANCE_ETH_PASSPHRASE": "eth-s3cret",
        "PROVENANCE_MAX_FEE_GWEI": "2.5",
        "PROVENANCE_CONFIRMATIONS": "3",
        "PROVENANCE_RPC_RETRIES": "0",
        "PROVENANCE_BASE_URL": "https://verify.example",
    },
    "any case": {"provenance_key": "anna", "Provenance_Chain_Id": "5", "PROVENANCE_home": "h"},
    "empty values": {"PROVENANCE_DB_URL": "", "PROVENANCE_KEY": "", "PROVENANCE_CHAIN": ""},
    "unknown names": {"PROVENANCE_COLOUR": "blue", "PROVENANCE_": "x", "PROVENANCEKEY": "y"},
}


@pytest.mark.parametrize("env", ENVIRONMENTS.values(), ids=ENVIRONMENTS.keys())
def test_reads_the_environment_as_pydantic_settings(
    bare_env: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name, value in env.items():
        bare_env.setenv(name, value)
    assert Settings().model_dump() == _reference()().model_dump()
    overrides = {"home": Path("/tmp/h"), "db_url": None, "key": "kw", "bogus": 1}
    assert Settings(**overrides).model_dump() == _reference()(**overrides).model_dump()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROVENANCE_CHAIN_ID", "abc"),
        ("PROVENANCE_CHAIN_ID", ""),
        ("PROVENANCE_RPC_RETRIES", "1.5"),
        ("provenance_max_fee_gwei", "lots"),
    ],
)
def test_refuses_what_pydantic_settings_refuses(
    bare_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    bare_env.setenv(name, value)
    with pytest.raises(ValidationError) as ours:
        Settings()
    with pytest.raises(ValidationError) as theirs:
        _reference()()
    assert [(e["loc"], e["type"], e["input"]) for e in ours.value.errors()] == [
        (e["loc"], e["type"], e["input"]) for e in theirs.value.errors()
    ]


def test_overrides_are_not_read_again_on_copy(bare_env: pytest.MonkeyPatch) -> None:
    settings = Settings().model_copy(update={"key": "cli"})
    bare_env.setenv("PROVENANCE_KEY", "env")
    assert settings.key == "cli" and Settings().key == "env"
