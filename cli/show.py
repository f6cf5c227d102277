"""``show ITEM`` (history with every check) and ``items`` (recent registrations)."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from typing import Annotated, Any

import typer

from provenance.errors import VerificationError

from .app import app
from .context import state
from .output import console, emit

__all__: list[str] = []


@app.command()
def show(item: Annotated[str, typer.Argument(help="Item id.")]) -> None:
    """Show an item's history; each signature, key, role and chain link is checked."""
    from provenance.ledger.chain_audit import check_rows
    from provenance.ledger.events import SignedEvent
    from provenance.ledger.itemid import parse_item_id
    from provenance.ledger.photo_audit import PhotoChecker
    from provenance.ledger.state import describe, ordinal, summarise

    item_id = parse_item_id(item)
    ledger = state.ledger()
    names = ledger.key_names()
    checked = check_rows(ledger.rows(item_id), ledger.keyring())
    entries: list[dict[str, Any]] = []
    parsed = []
    for row, error in checked:
        try:
            signed: SignedEvent | None = SignedEvent.parse(row.body, bytes(row.signature))
        except VerificationError:
            signed = None
        if signed is not None:
            parsed.append(signed.event)
        entries.append(
            {
                "seq": row.seq,
                "log_index": row.log_index,
                "at": signed.event.at if signed else None,
                "type": row.type,
                "signer": row.signer,
                "signer_name": names.get(row.signer),  # type: ignore[call-overload]
                "hash": row.hash,
                "description": describe(signed.event) if signed else "(unreadable)",
                "data": signed.event.data if signed else None,
                "ok": error is None,
                "problem": str(error) if error else None,
            }
        )
    # Photos live outside the signed text: re-hash each one the events name.
    photos = PhotoChecker()
    for event, entry in zip(parsed, (e for e in entries if e["data"] is not None), strict=False):
        photos.add(event, entry["log_index"])
    with ledger.engine.connect() as conn:
        for finding in photos.finish(conn):
            for entry in entries:
                if entry["seq"] == finding.seq and entry["ok"]:
                    entry["ok"], entry["problem"] = False, finding.message
    ok = all(e["ok"] for e in entries)
    summary = summarise(parsed) if parsed and parsed[0].seq == 0 else None
    verdict = _verdict(ledger.engine, item_id, entries)
    result = {
        "verdict": verdict.word,
        "verdict_detail": verdict.to_json(),
        "ok": ok,
        "item": item_id,
        "summary": summary.to_json() if summary else None,
        "events": entries,
    }

    def human() -> None:
        from rich.table import Table

        colour = {"verified": "green", "pending": "yellow"}.get(verdict.word, "red")
        console.print(
            f"[bold {colour}]{verdict.word.upper()}[/bold {colour}]: {verdict.headline}",
            highlight=False,
        )
        console.print(verdict.advice, markup=False, highlight=False)
        for reason in verdict.reasons:
            console.print(f"  - {reason}", markup=False, highlight=False)
        if summary is not None:
            by = f" — {summary.creator}" if summary.creator else ""
            console.print(f"[bold]{item_id}[/bold]  {summary.kind}: {summary.title}{by}")
            from provenance.ledger.discogs import release_link

            link = release_link(summary.details)
            if link is not None:
                console.print(f"On Discogs: {link}", highlight=False)
            if summary.status:
                console.print(f"[bold red]FLAGGED {summary.status.upper()}[/bold red]")
            if summary.grade is not None:
                console.print(f"Current grade: {_grade_text(summary.grade)}")
            if summary.owners:
                console.print(
                    f"{ordinal(summary.owners)} recorded owner since {summary.owner_since}"
                )
        table = Table(show_lines=False)
        for col in ("seq", "log", "at (UTC)", "type", "event", "signer", "ok"):
            table.add_column(col, overflow="fold")
        for e in entries:
            table.add_row(
                str(e["seq"]),
                str(e["log_index"]),
                (e["at"] or "?").replace("T", " ")[:16],
                e["type"],
                e["description"],
                e["signer_name"] or e["signer"][:12],
                "✓" if e["ok"] else "[red]✗[/red]",
            )
        console.print(table)
        for e in entries:
            if not e["ok"]:
                console.print(
                    f"[red]✗ event {e['seq']} (log index {e['log_index']}): {e['problem']}[/red]"
                )
        console.print("All checks passed" if ok else "[red]CHECKS FAILED[/red]")

    emit(result, human)
    if not ok:
        raise typer.Exit(1)


@app.command("items")
def items_(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
) -> None:
    """List registered items, newest first."""
    from provenance.ledger.state import describe

    registered = state.ledger().items(limit=limit, offset=offset)
    rows = [
        {"item": s.event.item, "at": s.event.at, "description": describe(s.event)}
        for s in registered
    ]

    def human() -> None:
        for r in rows:
            console.print(f"{r['item']}  {r['at']}  {r['description']}")

    emit({"ok": True, "items": rows}, human)


def _grade_text(grade: dict[str, Any]) -> str:
    if grade["kind"] == "vinyl":
        return f"media {grade['media']} / sleeve {grade['sleeve']} ({grade['method']}-graded)"
    return f"A-D level {grade['ad_level']}, shrinkage {grade['shrinkage_permille']}‰"


def _verdict(engine: Any, item_id: str, entries: list[dict[str, Any]]) -> Any:
    """The one verdict the buyer's page shows for this item (no tag scanned): the same
    library call, so staff see what a buyer sees."""
    from provenance.errors import ProvenanceError
    from provenance.proof.verdict import Evidence, decide
    from provenance.tags.buyer import item_view

    try:
        return item_view(engine, item_id, None).verdict
    except ProvenanceError as exc:  # a history too broken to summarise is still a verdict
        bad = next((e for e in entries if not e["ok"]), None)
        problem = f"event {bad['seq']}: {bad['problem']}" if bad else str(exc)
        return decide(Evidence(events=len(entries), history_problem=problem))
