"""The buyer's verification page: what a phone shows after scanning a QR tag.

Server-rendered HTML from Jinja2 templates (``templates/``, autoescaped), one static
stylesheet, no JavaScript. ``GET /v/{item}?tag=CODE`` says first, in plain words, the one
verdict (:func:`provenance.proof.verdict.decide`: verified, pending, warning or failed) in an
element marked ``data-verdict``; then which store vouches for the item (its name, its log's
origin and a fingerprint of its log key); the item, its grade and what the grade means, how
many owners it has had and since when (never who), its photos, its history as sentences, and
the technical checks folded away in a ``<details>``. Every GET of a page records a scan (time,
verdict, coarse client class only); the notes about other scans are read before it
(:func:`provenance.tags.scans.scan_notes`).

Other routes: the photos an item's signed events name, full size and as a thumbnail, by
content address (``/v/{item}/photo/{sha256}``, ``/v/{item}/thumb/{sha256}``), their bytes
checked against the hash before anything is served; the proof bundle
(``/v/{item}/bundle.json``); the stylesheet and the icon. Every route answers HEAD too.

Pages that are not an item have no ``data-verdict``; they carry ``data-problem`` instead:
``malformed`` (400), ``not-found`` (404), ``photo-altered`` (410), ``rate-limited`` (429),
``unavailable`` (503). ``/v/{item}/`` redirects to ``/v/{item}`` by a path, never a URL built
from the Host header; any other path under ``/v/`` is a 404 page (so Starlette's slash
redirect, which does use the Host header, never answers there). Headers, the rate limit and
gzip are :mod:`api.page_guard`'s.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from provenance.errors import HashMismatchError, InputError, NotFoundError, ProvenanceError
from provenance.ledger.blobs import MAX_PHOTO_BYTES, get_blob
from provenance.ledger.discogs import release_link
from provenance.ledger.itemid import parse_item_id
from provenance.proof.bundle import build_bundle
from provenance.tags.buyer import HistoryMemo, ItemView, item_view, named_photos
from provenance.tags.scans import record_scan, scan_notes

from .thumbnails import Thumbnails

__all__ = ["buyer_router", "rate_limited_page", "render_item", "render_problem"]

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MAX_TAG = 64
#: Photos never change (content-addressed): a year, and ``immutable`` so phones do not ask.
_FOREVER = "public, max-age=31536000, immutable"
_BADGES = {
    "verified": "✓ Verified",
    "pending": "… Pending",
    "warning": "⚠ Warning",
    "failed": "✗ Failed",
}
#: Check marks: css class, symbol, words for a screen reader.
_MARKS = {
    True: ("ok", "✓", "passed"),
    False: ("fail", "✗", "failed"),
    None: ("open", "…", "not yet"),
}
_ID_HINT = (
    "Check the link, or scan the tag again. An item id looks like 7KQ2M-9XDPA-G: "
    "ten letters and digits and a check symbol."
)
_FAKE_HINT = (
    "If the tag on an item leads here, the tag may not be genuine: do not buy on the strength "
    "of it, and ask the seller to show the item's record at the store."
)


@functools.cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _static(name: str) -> tuple[bytes, str, str]:
    """A static file's bytes, media type and ETag (read once per process)."""
    data = (_HERE / "static" / name).read_bytes()
    media = {"css": "text/css; charset=utf-8", "ico": "image/x-icon"}[name.rsplit(".", 1)[1]]
    return data, media, f'"{hashlib.sha256(data).hexdigest()[:16]}"'


def _css_url() -> str:
    # The ETag in the URL: a new stylesheet gets a new URL, so the old one may be cached long.
    return f"/static/page.css?v={_static('page.css')[2].strip(chr(34))}"


def _html(
    template: str, status: int, headers: dict[str, str] | None = None, **ctx: Any
) -> Response:
    body = _templates().get_template(template).render(css_url=_css_url(), **ctx)
    return HTMLResponse(
        body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )


def render_problem(
    marker: str,
    heading: str,
    message: str,
    status: int,
    *,
    hints: tuple[str, ...] = (_ID_HINT, _FAKE_HINT),
    headers: dict[str, str] | None = None,
) -> Response:
    """A page for a link that does not lead to an item (``data-problem=marker``)."""
    return _html(
        "problem.html",
        status,
        headers,
        title=f"{heading}: verification page",
        description="A verification page for an item's record, signed by the store.",
        marker=marker,
        heading=heading,
        message=message,
        hints=hints,
    )


def rate_limited_page(retry_after: int) -> Response:
    """The 429 page (plain HTML, with ``Retry-After``)."""
    return render_problem(
        "rate-limited",
        "Too many requests",
        f"This connection asked for more pages than a person reads. Try again in "
        f"{retry_after} second{'s' if retry_after != 1 else ''}.",
        429,
        hints=("Nothing is wrong with the item: the page is only limited to keep it fast.",),
        headers={"Retry-After": str(retry_after)},
    )


def _details(view: ItemView) -> list[tuple[str, str]]:
    s = view.summary
    assert s is not None
    d = s.details
    vinyl = s.kind == "vinyl"
    gauge = str(d.get("gauge", "")).replace("super8", "Super 8").replace("mm", " mm")
    rows: list[tuple[str, Any]] = [
        ("Title", s.title),
        ("Artist" if vinyl else "Director", s.creator),
        ("Format", "Vinyl record" if vinyl else f"Film print, {gauge}"),
        ("Label" if vinyl else "Studio", d.get("label") or d.get("studio")),
        ("Catalog no.", d.get("catalog_number")),
        ("Edition", d.get("edition")),
        ("Year", d.get("year")),
        ("Country", d.get("country")),
        ("Barcode", d.get("barcode")),
        ("Print type", d.get("print_type")),
        ("Reels", d.get("reels")),
        ("Length", f"{d['length_ft']:,} ft" if d.get("length_ft") else None),
        ("Soundtrack", d.get("soundtrack")),
    ]
    return [(k, str(v)) for k, v in rows if v not in (None, "")]


def render_item(view: ItemView, notes: list[str]) -> Response:
    """The item page for ``view`` (and the notes about other recent scans)."""
    s = view.summary
    if s is not None:
        name = f"{s.title} — {s.creator}" if s.creator else s.title
    else:
        name = "An item whose record cannot be read"
    return _html(
        "item.html",
        200,
        title=f"{name}: {_BADGES[view.verdict.word][2:]}",
        description=(f"{view.store.name}'s verification page for {name}: {view.verdict.headline}"),
        view=view,
        v=view.verdict,
        s=s,
        store=view.store,
        name=name,
        badge=_BADGES[view.verdict.word],
        notes=notes,
        details=_details(view) if s is not None else [],
        discogs_url=release_link(s.details) if s is not None else None,
        marks=_MARKS,
    )


def buyer_router(engine: Engine) -> APIRouter:
    """The buyer pages over ``engine``."""
    router = APIRouter(include_in_schema=False)
    thumbnails = Thumbnails()
    memo = HistoryMemo()  # signatures of unchanged rows are checked once per process
    get_head = ["GET", "HEAD"]

    @router.api_route("/v/{item}", methods=get_head, response_class=HTMLResponse)
    def page(item: str, request: Request, tag: str | None = None) -> Response:
        started = time.perf_counter()
        response = _page(item, request, tag)
        # Server time, for monitoring and the page benchmark (no personal data in it).
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
        return response

    def _page(item: str, request: Request, tag: str | None) -> Response:
        try:
            item_id = parse_item_id(item)
        except InputError as exc:
            return render_problem("malformed", "Not a valid item link", str(exc), 400)
        if tag is not None and len(tag) > _MAX_TAG:
            return render_problem(
                "malformed", "Not a valid tag link", "The tag code in this link is too long.", 400
            )
        return _scanned(item_id, request, lambda: item_view(engine, item_id, tag, memo=memo))

    def _scanned(item_id: str, request: Request, build: Callable[[], ItemView]) -> Response:
        """The item page for one scan or tap (``build`` makes its view), or the page that
        says why not; a GET records the scan with the view's tag verdict."""
        try:
            view = build()
            notes = scan_notes(engine, item_id)  # before this scan: it never counts against it
        except NotFoundError:
            return render_problem(
                "not-found",
                "Item not found",
                f"There is no item {item_id} in this store's record.",
                404,
            )
        except ProvenanceError as exc:
            logger.warning("page for %s unavailable: %s", item_id, exc)
            return render_problem(
                "unavailable",
                "Record unavailable",
                "The store's record cannot be read right now. Try again later.",
                503,
                hints=(),
            )
        if request.method == "GET":
            _record(item_id, view.tag, request.headers.get("user-agent"))
        return render_item(view, notes)

    def _record(item_id: str, verdict: str, user_agent: str | None) -> None:
        try:
            record_scan(engine, item=item_id, verdict=verdict, user_agent=user_agent)
        except SQLAlchemyError as exc:  # a busy or read-only database must not hide the page
            logger.warning("scan of %s not recorded: %s", item_id, exc)

    master: list[bytes] = []  # the NFC master key, unlocked once per process on first tap

    @router.api_route("/n/{item}", methods=get_head, response_class=HTMLResponse)
    def tap(item: str, request: Request) -> Response:
        """The page a secure NFC tag's tap opens: the buyer page, with the tap's verdict
        (genuine, copied, other item, revoked, malformed) standing as the tag's."""
        from provenance.tags.nfc.taps import check_tap

        try:
            item_id = parse_item_id(item)
        except InputError as exc:
            return render_problem("malformed", "Not a valid item link", str(exc), 400)

        def build() -> ItemView:
            verdict = check_tap(
                engine,
                item=item_id,
                url_or_query=request.url.query,
                master_key=_master_key(master),
                record=request.method == "GET",
            )
            nfc = (verdict.verdict, verdict.text)
            return item_view(engine, item_id, None, memo=memo, nfc=nfc)

        return _scanned(item_id, request, build)

    @router.api_route("/v/{item}/", methods=get_head)
    def slash(item: str, tag: str | None = None) -> Response:
        try:
            item_id = parse_item_id(item)
        except InputError as exc:
            return render_problem("malformed", "Not a valid item link", str(exc), 400)
        # A path, not a URL: the Host header never chooses where a buyer is sent.
        query = f"?tag={quote(tag[:_MAX_TAG], safe='')}" if tag else ""
        return RedirectResponse(f"/v/{item_id}{query}", status_code=308)

    @router.api_route("/v/{item}/photo/{digest}", methods=get_head)
    def photo(item: str, digest: str, request: Request) -> Response:
        return _photo(item, digest, request, thumb=False)

    @router.api_route("/v/{item}/thumb/{digest}", methods=get_head)
    def thumb(item: str, digest: str, request: Request) -> Response:
        return _photo(item, digest, request, thumb=True)

    def _photo(item: str, digest: str, request: Request, *, thumb: bool) -> Response:
        try:
            item_id = parse_item_id(item)
            if not _DIGEST.match(digest):
                raise InputError("a photo is named by its SHA-256: 64 lower-case hex digits")
            if digest not in named_photos(engine, item_id):
                raise NotFoundError(f"item {item_id}'s record names no such photo")
        except NotFoundError as exc:
            return render_problem("not-found", "Photo not found", str(exc), 404, hints=())
        except InputError as exc:
            return render_problem("malformed", "Not a valid photo link", str(exc), 400, hints=())
        etag = f'"{digest[:32]}{"-t" if thumb else ""}"'
        cache = {"Cache-Control": _FOREVER, "ETag": etag}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=cache)
        made = thumbnails.get(digest) if thumb else None
        if made is not None:
            return Response(made, media_type="image/jpeg", headers=cache)
        try:
            with engine.connect() as conn:
                media_type, data = get_blob(conn, digest)  # re-hashed: altered bytes raise
            if len(data) > MAX_PHOTO_BYTES:
                raise InputError("the stored photo is larger than any photo the store accepts")
            if thumb:
                return Response(
                    thumbnails.make(digest, data), media_type="image/jpeg", headers=cache
                )
        except HashMismatchError:
            logger.warning("photo %s of %s was altered: not served", digest, item_id)
            return render_problem(
                "photo-altered",
                "Photo not shown",
                "The store's copy of this photo no longer matches the photo registered, "
                "so it is not shown. The item's record fails its check: ask the store.",
                410,
                hints=(),
            )
        except NotFoundError:
            return render_problem(
                "not-found", "Photo missing", "The store no longer has this photo.", 404, hints=()
            )
        except InputError as exc:
            return render_problem("not-found", "No preview", str(exc), 404, hints=())
        return Response(
            data,
            media_type=media_type,
            headers={**cache, "Content-Disposition": f'inline; filename="{digest[:16]}"'},
        )

    @router.api_route("/v/{item}/bundle.json", methods=get_head)
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

    @router.api_route("/static/{name:path}", methods=get_head)
    def static(name: str, request: Request) -> Response:
        return _static_response(name, request)

    @router.api_route("/favicon.ico", methods=get_head)
    def favicon(request: Request) -> Response:
        return _static_response("favicon.ico", request)

    @router.api_route("/v", methods=get_head)
    @router.api_route("/v/{rest:path}", methods=get_head)
    def elsewhere() -> Response:
        return render_problem(
            "not-found", "Page not found", "There is no such page on this verification site.", 404
        )

    return router


_STATIC_NAMES = ("page.css", "favicon.ico")


def _static_response(name: str, request: Request) -> Response:
    if name not in _STATIC_NAMES:
        return render_problem("not-found", "Not found", "There is no such file.", 404, hints=())
    data, media, etag = _static(name)
    headers = {"Cache-Control": "public, max-age=86400", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media, headers=headers)


def _master_key(cache: list[bytes]) -> bytes:
    """The store's NFC master key, unlocked once per process (PROVENANCE_NFC_PASSPHRASE,
    else PROVENANCE_PASSPHRASE): a server has no terminal to ask on."""
    if cache:
        return cache[0]
    import os

    from provenance.errors import ConfigurationError
    from provenance.settings import Settings
    from provenance.tags.nfc.master import MasterKeyFile

    passphrase = os.environ.get("PROVENANCE_NFC_PASSPHRASE") or os.environ.get(
        "PROVENANCE_PASSPHRASE"
    )
    if not passphrase:
        raise ConfigurationError("set PROVENANCE_NFC_PASSPHRASE to serve NFC tag taps")
    cache.append(MasterKeyFile.in_home(Settings().home).load(passphrase))
    return cache[0]
