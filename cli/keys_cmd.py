"""``keys create | list | rotate | revoke``: staff keys, each change a signed key event."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from typing import TYPE_CHECKING, Annotated

import typer

from provenance.errors import InputError
from provenance.vocab import Role

from .app import app
from .context import state
from .output import console, emit

if TYPE_CHECKING:
    from provenance.keys.signing import SigningKey
    from provenance.ledger.ledger import StoredEvent

__all__: list[str] = []

keys_app = typer.Typer(help="Staff signing keys (admin, registrar, grader).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command()
def create(
    name: Annotated[str, typer.Argument(help="Key name, e.g. 'grader-anna'.")],
    role: Annotated[Role, typer.Option("--role", help="admin, registrar or grader.")],
) -> None:
    """Create a staff key (encrypted on disk) and add it to the key history."""
    from provenance.keys.signing import SigningKey, validate_key_name

    validate_key_name(name)
    ledger = state.ledger()
    signer = state.signer()
    files = state.key_files
    if files.exists(name):
        raise InputError(f"a key file for {name!r} already exists at {files.path(name)}")
    new_key = SigningKey.generate()
    passphrase = state.new_passphrase(f"New passphrase for key {name!r}")
    # The file first: a key event whose private key was never saved would be a dead key.
    path = files.write(name, new_key, passphrase)
    try:
        stored = ledger.add_key(signer=signer, new_key=new_key, role=role, name=name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _emit_key_event("created", name, new_key, stored, extra={"role": str(role), "file": str(path)})


@keys_app.command("list")
def list_() -> None:
    """List keys with role, status and the log positions that bound their validity."""
    ledger = state.ledger()
    names = ledger.key_names()
    records = ledger.keyring().records()
    rows = [
        {**r.to_json(), "name": names.get(r.key_id), "status": "active" if r.active else "revoked"}
        for r in records
    ]

    def human() -> None:
        for row in rows:
            until = "" if row["revoked_at"] is None else f" until log index {row['revoked_at']}"
            console.print(
                f"{row['name'] or '?':<20} {row['key']}  {row['role']:<9} {row['status']:<7} "
                f"from log index {row['added_at']}{until}"
            )

    emit({"ok": True, "keys": rows}, human)


@keys_app.command()
def revoke(
    key: Annotated[str, typer.Argument(help="Key name or key id.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (no personal data).")] = None,
) -> None:
    """Revoke a key: anything it signs after this is rejected and flagged by the audit."""
    ledger = state.ledger()
    key_id = ledger.resolve_key(key)
    stored = ledger.revoke_key(signer=state.signer(), key_id=key_id, reason=reason)
    emit(
        {"ok": True, "revoked": key_id, "log_index": stored.log_index},
        lambda: console.print(f"Revoked key {key} ({key_id}) at log index {stored.log_index}"),
    )


@keys_app.command()
def rotate(
    key: Annotated[str, typer.Argument(help="Name of the key to replace.")],
    new_name: Annotated[
        str | None, typer.Option("--new-name", help="Name for the new key (default NAME-2, -3...).")
    ] = None,
) -> None:
    """Replace a key by a new one with the same role, in one key event."""
    from provenance.keys.signing import SigningKey, validate_key_name

    ledger = state.ledger()
    old_id = ledger.resolve_key(key)
    files = state.key_files
    name = new_name or _next_name(key, set(ledger.key_names().values()))
    validate_key_name(name)
    if files.exists(name):
        raise InputError(f"a key file for {name!r} already exists")
    signer = state.signer()
    new_key = SigningKey.generate()
    passphrase = state.new_passphrase(f"New passphrase for key {name!r}")
    path = files.write(name, new_key, passphrase)
    try:
        stored = ledger.rotate_key(signer=signer, old=old_id, new_key=new_key, name=name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _emit_key_event("rotated", name, new_key, stored, extra={"replaces": old_id, "file": str(path)})


def _next_name(base: str, taken: set[str]) -> str:
    stem = base.rsplit("-", 1)[0] if base.rsplit("-", 1)[-1].isdigit() else base
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _emit_key_event(
    verb: str, name: str, key: "SigningKey", stored: "StoredEvent", *, extra: dict[str, str]
) -> None:
    emit(
        {"ok": True, "name": name, "key": key.key_id, "log_index": stored.log_index, **extra},
        lambda: console.print(
            f"Key {name!r} ({key.key_id}) {verb} at log index {stored.log_index}"
        ),
    )
