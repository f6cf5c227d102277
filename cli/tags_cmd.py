"""``tag ITEM`` (issue a QR tag) and ``labels ITEM...`` (a printable sheet of tags)."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from provenance.errors import InputError

from .app import app
from .context import state
from .output import console, emit, note, progress_bar

# The tags wing (qrcode, Pillow, fpdf2) is imported by the commands that use it.
if TYPE_CHECKING:
    from provenance.tags.codes import IssuedTag

__all__: list[str] = []

BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="Verification site the tag points to (PROVENANCE_BASE_URL)."),
]


def _base_url(value: str | None) -> str:
    return value or state.settings.base_url


def _write(path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


@app.command("tag")
def tag(
    item: Annotated[str, typer.Argument(help="The item id.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="tag.png or tag.svg (default ITEM.png).")
    ] = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Issue (or re-issue) the item's QR tag; earlier tags of the item stop being genuine."""
    from provenance.tags.codes import issue_tag, render_png, render_svg

    path = output or Path(f"{item.upper()}.png")
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise InputError(f"{path.name}: a tag is written as .png or .svg")
    issued = issue_tag(
        state.ledger(), signer=state.signer(), item=item, base_url=_base_url(base_url)
    )
    render = render_png if suffix == ".png" else render_svg
    _write(path, render(issued.url, issued.item))
    emit(
        {"ok": True, "item": issued.item, "url": issued.url, "path": str(path), "seq": issued.seq},
        lambda: console.print(
            f"Tag for {issued.item} written to {path}\n{issued.url}", markup=False
        ),
    )


@app.command("labels")
def labels(
    items: Annotated[list[str], typer.Argument(help="Item ids, one tag each.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="sheet.pdf or sheet.svg.")],
    paper: Annotated[str, typer.Option("--paper", help="a4 or letter.")] = "a4",
    base_url: BaseUrlOpt = None,
) -> None:
    """Issue a new tag for each item and lay them out on a printable sheet."""
    from provenance.tags.codes import issue_tag
    from provenance.tags.labels import Label, write_sheet

    if output.suffix.lower() not in (".pdf", ".svg"):
        raise InputError(f"{output.name}: a label sheet is written as .pdf or .svg")
    if paper.lower() not in ("a4", "letter"):
        raise InputError(f"--paper {paper!r}: use a4 or letter")
    ledger = state.ledger()
    for item in items:  # every id checked before any tag is issued
        ledger.history(item)
    signer = state.signer()
    issued: list[IssuedTag] = []
    with progress_bar("Issuing tags", len(items)) as advance:
        for n, item in enumerate(items, start=1):
            issued.append(issue_tag(ledger, signer=signer, item=item, base_url=_base_url(base_url)))
            advance(n)
    files = write_sheet([Label(t.url, t.item) for t in issued], output, paper=paper.lower())
    emit(
        {
            "ok": True,
            "paper": paper.lower(),
            "files": [str(f) for f in files],
            "tags": [{"item": t.item, "url": t.url} for t in issued],
        },
        lambda: console.print(
            f"{len(issued)} tags on {', '.join(str(f) for f in files)}", markup=False
        ),
    )
    if len(files) > 1:
        note(f"SVG holds one page each: {len(files)} files")


@app.command("scans")
def scans(
    item: Annotated[str, typer.Argument(help="The item id.")],
    limit: Annotated[int, typer.Option("--limit", help="Newest scans to list.")] = 20,
) -> None:
    """Scans of the item's tag: counts by verdict, the newest scans, and what looks wrong."""
    from provenance.ledger.itemid import parse_item_id
    from provenance.tags.scans import scan_report

    if limit < 0:
        raise InputError("--limit must not be negative")
    ledger = state.ledger()
    item_id = parse_item_id(item)
    ledger.history(item_id)  # NotFoundError for an unknown item
    report = scan_report(ledger.engine, item_id, limit=limit)

    def human() -> None:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(report.by_verdict.items())) or "none"
        console.print(
            f"{item_id}: {report.total} scans ({counts}); {report.last_hour} in the last hour",
            markup=False,
        )
        for flag in report.flags:
            console.print(f"  ⚠ {flag}", markup=False)
        for scan in report.recent:
            console.print(f"  {scan['at']}  {scan['verdict']:<9} {scan['client']}", markup=False)

    emit({"ok": True, "item": item_id, **report.to_json()}, human)
