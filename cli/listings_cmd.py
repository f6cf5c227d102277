"""The Discogs bridge: ``import --format discogs`` (in :mod:`.items`, done here) and
``listings export --format discogs``, the upload CSV whose every listing links to its proof."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from provenance.errors import InputError
from provenance.ledger.grading import GradingMethod

from .app import app
from .context import state
from .output import console, emit, note, progress_bar

# The ledger (SQLAlchemy, pydantic) is imported by the commands that use it.
if TYPE_CHECKING:
    from provenance.ledger.discogs import Skipped

__all__ = ["ImportFormat", "import_discogs"]


class ImportFormat(StrEnum):
    """What ``provenance import`` reads."""

    PROVENANCE = "provenance"
    DISCOGS = "discogs"


class ListingFormat(StrEnum):
    """What ``provenance listings export`` writes."""

    DISCOGS = "discogs"


listings_app = typer.Typer(
    help="Marketplace listings that link to each item's proof (Discogs upload CSV).",
    no_args_is_help=True,
)
app.add_typer(listings_app, name="listings")


def import_discogs(
    file: Path, *, grader: str | None, method: GradingMethod | None, ids_out: Path | None
) -> None:
    """``import --format discogs FILE --grader NAME``: register and grade every vinyl listing
    of a Discogs inventory export not imported before, in one transaction."""
    from provenance.ledger.discogs import read_inventory
    from provenance.ledger.listings import import_listings, plan_import

    if grader is None:
        raise InputError("--format discogs needs --grader NAME, the key that signs the grades")
    inventory = read_inventory(file, method=method or GradingMethod.VISUAL)
    ledger = state.ledger()
    plan = plan_import(ledger.engine, inventory)
    imported = []
    if plan.listings:
        registrar, grading = state.signer(), state.named_signer(grader)
        with progress_bar("Registering", total=len(plan.listings)) as advance:
            imported = import_listings(
                ledger,
                registrar=registrar,
                grader=grading,
                listings=plan.listings,
                progress=advance,
            )
    if ids_out is not None:
        rows = "".join(f"{i.line},{i.listing_id},{i.item}\n" for i in imported)
        _write(ids_out, "line,listing_id,item\n" + rows)

    def human() -> None:
        if imported:
            count = len(imported)
            console.print(f"Registered and graded {count} records from {file} (grades by {grader})")
        else:
            console.print(f"Nothing to register from {file}")
        _print_skipped(plan.skipped)

    emit(
        {
            "ok": True,
            "count": len(imported),
            "items": [i.item for i in imported],
            "imported": [
                {"line": i.line, "listing_id": str(i.listing_id), "item": i.item} for i in imported
            ],
            "skipped": [
                {"line": s.line, "listing_id": s.listing_id, "reason": s.reason}
                for s in plan.skipped
            ],
        },
        human,
    )


@listings_app.command("export")
def export(
    items: Annotated[
        list[str] | None,
        typer.Argument(help="Items to list (default: every item with a Discogs release)."),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the upload CSV.")
    ] = Path("upload.csv"),
    format_: Annotated[
        ListingFormat, typer.Option("--format", help="discogs: the Discogs upload CSV.")
    ] = ListingFormat.DISCOGS,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="Verification site listings link to (PROVENANCE_BASE_URL)."
        ),
    ] = None,
) -> None:
    """Write the Discogs upload CSV: each item's release, its newest grade in Discogs' words,
    the item id as external_id, and comments ending with its verification URL. A named item
    that cannot be listed is an error; with none named, such items are skipped and listed."""
    from functools import partial
    from urllib.parse import urlsplit

    from provenance.ledger.discogs import upload_csv
    from provenance.ledger.listings import upload_rows
    from provenance.tags.codes import check_base_url, page_url

    base = check_base_url(base_url or state.settings.base_url)
    host = (urlsplit(base).hostname or "").lower()
    warnings = []
    if host in ("127.0.0.1", "::1", "localhost") or host.endswith(".localhost"):
        warnings.append(
            f"the listings link to {base}, which buyers on Discogs cannot open; "
            "set PROVENANCE_BASE_URL (or --base-url) to the store's public address"
        )
    url = partial(page_url, base)
    plan = upload_rows(state.ledger().engine, items=items or (), url=url)
    if not plan.rows:
        why = "; ".join(f"{item}: {reason}" for item, reason in plan.skipped[:3])
        raise InputError(
            "nothing to list on Discogs: "
            + (
                f"every item with a release was skipped ({why})"
                if why
                else "no item names a release"
            )
        )
    _write(output, upload_csv(plan.rows))
    for warning in warnings:
        note(f"warning: {warning}")

    def human() -> None:
        console.print(f"Wrote {len(plan.rows)} Discogs listings to {output}")
        if plan.skipped:
            console.print(f"Skipped {len(plan.skipped)}:")
            for item, reason in plan.skipped:
                console.print(f"  {item}: {reason}")

    emit(
        {
            "ok": True,
            "format": str(format_),
            "file": str(output),
            "count": len(plan.rows),
            "items": [row.external_id for row in plan.rows],
            "skipped": [{"item": item, "reason": reason} for item, reason in plan.skipped],
            "warnings": warnings,
        },
        human,
    )


def _print_skipped(skipped: "list[Skipped]") -> None:
    if skipped:
        console.print(f"Skipped {len(skipped)}:")
        for s in skipped:
            console.print(f"  line {s.line}: listing {s.listing_id or '(none)'}: {s.reason}")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
