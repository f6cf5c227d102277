"""Output: one JSON object per command with ``--json``, readable text otherwise.

Results go to stdout; progress bars and notes go to stderr so scripts can pipe stdout.

rich is imported the first time something is printed through it (not for ``--help``, nor for
a command that only writes JSON): importing it costs a third of what ``import typer`` does.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .context import state

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["LazyConsole", "console", "emit", "err_console", "note", "progress_bar"]


class LazyConsole:
    """A rich :class:`~rich.console.Console` that is built (and rich imported) on first use."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def get(self) -> Console:
        """The console itself."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    def print(self, *objects: Any, **options: Any) -> None:
        """:meth:`rich.console.Console.print`."""
        self.get().print(*objects, **options)

    @property
    def is_terminal(self) -> bool:
        """Whether the console writes to a terminal."""
        return self.get().is_terminal


console = LazyConsole()
err_console = LazyConsole(stderr=True)


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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console.get(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
