"""``log checkpoint | show | proof | consistency``: the transparency log."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from provenance.errors import InputError

from .app import app
from .context import state
from .output import console, emit

if TYPE_CHECKING:
    from provenance.log.transparency import TransparencyLog

__all__: list[str] = []

log_app = typer.Typer(help="The transparency log: checkpoints and proofs.", no_args_is_help=True)
app.add_typer(log_app, name="log")


def _log() -> "TransparencyLog":
    from provenance.log.transparency import TransparencyLog

    return TransparencyLog(state.ledger().engine)


@log_app.command()
def checkpoint() -> None:
    """Sign and store a checkpoint of the current tree, and print it."""
    log = _log()
    stored, new = log.checkpoint(state.log_signer())
    emit(
        {"ok": True, "new": new, **stored.to_json()},
        lambda: console.print(stored.note, end="", markup=False),
    )


@log_app.command()
def show() -> None:
    """Log size, latest checkpoint, and leaves not yet covered by one."""
    log = _log()
    identity = log.identity()
    size = log.size()
    latest = log.latest()
    pending = size - (latest.size if latest else 0)
    result: dict[str, Any] = {
        "ok": True,
        "origin": identity.origin,
        "verifier_key": identity.verifier_key,
        "size": size,
        "latest_checkpoint": latest.to_json() if latest else None,
        "pending": pending,
        "checkpoints": len(log.checkpoints()),
    }

    def human() -> None:
        console.print(f"Log {identity.origin}: {size} leaves, {pending} not yet in a checkpoint")
        console.print(f"Verifier key: {identity.verifier_key}", markup=False)
        if latest:
            console.print(f"Latest checkpoint ({latest.created_at}):")
            console.print(latest.note, end="", markup=False)
        else:
            console.print("No checkpoint yet: run 'provenance log checkpoint'")

    emit(result, human)


@log_app.command()
def proof(
    target: Annotated[str, typer.Argument(help="An item id, or a leaf index (a number).")],
    size: Annotated[
        int | None, typer.Option("--size", help="Tree size (default: latest covering checkpoint).")
    ] = None,
) -> None:
    """Inclusion proof(s), as JSON: of one leaf, or of every event of an item.

    With the signed checkpoint of that tree size, when there is one.
    """
    log = _log()
    if target.isdigit():
        proofs = [log.proof(index=int(target), size=size).to_json()]
    else:
        proofs = log.item_proofs(_item_id(target), size=size)
    cp = log.checkpoint_at(proofs[0]["tree_size"])
    _print_json({"ok": True, "proofs": proofs, "checkpoint": cp.note if cp else None})


@log_app.command()
def consistency(
    old: Annotated[int, typer.Argument(help="Older tree size.")],
    new: Annotated[int, typer.Argument(help="Newer tree size.")],
) -> None:
    """Consistency proof between two tree sizes, as JSON."""
    if old < 1 or new < 1:
        raise InputError("tree sizes start at 1")
    _print_json({"ok": True, **_log().consistency(old, new)})


def _print_json(data: dict[str, Any]) -> None:
    # A proof is JSON with or without --json (indented for people, one line for scripts).
    def human() -> None:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")

    emit(data, human)


def _item_id(target: str) -> str:
    from provenance.ledger.itemid import parse_item_id
    from provenance.vocab import KEY_CHAIN

    return target if target == KEY_CHAIN else parse_item_id(target)
