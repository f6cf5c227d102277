"""``nfc provision | verify | list``: secure NFC tags (NTAG 424 DNA), see docs/nfc.md."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from provenance.errors import ConfigurationError, InputError

from .app import app
from .context import state
from .output import console, emit, note

# The tags wing (cryptography, SQLAlchemy) is imported by the commands that use it.
if TYPE_CHECKING:
    from provenance.ledger.ledger import Ledger

__all__: list[str] = []

nfc_app = typer.Typer(
    help="Secure NFC tags (NTAG 424 DNA): provision, verify, list.", no_args_is_help=True
)
app.add_typer(nfc_app, name="nfc")

#: The NFC master key's own passphrase; without it the usual PROVENANCE_PASSPHRASE.
NFC_PASSPHRASE_ENV = "PROVENANCE_NFC_PASSPHRASE"  # noqa: S105  (a variable name)
_MIN_NEW_PASSPHRASE = 8


def _passphrase(*, new: bool) -> str:
    """The master key's passphrase: ``PROVENANCE_NFC_PASSPHRASE``, ``PROVENANCE_PASSPHRASE``,
    else asked for on a terminal (twice for a new key)."""
    value = os.environ.get(NFC_PASSPHRASE_ENV)
    if value:
        return value
    if state.settings.passphrase is not None:
        return state.settings.passphrase.get_secret_value()
    if not sys.stdin.isatty():
        raise ConfigurationError(
            f"no passphrase for the NFC master key: set {NFC_PASSPHRASE_ENV} "
            "(or PROVENANCE_PASSPHRASE) or run on a terminal"
        )
    if not new:
        return str(typer.prompt("Passphrase for the NFC master key", hide_input=True))
    value = str(
        typer.prompt(
            "New passphrase for the NFC master key", hide_input=True, confirmation_prompt=True
        )
    )
    if len(value) < _MIN_NEW_PASSPHRASE:
        raise InputError(f"a key passphrase needs at least {_MIN_NEW_PASSPHRASE} characters")
    return value


def _master_key(ledger: "Ledger", *, create: bool) -> tuple[bytes, bool]:
    """Unlock the store's NFC master key; with ``create``, make it if the store has none.
    Returns the key and whether it was made now."""
    from provenance.tags.nfc.binding import store_has_nfc_tags
    from provenance.tags.nfc.master import MasterKeyFile

    files = MasterKeyFile.in_home(state.settings.home)
    if files.exists():
        return files.load(_passphrase(new=False)), False
    if store_has_nfc_tags(ledger.engine):
        raise ConfigurationError(
            f"this store has NFC tags but no master key at {files.path}; restore the file "
            "from a backup (a new key would make every tag written so far fail to verify)"
        )
    if not create:
        raise ConfigurationError(
            f"no NFC master key at {files.path}; 'provenance nfc provision' makes one"
        )
    key, created = files.load_or_create(_passphrase(new=True))
    if created:
        note(
            f"Created the store's NFC master key at {files.path}. Back it up: "
            "without it no NFC tag verifies."
        )
    return key, created


@nfc_app.command("provision")
def provision(
    item: Annotated[str, typer.Argument(help="The item id.")],
    uid: Annotated[
        str,
        typer.Option("--uid", help="The tag's 7-byte UID as 14 hex digits (04DE5F1EACC040)."),
    ],
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Site the tag's URL points to (PROVENANCE_BASE_URL)."),
    ] = None,
) -> None:
    """Bind an NTAG 424 DNA to the item (a signed tag event; the item's earlier NFC tag is
    revoked) and print what a tag-writing app needs: URL, offsets, file settings, keys."""
    from provenance.ledger.itemid import parse_item_id
    from provenance.tags.nfc.binding import bind_tag, check_signer
    from provenance.tags.nfc.provision import tap_url_template
    from provenance.tags.nfc.uid import parse_uid

    tag_uid = parse_uid(uid)
    item_id = parse_item_id(item)
    site = base_url or state.settings.base_url
    tap_url_template(site, item_id)  # a bad base URL before anything is unlocked or made
    ledger = state.ledger()
    ledger.history(item_id)  # an unknown item before any key is unlocked
    signer = state.signer()
    check_signer(ledger, signer)  # before a first master key is made for nothing
    master, created = _master_key(ledger, create=True)
    bound = bind_tag(
        ledger,
        signer=signer,
        item=item_id,
        uid=tag_uid,
        master_key=master,
        base_url=site,
    )
    p = bound.provisioning

    def human() -> None:
        width = max(len(label) for label, _ in p.lines())
        for label, value in p.lines():
            console.print(f"{label:<{width}}  {value}", markup=False)
        console.print(
            f"Bound to {p.item} by tag event {bound.seq}; earlier NFC tags of the item are "
            "revoked.",
            markup=False,
        )

    emit(
        {
            "ok": True,
            "item": p.item,
            "seq": bound.seq,
            "log_index": bound.log_index,
            "url_template": p.url_template,
            "ndef_file": p.ndef_file.hex().upper(),
            "picc_data_offset": p.picc_data_offset,
            "mac_input_offset": p.mac_input_offset,
            "mac_offset": p.mac_offset,
            "file_settings": p.file_settings.hex().upper(),
            "uid_commitment": p.uid_commitment,
            "app_master_key": p.keys.app_master.hex().upper(),
            "meta_read_key": p.keys.meta_read.hex().upper(),
            "file_read_key": p.keys.file_read.hex().upper(),
            "last_counter": bound.last_counter,
            "master_key_created": created,
        },
        human,
    )
    note("The keys above are secrets: write them to the tag, then discard this output.")
    if bound.last_counter is not None:
        note(
            f"This tag was provisioned before and read up to counter {bound.last_counter}: "
            "taps read as genuine only above it."
        )


@nfc_app.command("verify")
def verify(
    url: Annotated[
        str, typer.Argument(help="A tap URL: https://.../n/ITEM?picc_data=...&cmac=...")
    ],
) -> None:
    """Check a tap URL against the store without recording it as a buyer's tap (the tag's
    counter is not advanced). Exit 0 if genuine, 1 otherwise."""
    from provenance.tags.nfc.taps import check_tap, split_tap_url

    item_id, _query = split_tap_url(url)
    ledger = state.ledger()
    ledger.history(item_id)  # an unknown item before the key is unlocked
    master, _created = _master_key(ledger, create=False)
    verdict = check_tap(
        ledger.engine, item=item_id, url_or_query=url, master_key=master, record=False
    )

    def human() -> None:
        console.print(f"{verdict.verdict.upper()}: {verdict.text}", markup=False)
        console.print(f"  item        {verdict.item}", markup=False)
        console.print(f"  detail      {verdict.detail}", markup=False)
        for label, value in (
            ("tag", f"{verdict.tag}…" if verdict.tag else None),
            ("provisioned", verdict.provisioned_at),
            ("replaced", verdict.replaced_at),
            ("bound to", verdict.bound_item),
        ):
            if value is not None:
                console.print(f"  {label:<11} {value}", markup=False)

    emit({"ok": verdict.genuine, **verdict.to_json()}, human)
    if not verdict.genuine:
        raise typer.Exit(1)


@nfc_app.command("list")
def list_(item: Annotated[str, typer.Argument(help="The item id.")]) -> None:
    """The item's NFC tags, current and revoked, by UID commitment prefix and date."""
    from provenance.ledger.itemid import parse_item_id
    from provenance.tags.nfc.binding import nfc_tags

    item_id = parse_item_id(item)
    tags = nfc_tags(state.ledger(), item_id)

    def human() -> None:
        if not tags:
            console.print(f"{item_id}: no NFC tags", markup=False)
            return
        events = "event" if len(tags) == 1 else "events"
        console.print(f"{item_id}: {len(tags)} NFC tag {events}", markup=False)
        for t in tags:
            state_text = f"moved to {t.bound_item}" if t.state == "moved" else t.state
            counter = "no taps" if t.last_counter is None else f"read up to {t.last_counter}"
            console.print(
                f"  {t.at}  seq {t.seq:<4} {t.prefix}…  {state_text:<9}  {counter}", markup=False
            )

    emit({"ok": True, "item": item_id, "tags": [t.to_json() for t in tags]}, human)
