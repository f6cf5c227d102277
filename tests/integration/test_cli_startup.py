"""A command imports only what it uses: the installed console script in a subprocess, with an
exit hook that reports every module the process imported.

``--help`` and the ledger's everyday commands must not load the chain (web3, eth-tester,
eth-account), the web server (FastAPI, Starlette, uvicorn) or the tag stack (qrcode, fpdf2);
the commands that need them load them when they run. No timings here: ``bench/cli_startup.py``
measures those.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from provenance_cli import partners_cmd

from provenance.partners import DEFAULT_RATE_LIMIT

from .conftest import PROVENANCE, Cli, Result

HEAVY = frozenset(
    {"web3", "eth_tester", "eth_account", "fastapi", "starlette", "uvicorn", "fpdf", "qrcode"}
)
#: ``--help`` needs typer and the standard library; the ledger's stack is not for it either.
NOT_FOR_HELP = HEAVY | {"sqlalchemy", "pydantic", "pydantic_settings", "cryptography", "rich"}
#: Migrations are for ``init``; every other command checks the schema with one plain query.
NOT_FOR_READS = HEAVY | {"alembic", "pydantic_settings"}

# Runs the console script as the shell would, and at exit writes the top-level names of the
# imported modules to the file in PROVENANCE_TEST_MODULES.
_RUN_AND_REPORT = """
import atexit, json, os, runpy, sys

def report():
    with open(os.environ["PROVENANCE_TEST_MODULES"], "w") as out:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), out)

atexit.register(report)
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
"""

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def run_and_list(
    cli: Cli, *args: str, env: dict[str, str] | None = None
) -> tuple[Result, set[str]]:
    """Run ``provenance ARGS`` against the store; return its result and the packages it
    imported (top-level names)."""
    modules = cli.home.parent / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_AND_REPORT, PROVENANCE, *args],
        env={**cli.env, **(env or {}), "PROVENANCE_TEST_MODULES": str(modules)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    loaded = set(json.loads(modules.read_text()))
    modules.unlink()
    return Result(proc.returncode, proc.stdout, proc.stderr), loaded


def test_help_imports_typer_and_little_else(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'home' / 'ledger.db'}")
    (tmp_path / "home").mkdir()
    result, loaded = run_and_list(cli, "--help")
    assert result.code == 0 and "Usage: provenance" in result.out
    assert "typer" in loaded and "provenance_cli" in loaded
    assert not loaded & NOT_FOR_HELP, sorted(loaded & NOT_FOR_HELP)


@sqlite_only
@pytest.mark.parametrize(
    "args",
    [
        ("show", "{item}"),
        ("--json", "show", "{item}"),
        ("items",),
        ("audit",),
        ("keys", "list"),
        ("show", "--help"),
    ],
    ids=lambda args: " ".join(args),
)
def test_reading_commands_load_no_heavy_package(cli: Cli, item: str, args: tuple[str, ...]) -> None:
    result, loaded = run_and_list(cli, *(a.format(item=item) for a in args))
    assert result.code == 0, result.err
    assert not loaded & NOT_FOR_READS, sorted(loaded & NOT_FOR_READS)
    if args[-1] != "--help":
        assert {"sqlalchemy", "pydantic"} <= loaded  # it did open the ledger


@sqlite_only
def test_writing_commands_load_no_heavy_package(cli: Cli, item: str) -> None:
    registered, loaded = run_and_list(
        cli,
        "--json",
        "--key",
        "rick",
        "register",
        "--kind",
        "film",
        "--title",
        "The Third Man",
        "--gauge",
        "16mm",
    )
    assert registered.code == 0, registered.err
    assert not loaded & NOT_FOR_READS, sorted(loaded & NOT_FOR_READS)
    grade = ["grade", item, "--media", "NM", "--sleeve", "VG+", "--method", "visual"]
    graded, loaded = run_and_list(cli, "--json", "--key", "anna", *grade)
    assert graded.code == 0, graded.err
    assert graded.json()["data"]["media"] == "NM"
    assert not loaded & NOT_FOR_READS, sorted(loaded & NOT_FOR_READS)


@sqlite_only
def test_a_command_error_is_one_line_without_heavy_imports(cli: Cli) -> None:
    result, loaded = run_and_list(cli, "show", "ZZZZZ-ZZZZZ-Z")
    assert result.code in (2, 3) and result.err.startswith("provenance: error: ")
    assert len(result.err.splitlines()) == 1
    assert not loaded & NOT_FOR_READS


@sqlite_only
def test_tag_and_labels_load_the_tag_stack_when_they_run(
    cli: Cli, item: str, tmp_path: Path
) -> None:
    png = tmp_path / "tag.png"
    result, loaded = run_and_list(cli, "--json", "tag", item, "-o", str(png))
    assert result.code == 0, result.err
    assert result.json()["url"].startswith("http://127.0.0.1:8000/v/")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "qrcode" in loaded
    assert not loaded & (HEAVY - {"qrcode"})
    sheet = tmp_path / "sheet.pdf"
    result, loaded = run_and_list(cli, "--json", "labels", item, "-o", str(sheet))
    assert result.code == 0, result.err
    assert sheet.read_bytes().startswith(b"%PDF")
    assert {"qrcode", "fpdf"} <= loaded


@sqlite_only
def test_chain_commands_load_web3_when_they_run(cli: Cli) -> None:
    # An error raised inside the lazily imported chain code still becomes one line and its
    # exit code (7: chain unavailable).
    result, loaded = run_and_list(
        cli,
        "chain",
        "status",
        "--chain",
        "http://127.0.0.1:9",
        "--chain-id",
        "31337",
        env={"PROVENANCE_RPC_RETRIES": "0"},
    )
    assert result.code == 7, result.err
    assert result.err.startswith("provenance: error: cannot reach http://127.0.0.1:9")
    assert "web3" in loaded
    assert not loaded & {"fastapi", "starlette", "uvicorn", "fpdf", "qrcode"}


@sqlite_only
@pytest.mark.slow
def test_anchor_on_the_embedded_chain_loads_the_chain_stack(cli: Cli) -> None:
    result, loaded = run_and_list(cli, "--json", "anchor", "--chain", "embedded")
    assert result.code == 0, result.err
    assert result.json()["state"] == "final"
    assert {"web3", "eth_tester", "eth_account"} <= loaded


def test_partners_help_shows_the_library_default() -> None:
    # The CLI repeats the default rate limit so that --help needs no SQLAlchemy.
    assert partners_cmd.DEFAULT_RATE_LIMIT == DEFAULT_RATE_LIMIT


def test_commands_close_the_sqlite_ledger_on_the_way_out(tmp_path: Path) -> None:
    # The CLI spares the exiting interpreter its last garbage collections (cli/main.py); it
    # must still close every SQLite connection, so that no -wal file outlives a command.
    home = tmp_path / "home"
    cli = Cli(home, f"sqlite:///{home / 'ledger.db'}")
    wal = home / "ledger.db-wal"
    cli.ok("init", "--store-name", "Closing Records")  # an engine the command made itself
    assert not wal.exists()
    item = cli.ok("register", "--kind", "vinyl", "--title", "T", "--artist", "A")["item"]
    assert not wal.exists()
    assert cli.run("show", item).code == 0 and not wal.exists()
    assert cli.run("show", "ZZZZZ-ZZZZZ-Z").code in (2, 3) and not wal.exists()
