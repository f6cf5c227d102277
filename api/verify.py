"""``POST /v1/verify`` (scope ``verify``): check a proof bundle, statelessly.

The body must be ``application/json`` (else 415) and at most the bundle size limit (else 413,
decided from ``Content-Length`` before reading, and again while reading, so a body without
one, or with a false one, is never held whole). Text that is not JSON, or JSON that is not an
object, is a 400. Any JSON object is then checked by the standalone verifier and its report
returned with 200, also when the bundle fails verification (``ok`` is false).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from provenance.partners import Scope

from .deps import PartnerCall, partner
from .errors import ERROR_RESPONSES, ApiError
from .models import ReportOut

__all__ = ["MAX_DEPTH", "verify_router"]

#: The deepest nesting a bundle may have (a real one nests 4 levels).
MAX_DEPTH = 32
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # "unrolled loop" form
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}

Call = Annotated[PartnerCall, Depends(partner(Scope.VERIFY))]

_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": (
                    "A proof bundle as served by GET /v1/items/{item}/bundle "
                    "(docs/bundle.schema.json). Any JSON object is checked and reported on."
                ),
            }
        }
    },
}


async def _read_bounded(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the bundle is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the bundle is larger than {limit} bytes")
    return bytes(body)


def _parse(body: bytes) -> dict[str, Any]:
    """The body as a JSON object (UTF-8, RFC 8259 §8.1), nested at most :data:`MAX_DEPTH`
    deep; else a 400."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not UTF-8 text") from None
    if _depth(text) > MAX_DEPTH:
        raise ApiError(400, f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ApiError(400, "a bundle is a JSON object")
    return document


def _depth(text: str) -> int:
    """How deep the brackets outside strings nest, without recursion: ``json.loads`` recurses
    in C per level, and with the recursion limit some libraries raise (py-evm sets 100,000)
    a deep enough document overflows a thread's stack instead of raising RecursionError."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets:
        return 0
    return max(accumulate(map(_STEP.__getitem__, brackets)))


def verify_router() -> APIRouter:
    """The verify route."""
    from provenance.proof.verifier import verify_bundle

    router = APIRouter(prefix="/v1", tags=["verify"], responses=ERROR_RESPONSES)

    @router.post(
        "/verify",
        response_model=ReportOut,
        openapi_extra={"requestBody": _BODY},
        summary="Verify a proof bundle",
    )
    async def verify(request: Request, call: Call) -> Response:
        """Run every check of the standalone verifier on the submitted bundle: hashes, chain
        links, signatures, key validity, the checkpoint's signature, inclusion proofs, and
        (if this server is configured with an RPC endpoint) the anchor on chain. Nothing is
        looked up in this store's database: the bundle must stand on its own."""
        await call.admit()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise ApiError(415, "send the bundle as application/json")
        body = await _read_bounded(request, call.ctx.max_bundle_bytes)

        def check() -> dict[str, Any]:
            document = _parse(body)
            report = verify_bundle(
                document,
                rpc_url=call.ctx.settings.verify_rpc_url,
                chain_id=call.ctx.settings.verify_chain_id,
            )
            return report.to_json()

        return await call.json(ReportOut, check, admitted=True)

    return router
