"""Render every ``bench/results/*.json`` as one markdown table for the README.

Each results file (see ``bench/_results.py``) carries a ``title``, a ``machine`` block and a
list of ``figures`` rows ``{"figure","value","unit","target","meets"}``; a new bench only has
to write such a file. The table goes to stdout, to ``bench/results/README-table.md`` and into
README.md between the ``<!-- bench-table -->`` markers.

    .venv/bin/python bench/report.py [RESULTS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
OUTPUT = "README-table.md"
_MEETS = {True: "yes", False: "**no**", None: ""}


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _target(row: dict[str, Any]) -> str:
    target = row.get("target")
    if target is None:
        return ""
    if isinstance(target, str):
        return target
    if float(target).is_integer():
        return f"≥ {int(target):,}"
    return f"≥ {_number(target)}"


def _machine(machine: dict[str, Any]) -> str:
    ram = f", {machine['ram_gib']:g} GiB RAM" if machine.get("ram_gib") else ""
    return (
        f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores{ram}; "
        f"Python {machine.get('python', '?')}, SQLite {machine.get('sqlite', '?')}"
    )


def _load(directory: Path) -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for path in sorted(directory.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            sys.exit(f"{path}: not a readable results file: {exc}")
        if not isinstance(doc, dict) or not isinstance(doc.get("figures"), list):
            sys.exit(f"{path}: no 'figures' list")
        docs.append((path, doc))
    return docs


def render(docs: list[tuple[Path, dict[str, Any]]]) -> str:
    """The markdown: one table, then one line per distinct machine and the run dates."""
    lines = [
        "| Benchmark | Figure | Value | Unit | Target | Meets |",
        "|---|---|--:|---|--:|:-:|",
    ]
    machines: dict[str, list[str]] = {}
    for path, doc in docs:
        title = doc.get("title") or path.stem
        for row in doc["figures"]:
            cells = [
                title,
                row["figure"],
                _number(row["value"]),
                row.get("unit", ""),
                _target(row),
                _MEETS.get(row.get("meets")),
            ]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
        machine = doc.get("machine") or {}
        when = (machine.get("date") or "")[:10]
        machines.setdefault(_machine(machine), []).append(f"{title} {when}".strip())
    lines.append("")
    for machine, runs in machines.items():
        lines.append(f"Measured on {machine} ({'; '.join(runs)}).")
    lines.append("Reproduce with `bench/run_all`.")
    return "\n".join(lines) + "\n"


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    docs = _load(directory)
    if not docs:
        sys.exit(f"no results in {directory}; run bench/run_all first")
    text = render(docs)
    (directory / OUTPUT).write_text(text, encoding="utf-8")
    if directory == RESULTS:
        splice_into_readme(text)
    print(text, end="")


def splice_into_readme(table: str) -> None:
    """Replace the text between the README's bench-table markers with ``table``."""
    readme = RESULTS.parent.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench-table -->\n", "<!-- /bench-table -->"
    if start not in text or end not in text:
        sys.exit("README.md has no <!-- bench-table --> markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(head + start + table + end + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
