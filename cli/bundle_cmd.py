"""``export ITEM`` (write a proof bundle) and ``verify BUNDLE`` (check one with no database)."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from provenance.errors import InputError, NotFoundError

from .app import app
from .context import state
from .output import console, emit, note

__all__: list[str] = []

_MARK = {"passed": "✓", "failed": "✗", "not_checked": "–"}


@app.command("export")
def export(
    item: Annotated[str, typer.Argument(help="The item id.")],
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="File to write (default ITEM.proof.json; - = stdout)."),
    ] = None,
) -> None:
    """Write the item's self-contained proof bundle (events, keys, proofs, checkpoint, anchor)."""
    from provenance.proof.bundle import build_bundle

    bundle = build_bundle(state.ledger().engine, item)
    text = json.dumps(bundle, indent=2, sort_keys=True) + "\n"
    if output == "-":
        sys.stdout.write(text)
        return
    path = Path(output or f"{bundle['item']}.proof.json")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
    anchored = bundle["anchor"] is not None and not bundle["anchor"]["ephemeral"]
    emit(
        {
            "ok": True,
            "item": bundle["item"],
            "path": str(path),
            "events": len(bundle["events"]),
            "checkpoint_size": bundle["checkpoint"]["size"] if bundle["checkpoint"] else None,
            "anchored": anchored,
            "unproven": bundle["unproven"],
            "notes": bundle["notes"],
        },
        lambda: _print_export(path, bundle),
    )


def _print_export(path: Path, bundle: dict[str, object]) -> None:
    console.print(f"Wrote {path}", markup=False)
    for line in bundle["notes"]:  # type: ignore[attr-defined]
        note(f"note: {line}")


@app.command("verify")
def verify(
    bundle_file: Annotated[Path, typer.Argument(help="A bundle written by 'export'.")],
    rpc: Annotated[
        str | None, typer.Option("--rpc", help="Ethereum JSON-RPC URL to read the anchor from.")
    ] = None,
    chain_id: Annotated[
        int | None, typer.Option("--chain-id", help="Chain id the RPC must have.")
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option("--log-key", help="Pin the store's published log verifier key."),
    ] = None,
    require_anchor: Annotated[
        bool, typer.Option("--require-anchor", help="Fail unless the anchor is verified.")
    ] = False,
    allow_unproven: Annotated[
        bool,
        typer.Option(
            "--allow-unproven",
            help="Exit 0 for an unproven bundle (no checkpoint, or events newer than it).",
        ),
    ] = False,
) -> None:
    """Verify a proof bundle; needs no database, only --rpc for the on-chain check.

    Exits 0 if the bundle is verified (every event in a checkpoint signed by the log key:
    the --log-key one if given), 1 if a check failed or the bundle is unproven (unless
    --allow-unproven), or the anchor is not verified under --require-anchor."""
    from provenance.proof.bundle import MAX_BUNDLE_BYTES
    from provenance.proof.verdict import bundle_verdict
    from provenance.proof.verifier import verify_bundle

    try:
        size = bundle_file.stat().st_size
    except OSError as exc:
        raise NotFoundError(f"cannot read {bundle_file}: {exc.strerror}") from exc
    if size > MAX_BUNDLE_BYTES:
        raise InputError(f"{bundle_file} is larger than {MAX_BUNDLE_BYTES} bytes")
    raw = bundle_file.read_bytes()
    report = verify_bundle(raw, rpc_url=rpc, chain_id=chain_id, log_key=log_key)
    verdict = bundle_verdict(_document(raw), report)
    anchor = report.check("anchor")
    missing_anchor = require_anchor and anchor.status != "passed"
    unproven = report.outcome == "unproven" and not allow_unproven

    def human() -> None:
        console.print(f"Bundle for {report.item or '(unreadable)'}", markup=False)
        console.print(f"{verdict.word.upper()}: {verdict.headline} {verdict.advice}", markup=False)
        for reason in verdict.reasons:
            console.print(f"  - {reason}", markup=False)
        console.print(report.summary, markup=False)
        for check in report.checks:
            console.print(f"  {_MARK[check.status]} {check.name:<11} {check.detail}", markup=False)
        skipped = [c.name for c in report.checks if c.status == "not_checked"]
        if skipped:
            console.print(f"Not checked: {', '.join(skipped)}", markup=False)

    result = {
        "verdict": verdict.word,
        "verdict_detail": verdict.to_json(),
        **report.to_json(),
        "ok": report.ok and not unproven and not missing_anchor,
    }
    emit(result, human)
    if not report.ok:
        failed = next(c for c in report.checks if c.status == "failed")
        note(f"bundle does not verify: {failed.name} failed")
        raise typer.Exit(1)
    if unproven:
        note(f"bundle is {report.summary} (exit 1; --allow-unproven accepts that)")
        raise typer.Exit(1)
    if missing_anchor:
        note(f"--require-anchor: the anchor was not verified ({anchor.detail})")
        raise typer.Exit(1)


def _document(raw: bytes) -> object:
    """The bundle as JSON for the verdict's status flag (``None`` if unreadable: the
    verifier's own format check has already said why)."""
    import json

    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None
