"""The built wheel, installed into a fresh virtual environment, works without the source tree:
the console script runs, and the Alembic migrations and the contract artifact ship inside the
package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = (
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "node_modules",
    ".provenance",
)

CHECK = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import provenance
    from provenance.storage import current_revision, make_engine, schema_head, upgrade

    package = Path(provenance.__file__).parent
    assert package.is_relative_to(Path(sys.prefix)), package  # not the source tree
    migration = package / "storage" / "migrations" / "versions" / "0001_ledger.py"
    assert migration.is_file(), migration
    assert (package / "storage" / "migrations" / "script.py.mako").is_file()
    assert (package / "py.typed").is_file()
    head = schema_head()
    engine = make_engine(sys.argv[1], create=True)
    upgrade(engine)
    assert current_revision(engine) == head, (current_revision(engine), head)
    import provenance_cli  # the CLI ships as provenance_cli, not as a top-level "cli"
    for squatter in ("cli", "api"):
        try:
            __import__(squatter)
        except ImportError:
            pass
        else:
            raise AssertionError(f"the wheel installs a top-level package {squatter!r}")
    print("ok", head)
    """
)


def _run(argv: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVENANCE_", "PYTHON"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # Build from a copy of the tree as a fresh clone has it: setuptools builds in place
    # (build/, *.egg-info), and must neither litter the checkout nor pick up stale output.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(dist)],
        cwd=tmp_path,
        env=env,
    )
    wheels = list(dist.glob("provenance_ledger-*.whl"))
    assert len(wheels) == 1, wheels

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    # Dependencies come from the package index this machine is configured with.
    _run([str(python), "-m", "pip", "install", "-q", str(wheels[0])], cwd=tmp_path, env=env)

    # Run from an empty directory so nothing from the source tree can be imported.
    work = tmp_path / "work"
    work.mkdir()
    help_text = _run([str(venv / "bin" / "provenance"), "--help"], cwd=work, env=env)
    assert "Usage: provenance" in help_text
    assert "audit" in help_text and "register" in help_text
    out = _run([str(python), "-c", CHECK, f"sqlite:///{work / 'ledger.db'}"], cwd=work, env=env)
    assert out.startswith("ok ")

    # The contract's ABI and bytecode ship in the wheel: a store set up from it anchors on the
    # embedded chain with no source tree and no Node.js.
    store = {**env, "PROVENANCE_HOME": str(work / "store"), "PROVENANCE_PASSPHRASE": "wheel-pass"}
    provenance = str(venv / "bin" / "provenance")
    _run([provenance, "init", "--store-name", "Wheel Records"], cwd=work, env=store)
    anchored = json.loads(
        _run([provenance, "--json", "anchor", "--chain", "embedded"], cwd=work, env=store)
    )
    assert (anchored["state"], anchored["tree_size"], anchored["ephemeral"]) == ("final", 1, True)
