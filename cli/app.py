"""The Typer application and its global options."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from pathlib import Path
from typing import Annotated

import typer

from .context import state

__all__ = ["app"]

app = typer.Typer(
    name="provenance",
    help="Signed, hash-chained provenance ledger for rare records and film prints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _global_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: SQLite in the home directory).",
            envvar="PROVENANCE_DB_URL",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key", help="Name of the signing key (default: admin).", envvar="PROVENANCE_KEY"
        ),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Directory for the SQLite ledger and key files.",
            envvar="PROVENANCE_HOME",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Options that apply to every command."""
    state.configure(home=home, db=db, key=key, json=json)
