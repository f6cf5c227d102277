"""The buyer's verification page: what a phone shows after scanning a QR tag.

Server-rendered HTML, no JavaScript, one small inline stylesheet: it works on any phone and
loads in one request. ``GET /v/{item}?tag=CODE`` shows the item, its grade and grading
history, how many owners it has had and since when (never who), each check with ✓ / ✗ /
pending, the tag verdict, warnings for stolen, missing or destroyed items and for suspicious
scans, and a link to the proof bundle (``/v/{item}/bundle.json``) that anyone can verify
independently. Every scan is recorded (time, verdict, coarse client class only).

An unknown item or a malformed URL gets a helpful page (404 / 400), never a stack trace.
"""

from __future__ import annotations

import json
import time
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from provenance.errors import InputError, NotFoundError
from provenance.ledger.itemid import parse_item_id
from provenance.proof.bundle import build_bundle
from provenance.tags.buyer import ItemView, item_view
from provenance.tags.scans import record_scan, scan_report

__all__ = ["buyer_router"]

_CSS = """
*{box-sizing:border-box}body{margin:0;overflow-wrap:anywhere;
font:16px/1.45 system-ui,-apple-system,Segoe UI,Roboto,
sans-serif;color:#1b1b1b;background:#f4f2ee}main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.verdict{border-radius:.8rem;padding:1rem;margin:.5rem 0 1rem;font-weight:600;font-size:1.1rem}
.good{background:#dff3e4;color:#0d5323}.bad{background:#fde2e1;color:#8a1111}
.warn{background:#fff1cc;color:#6b4a00}.alert{background:#b00020;color:#fff;border-radius:.8rem;
padding:1rem;font-weight:700;font-size:1.15rem;margin:.5rem 0}
.card{background:#fff;border-radius:.8rem;padding:.8rem 1rem;margin:.6rem 0;
box-shadow:0 1px 2px #0001}dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;
margin:0}dt{color:#666}dd{margin:0;overflow-wrap:anywhere}ul.checks{list-style:none;padding:0;
margin:0}ul.checks li{padding:.35rem 0;border-bottom:1px solid #eee}ul.checks li:last-child
{border:0}.mark{display:inline-block;width:1.4rem;font-weight:700}.ok{color:#0d7a2c}
.fail{color:#b00020}.pending{color:#946200}small,.muted{color:#666}a{color:#0b57d0}
code{font-size:.85em;overflow-wrap:anywhere}
"""

_VERDICT = {
    "genuine": ("good", "✓ Genuine tag: this is the tag bound to this item."),
    "revoked": ("bad", "✗ This tag has been REVOKED: the item was re-tagged since."),
    "wrong": ("bad", "✗ This is NOT the tag bound to this item. Treat the item with caution."),
    "untagged": ("warn", "This item has no tag issued yet, so the tag cannot be checked."),
    "none": ("warn", "No tag code in this link: the item is shown, the tag is not checked."),
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _problem(title: str, message: str, status: int) -> HTMLResponse:
    body = (
        f'<h1>{escape(title)}</h1><div class="verdict bad">{escape(message)}</div>'
        '<div class="card"><p>Check the link or scan the tag again. An item id looks like '
        "<code>7KQ2M-9XDPA-G</code>: ten letters and digits and a check symbol.</p>"
        "<p>If the tag on an item leads here, the tag may not be genuine: ask the seller "
        "to show the item's proof bundle.</p></div>"
    )
    return _page(title, body, status)


def _mark(ok: bool | None) -> str:
    if ok is True:
        return '<span class="mark ok" aria-label="passed">✓</span>'
    if ok is False:
        return '<span class="mark fail" aria-label="failed">✗</span>'
    return '<span class="mark pending" aria-label="pending">⏳</span>'


def _details(view: ItemView) -> str:
    s = view.summary
    d = s.details
    rows: list[tuple[str, Any]] = [
        ("Format", "Vinyl record" if s.kind == "vinyl" else f"Film print {d.get('gauge', '')}"),
        ("Artist" if s.kind == "vinyl" else "Director", s.creator),
        ("Label" if s.kind == "vinyl" else "Studio", d.get("label") or d.get("studio")),
        ("Catalog no.", d.get("catalog_number")),
        ("Year", d.get("year")),
        ("Country", d.get("country")),
        ("Print type", d.get("print_type")),
        ("Reels", d.get("reels")),
    ]
    matrix = d.get("matrix") or {}
    for side, text in sorted(matrix.items()):
        rows.append((f"Matrix {side}", text))
    items = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows if v not in (None, "")
    )
    return f"<dl>{items}</dl>"


def _render(view: ItemView, item: str, flags: list[str]) -> HTMLResponse:
    s = view.summary
    parts = [f"<small class=muted>Item {escape(item)}</small><h1>{escape(s.title)}</h1>"]
    for warning in view.warnings:
        parts.append(f'<div class="alert" role="alert">⚠ {escape(warning)}</div>')
    css, text = _VERDICT[view.verdict]
    parts.append(f'<div class="verdict {css}" id="verdict">{escape(text)}</div>')
    for flag in flags:
        parts.append(f'<div class="verdict warn">⚠ Unusual scans: {escape(flag)}</div>')
    parts.append(f'<div class="card">{_details(view)}</div>')

    grade = escape(view.grading[-1][1]) if view.grading else '<span class="muted">not graded</span>'
    history = "".join(
        f"<li><small>{escape(at[:10])}</small> {escape(text)}</li>"
        for at, text in reversed(view.grading)
    )
    owners = f"{s.owners} recorded owner{'s' if s.owners != 1 else ''} since registration" + (
        f"; current owner since {escape((s.owner_since or '')[:10])}" if s.owners else ""
    )
    parts.append(
        f'<div class="card"><h2>Condition</h2><p>Current grade: <b>{grade}</b></p>'
        + (f'<ul class="checks">{history}</ul>' if history else "")
        + f"<h2>Ownership</h2><p>{owners}. Names are never recorded in the history.</p>"
        f"<p class=muted>Registered {escape(s.registered_at[:10])}; {s.events} events.</p></div>"
    )
    checks = "".join(
        f"<li>{_mark(c.ok)} <b>{escape(c.name)}</b><br><small>{escape(c.detail)}</small></li>"
        for c in view.checks
    )
    pending = (
        f"<p class=pending>{view.pending_events} newest event(s) are not anchored yet "
        "(pending).</p>"
        if view.pending_events
        else ""
    )
    parts.append(
        f'<div class="card"><h2>Checks</h2><ul class="checks" id="checks">{checks}</ul>{pending}'
        f'<p><a href="/v/{escape(item)}/bundle.json" download>Download the proof bundle</a>'
        "<br><small>Verify it yourself with <code>provenance verify</code> and any Ethereum "
        "node.</small></p></div>"
    )
    return _page(f"{s.title}: provenance", "".join(parts))


def buyer_router(engine: Engine) -> APIRouter:
    """The buyer pages over ``engine``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/v/{item}", response_class=HTMLResponse)
    def page(item: str, request: Request, tag: str | None = None) -> Response:
        started = time.perf_counter()
        response = _page_response(item, request, tag)
        # Server time, for monitoring and the page benchmark (no personal data in it).
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
        return response

    def _page_response(item: str, request: Request, tag: str | None) -> Response:
        try:
            item_id = parse_item_id(item)
        except InputError as exc:
            return _problem("Not a valid item link", str(exc), 400)
        if tag is not None and len(tag) > 64:
            return _problem("Not a valid tag link", "the tag code in this link is too long", 400)
        try:
            view = item_view(engine, item_id, tag)
        except NotFoundError:
            return _problem(
                "Item not found", f"There is no item {item_id} in this store's ledger.", 404
            )
        record_scan(
            engine, item=item_id, verdict=view.verdict, user_agent=request.headers.get("user-agent")
        )
        flags = scan_report(engine, item_id, limit=0).flags
        return _render(view, item_id, flags)

    @router.get("/v/{item}/bundle.json")
    def bundle(item: str) -> Response:
        try:
            data = build_bundle(engine, item)
        except InputError as exc:
            status = 404 if isinstance(exc, NotFoundError) else 400
            return Response(
                json.dumps(
                    {"error": str(exc), "kind": "not_found" if status == 404 else "invalid_input"}
                ),
                status_code=status,
                media_type="application/json",
            )
        return Response(
            json.dumps(data, indent=2, sort_keys=True),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{data["item"]}.proof.json"'},
        )

    return router
