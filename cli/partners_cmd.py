"""``partners add | list | revoke``: API keys for resale partners (staff only)."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from typing import TYPE_CHECKING, Annotated

import typer

from .app import app
from .context import state
from .output import console, emit, note

if TYPE_CHECKING:
    from provenance.partners import Partner

__all__: list[str] = []

#: ``provenance.partners.DEFAULT_RATE_LIMIT``, repeated here because ``--help`` shows it and
#: importing the partners module costs SQLAlchemy; a test holds the two equal.
DEFAULT_RATE_LIMIT = 600

partners_app = typer.Typer(
    help="API keys for partners (the key is shown once; only its hash is stored).",
    no_args_is_help=True,
)
app.add_typer(partners_app, name="partners")


def _line(p: "Partner") -> str:
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
    from provenance.partners import add_partner

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
    from provenance.partners import list_partners

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
    from provenance.partners import revoke_partner

    partner = revoke_partner(state.ledger().engine, key_id)
    emit(
        {"ok": True, "partner": partner.to_json()},
        lambda: console.print(f"Revoked {partner.id} ({partner.name})", markup=False),
    )
