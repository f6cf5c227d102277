"""``owners list`` and ``owners forget``: the personal-data vault, staff only."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from typing import Annotated

import typer

from .app import app
from .context import state
from .output import console, emit

__all__: list[str] = []

owners_app = typer.Typer(
    help="The erasable owner vault (personal data; staff only).", no_args_is_help=True
)
app.add_typer(owners_app, name="owners")


@owners_app.command("list")
def list_() -> None:
    """List owners in the vault (names and contacts are personal data)."""
    from provenance.privacy.vault import list_owners

    records = list_owners(state.ledger().engine)

    def human() -> None:
        for r in records:
            who = "(forgotten)" if r.forgotten_at else f"{r.label}  {r.contact or ''}"
            console.print(f"{r.owner_id}  {r.created_at}  {who}")
        console.print(f"{len(records)} owner(s)")

    emit({"ok": True, "owners": [r.to_json() for r in records]}, human)


@owners_app.command()
def forget(owner: Annotated[str, typer.Argument(help="Owner id, e.g. own_3f9a...")]) -> None:
    """Erase an owner's name, contact and commitment salt; the chain stays intact."""
    from provenance.privacy.vault import forget_owner

    record = forget_owner(state.ledger().engine, owner)
    emit(
        {"ok": True, "owner": record.owner_id, "forgotten_at": record.forgotten_at},
        lambda: console.print(f"Forgot {record.owner_id}: name, contact and salt erased"),
    )
