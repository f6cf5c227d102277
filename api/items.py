"""``/v1/items/{item}``: summary with verification status, full history, and proof bundle
(scope ``items:read``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from provenance.ledger.ledger import Ledger
from provenance.ledger.state import describe
from provenance.partners import Scope

from .deps import ApiContext, PartnerCall, partner
from .errors import ERROR_RESPONSES
from .models import HistoryOut, ItemOut
from .status import item_bundle_json, item_status_json

__all__ = ["ITEM_ID_PATTERN", "items_router"]

#: What ``parse_item_id`` reads: ten symbols and a check symbol, hyphens allowed between them.
ITEM_ID_PATTERN = r"^(?:[0-9A-TV-Za-tv-z]-?){10}[0-9A-TV-Za-tv-z]$"

ItemId = Annotated[
    str,
    Path(
        description=(
            "Item id, e.g. 7KQ2M-9XDPA-G: eleven Crockford base-32 symbols, the last a check "
            "symbol (case, hyphens between symbols and O/0, I/L/1 are forgiven; U is never "
            "used). A well-formed id whose check symbol does not match is a 404, like any "
            "item that does not exist."
        ),
        pattern=ITEM_ID_PATTERN,
    ),
]
Call = Annotated[PartnerCall, Depends(partner(Scope.ITEMS_READ))]


def _history(ctx: ApiContext, item: str) -> dict[str, Any]:
    stored = Ledger(ctx.engine).history(item)
    return {
        "item": stored[0].event.item,
        "events": [
            {
                "seq": s.event.seq,
                "log_index": s.log_index,
                "type": str(s.event.type),
                "at": s.event.at,
                "signer": s.event.by,
                "hash": s.signed.hash,
                "signature": s.signed.signature.hex(),
                "description": describe(s.event),
                "data": s.event.data,
            }
            for s in stored
        ],
    }


def items_router() -> APIRouter:
    """The item routes."""
    from provenance.proof.verifier import Bundle

    router = APIRouter(prefix="/v1/items", tags=["items"], responses=ERROR_RESPONSES)

    @router.get("/{item}", response_model=ItemOut, summary="Item summary and verification")
    async def item_summary(item: ItemId, call: Call) -> Response:
        """What the item is and its state now (grade, flags, number of recorded owners and
        since when, never who), with its history re-verified on this request and whether
        the newest event is covered by an anchored checkpoint."""
        return await call.raw(lambda conn: item_status_json(conn, item, memo=call.ctx.memo))

    @router.get("/{item}/history", response_model=HistoryOut, summary="Every signed event")
    async def item_history(item: ItemId, call: Call) -> Response:
        """Every event of the item as signed, in chain order, with a one-line description.
        Payloads hold no personal data: a transfer carries only a commitment to its owner."""
        return await call.json(HistoryOut, lambda: _history(call.ctx, item))

    @router.get("/{item}/bundle", response_model=Bundle, summary="Self-contained proof bundle")
    async def item_bundle(item: ItemId, call: Call) -> Response:
        """The item's proof bundle: its events, the key events behind every signer, inclusion
        proofs into one signed checkpoint, and that checkpoint's anchor. Check it with
        ``provenance verify`` or ``POST /v1/verify``, with no access to this server.
        Sent gzip-encoded to clients that accept it (most HTTP libraries do by default)."""
        gzipped = call.accepts_gzip()
        response = await call.raw(
            lambda conn: item_bundle_json(conn, item, memo=call.ctx.memo, gzipped=gzipped),
            content_encoding="gzip" if gzipped else None,
        )
        response.headers["Vary"] = "Accept-Encoding"
        return response

    return router
