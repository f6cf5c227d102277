"""Fixtures for integration tests: a store driven through the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

PROVENANCE = str(Path(sys.executable).with_name("provenance"))
PASSPHRASE = "test-passphrase-1"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        lines = [line for line in self.out.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one JSON line, got {self.out!r}"
        data = json.loads(lines[0])
        assert isinstance(data, dict)
        return data


class Cli:
    """Runs the console script against one store (home directory + database URL)."""

    def __init__(self, home: Path, db_url: str) -> None:
        self.home = home
        self.db_url = db_url
        self.env = {
            **os.environ,
            "PROVENANCE_HOME": str(home),
            "PROVENANCE_DB_URL": db_url,
            "PROVENANCE_PASSPHRASE": PASSPHRASE,
            "COLUMNS": "200",
        }
        self.env.pop("PROVENANCE_KEY", None)

    def run(self, *args: str, key: str | None = None, env: dict[str, str] | None = None) -> Result:
        argv = [PROVENANCE, *args] if key is None else [PROVENANCE, "--key", key, *args]
        proc = subprocess.run(
            argv, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=120
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, key: str | None = None) -> dict[str, Any]:
        result = self.run("--json", *args, key=key)
        assert result.code == 0, result.err
        data = result.json()
        assert data["ok"] is True
        return data

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every ledger row and the log head, to prove a failed command changed nothing."""
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT * FROM events ORDER BY log_index")).all()
                head = conn.execute(text("SELECT size FROM log_head")).all()
                owners = conn.execute(text("SELECT * FROM owners ORDER BY owner_id")).all()
                keys = conn.execute(text("SELECT * FROM key_names ORDER BY key_id")).all()
        finally:
            engine.dispose()
        return [tuple(r) for r in [*rows, *head, *owners, *keys]]


def _set_up_store(cli: Cli) -> str:
    """Store, two staff keys, one registered record; returns the record's item id."""
    cli.ok("init", "--store-name", "Test Records")
    cli.ok("keys", "create", "rick", "--role", "registrar")
    cli.ok("keys", "create", "anna", "--role", "grader")
    data = cli.ok(
        "register",
        "--kind",
        "vinyl",
        "--title",
        "Blue Train",
        "--artist",
        "John Coltrane",
        "--label",
        "Blue Note",
        "--catalog",
        "BLP 1577",
        "--matrix",
        "A=BN-LP-1577-A",
        "--year",
        "1957",
        key="rick",
    )
    return str(data["item"])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One SQLite store built through the CLI, copied by every SQLite CLI test (each CLI call
    costs half a second; building the store once keeps the suite fast)."""
    home = tmp_path_factory.mktemp("template") / "home"
    item = _set_up_store(Cli(home, f"sqlite:///{home / 'ledger.db'}"))
    return home, item


@pytest.fixture
def store(tmp_path: Path, db_url: str, request: pytest.FixtureRequest) -> tuple[Cli, str]:
    """A store (init, keys rick/anna, one record) on SQLite or PostgreSQL, and its item id."""
    if db_url.startswith("sqlite"):
        template, item = request.getfixturevalue("sqlite_template")
        home = tmp_path / "home"
        shutil.copytree(template, home)
        return Cli(home, f"sqlite:///{home / 'ledger.db'}"), item
    cli = Cli(tmp_path / "home", db_url)
    return cli, _set_up_store(cli)


@pytest.fixture
def cli(store: tuple[Cli, str]) -> Cli:
    return store[0]


@pytest.fixture
def item(store: tuple[Cli, str]) -> str:
    return store[1]
