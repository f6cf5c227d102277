"""``partners add | list | revoke``: API keys for resale partners (staff only)."""

from __future__ import annotations

from typing import Annotated

import typer

from provenance.partners import (
    DEFAULT_RATE_LIMIT,
    Partner,
    add_partner,
    list_partners,
    revoke_partner,
)

from .app import app
from .context import state
from .output import console, emit, note

__all__: list[str] = []

partners_app = typer.Typer(
    help="API keys for partners (the key is shown once; only its hash is stored).",
    no_args_is_help=True,
)
app.add_typer(partners_app, name="partners")


def _line(p: Partner) -> str:
    status = f"revoked {p.revoked_at}" if p.revoked_at else "active"
    scopes = ",".join(sorted(p.scopes))
    return f"{p.id}  {p.name}  [{scopes}]  {p.rate_limit}/min  {p.created_at}  {status}"


@partners_app.command()
def add(
    name: Annotated[str, typer.Argument(help="Who the key is for, e.g. 'Discogs Marketplace'.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="items:read, log:read or verify; repeat for several (default: all).",
        ),
    ] = None,
    rate_limit: Annotated[
        int, typer.Option("--rate-limit", help="Requests per minute, shared by all workers.")
    ] = DEFAULT_RATE_LIMIT,
) -> None:
    """Issue an API key and print it once (it cannot be shown again)."""
    partner, key = add_partner(
        state.ledger().engine, name=name, scopes=scope, rate_limit=rate_limit
    )

    def human() -> None:
        console.print(key, markup=False)
        note(f"Partner key {partner.id} for {partner.name!r}: {', '.join(sorted(partner.scopes))}")
        note("This is the only time the key is shown; only its SHA-256 is stored.")

    emit({"ok": True, "key": key, "partner": partner.to_json()}, human)


@partners_app.command("list")
def list_() -> None:
    """List partner keys (ids, names, scopes, limits, revocations; never the keys)."""
    records = list_partners(state.ledger().engine)

    def human() -> None:
        for p in records:
            console.print(_line(p), markup=False)
        console.print(f"{len(records)} partner key(s)")

    emit({"ok": True, "partners": [p.to_json() for p in records]}, human)


@partners_app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, pid_... (see 'list').")],
) -> None:
    """Revoke a partner key; every API worker refuses it from the next request on."""
    partner = revoke_partner(state.ledger().engine, key_id)
    emit(
        {"ok": True, "partner": partner.to_json()},
        lambda: console.print(f"Revoked {partner.id} ({partner.name})", markup=False),
    )
