"""CLI start-up: ``provenance --help``, ``show ITEM`` and ``items`` against their floors.

A command should cost little more than the libraries it cannot do without. The floor of
``--help`` is ``python -c "import typer"``; the floor of ``show`` and ``items`` is Python
importing typer, SQLAlchemy, pydantic and cryptography's Ed25519. The target is at most 1.5
times the floor.

A small store is made with the CLI in a temporary directory (``init``, three registrations,
a grade). Every command is then run ``--runs`` times, each run paired with a run of its floor
in the same loop (command, floor, next command, its floor, ...), so both see the same load on
the machine; the figures are medians of wall time, process start to exit, with the venv's
Python and console script. Bytecode is cached in a temporary ``PYTHONPYCACHEPREFIX`` (after
one warm-up run of each) as it is for an installed wheel, even where the environment sets
``PYTHONDONTWRITEBYTECODE``.

    .venv/bin/python bench/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import Figure, write_results

TARGET_RATIO = 1.5
PASSPHRASE = "bench-passphrase-1"
PYTHON = sys.executable
PROVENANCE = str(Path(sys.executable).with_name("provenance"))
TYPER_FLOOR = [PYTHON, "-c", "import typer"]
LEDGER_FLOOR = [
    PYTHON,
    "-c",
    "import typer, sqlalchemy, pydantic, cryptography.hazmat.primitives.asymmetric.ed25519",
]
_RECORDS = [
    ["--kind", "vinyl", "--title", "Blue Train", "--artist", "John Coltrane", "--year", "1957"],
    ["--kind", "vinyl", "--title", "Kind of Blue", "--artist", "Miles Davis", "--label", "CBS"],
    ["--kind", "film", "--title", "The Third Man", "--director", "Carol Reed", "--gauge", "16mm"],
]


def _environment(home: Path, pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PROVENANCE_HOME=str(home),
        PROVENANCE_PASSPHRASE=PASSPHRASE,
        PYTHONPYCACHEPREFIX=str(pycache),
        COLUMNS="100",
    )
    return env


def _cli(env: dict[str, str], *args: str) -> dict[str, object]:
    proc = subprocess.run(
        [PROVENANCE, "--json", *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"provenance {' '.join(args)} failed: {proc.stderr.strip()}")
    data = json.loads(proc.stdout)
    assert isinstance(data, dict)
    return data


def make_store(env: dict[str, str]) -> str:
    """The store the commands read; returns the item ``show`` displays."""
    _cli(env, "init", "--store-name", "Bench Records")
    items = [str(_cli(env, "register", *record)["item"]) for record in _RECORDS]
    _cli(env, "grade", items[0], "--media", "VG+", "--sleeve", "VG", "--method", "play")
    return items[0]


def _wall_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed: {proc.stderr.decode().strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provenance-bench-") as tmp:
        env = _environment(Path(tmp) / "home", Path(tmp) / "pycache")
        item = make_store(env)
        pairs = {
            "provenance --help": ([PROVENANCE, "--help"], "python -c 'import typer'", TYPER_FLOOR),
            "provenance show ITEM": (
                [PROVENANCE, "show", item],
                "python -c 'import typer, sqlalchemy, pydantic, cryptography…ed25519'",
                LEDGER_FLOOR,
            ),
            "provenance items": (
                [PROVENANCE, "items"],
                "python -c 'import typer, sqlalchemy, pydantic, cryptography…ed25519'",
                LEDGER_FLOOR,
            ),
        }
        for command, _label, floor in pairs.values():  # warm-up: bytecode caches, disk cache
            _wall_ms(command, env)
            _wall_ms(floor, env)
        samples: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in pairs}
        for _ in range(args.runs):
            for name, (command, _label, floor) in pairs.items():
                samples[name][0].append(_wall_ms(command, env))
                samples[name][1].append(_wall_ms(floor, env))

    figures = []
    details: dict[str, object] = {}
    for name, (_command, label, _floor) in pairs.items():
        ms = statistics.median(samples[name][0])
        floor_ms = statistics.median(samples[name][1])
        ratio = ms / floor_ms
        figures += [
            Figure(f"`{name}`, median of {args.runs}", ms, "ms"),
            Figure(f"its floor: `{label}`", floor_ms, "ms"),
            Figure(
                f"`{name}` / its floor",
                ratio,
                "×",
                target=f"≤ {TARGET_RATIO:g}×",
                meets=ratio <= TARGET_RATIO,
            ),
        ]
        details[name] = {
            "command_ms": [round(v, 1) for v in samples[name][0]],
            "floor_ms": [round(v, 1) for v in samples[name][1]],
        }
    path = write_results(
        "cli_startup",
        title="CLI start-up",
        params={
            "runs": args.runs,
            "store": f"{len(_RECORDS)} items; show reads one with 2 events",
            "bytecode": "cached (PYTHONPYCACHEPREFIX in the temporary directory)",
            "statistic": "median wall time; each run paired with a run of its floor",
        },
        figures=figures,
        details=details,
    )
    for f in figures:
        print(f"  {f.figure:<86} {f.value:>8.2f} {f.unit}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
