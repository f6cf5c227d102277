"""Shared by the bench scripts: the machine block and the results-file format.

Every bench writes ``bench/results/<name>.json``::

    {"bench": "<name>", "title": "...", "command": "...", "params": {...},
     "machine": {...machine_info()...},
     "figures": [{"figure": "...", "value": 6123.4, "unit": "events/s",
                  "target": 5000 | "free text" | null, "meets": true | false | null}, ...],
     "details": {...anything else, not rendered...}}

``bench/report.py`` renders every such file; a new bench only has to write one.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# Library versions that move the numbers (crypto backend, JSON canonicaliser, ORM, validator).
_PACKAGES = ("cryptography", "rfc8785", "SQLAlchemy", "pydantic", "pydantic_core")


@dataclass(frozen=True)
class Figure:
    """One measured figure and the target it is held to (``target`` None: for context only).

    A numeric ``target`` means "at least this many ``unit``"; a string target is shown as is and
    ``meets`` must then be given explicitly.
    """

    figure: str
    value: float
    unit: str
    target: float | str | None = None
    meets: bool | None = None

    def to_json(self) -> dict[str, Any]:
        meets = self.meets
        if meets is None and isinstance(self.target, int | float):
            meets = self.value >= self.target
        return {
            "figure": self.figure,
            "value": round(self.value, 2),
            "unit": self.unit,
            "target": self.target,
            "meets": meets,
        }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)  # kB -> GiB
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """What the figures were measured on, and when."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": cores,
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {p: _version(p) for p in _PACKAGES},
        # Other work on the machine skews the figures; the load at the end of the run says how much.
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write_results(
    name: str,
    *,
    title: str,
    params: dict[str, Any],
    figures: list[Figure],
    details: dict[str, Any] | None = None,
) -> Path:
    """Write ``bench/results/<name>.json`` and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    doc = {
        "bench": name,
        "title": title,
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "params": params,
        "machine": machine_info(),
        "figures": [f.to_json() for f in figures],
        "details": details or {},
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path
