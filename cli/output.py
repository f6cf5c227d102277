"""Output: one JSON object per command with ``--json``, readable text otherwise.

Results go to stdout; progress bars and notes go to stderr so scripts can pipe stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .context import state

__all__ = ["console", "emit", "err_console", "note", "progress_bar"]

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def emit(data: dict[str, Any], human: Callable[[], None]) -> None:
    """Print ``data`` as one JSON object with ``--json``; otherwise run ``human``."""
    if state.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        human()


def note(message: str) -> None:
    """A remark for people, on stderr (never mixed into ``--json`` output)."""
    if not state.json:
        err_console.print(message)


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (silent with ``--json`` or when stderr is not a terminal);
    yields a callback taking the number of units done so far."""
    if state.json or not err_console.is_terminal:
        yield lambda _done: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
