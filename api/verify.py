"""``POST /v1/verify`` (scope ``verify``): check a proof bundle against a pinned log key.

The body must be ``application/json`` (else 415) and at most the bundle size limit (else 413,
decided from ``Content-Length`` before reading, and again while reading, so a body without
one, or with a false one, is never held whole). Text that is not JSON, or JSON that is not an
object, is a 400. Any JSON object is then checked by the standalone verifier and its report
returned with 200, also when the bundle fails verification (``outcome`` is not
``verified``).

The checkpoint is checked against a pinned log key, never merely the one the bundle carries
(a forger brings their own): this store's own log key, or the one the ``log_key`` query
parameter names (a signed-note verifier key, for bundles of another store; a ``+`` sent
unencoded arrives as a space, and is read back as ``+``: neither part of a verifier key holds
a space). A malformed ``log_key`` is a 400; a store without a log key of its own, asked
without one, a 503.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from provenance.errors import ConfigurationError
from provenance.partners import Scope
from provenance.proof.strictjson import MAX_DEPTH, within_depth
from provenance.proof.verdict import bundle_verdict

from .deps import PartnerCall, partner
from .errors import ERROR_RESPONSES, ApiError
from .models import ReportOut

__all__ = ["MAX_DEPTH", "verify_router"]

Call = Annotated[PartnerCall, Depends(partner(Scope.VERIFY))]
LogKey = Annotated[
    str | None,
    Query(
        max_length=600,
        description=(
            "The log key to pin, in signed-note verifier-key form (name+1a2b3c4d+AQ..., "
            "'+' percent-encoded as %2B): for bundles of another store. Default: this "
            "store's own log key (GET /v1/log/checkpoint names it)."
        ),
    ),
]

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


def _pin(call: PartnerCall, log_key: str | None) -> str:
    """The verifier key to pin: the parameter's (spaces read back as '+'), else this store's."""
    if log_key is not None:
        return log_key.strip().replace(" ", "+")
    from provenance.log.transparency import TransparencyLog

    try:
        return TransparencyLog(call.ctx.engine).identity().verifier_key
    except ConfigurationError:
        raise ConfigurationError(
            "this store has no log key of its own to pin; pass log_key=<verifier key>"
        ) from None


def _parse(body: bytes) -> str:
    """The body as text holding a JSON object (UTF-8, RFC 8259 §8.1), nested at most
    :data:`MAX_DEPTH` deep; else a 400. The verifier parses the text again, by its own
    stricter rules (duplicate keys, NaN): those make a failed ``format`` check, not a 400."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not UTF-8 text") from None
    if not within_depth(text):
        raise ApiError(400, f"the body nests deeper than {MAX_DEPTH} levels, or is unbalanced")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ApiError(400, "a bundle is a JSON object")
    return text


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
    async def verify(request: Request, call: Call, log_key: LogKey = None) -> Response:
        """Run every check of the standalone verifier on the submitted bundle: hashes, chain
        links, signatures, key validity, the checkpoint's signature by the pinned log key
        (this store's own unless ``log_key`` names another), inclusion proofs, and (if this
        server is configured with an RPC endpoint) the anchor on chain. ``outcome`` is the
        verdict: verified, unproven (no checkpoint, or events newer than it) or failed.
        Only the log key is read from this store: the bundle must stand on its own."""
        await call.admit()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise ApiError(415, "send the bundle as application/json")
        body = await _read_bounded(request, call.ctx.max_bundle_bytes)

        def check() -> dict[str, Any]:
            text = _parse(body)
            report = verify_bundle(
                text,
                rpc_url=call.ctx.settings.verify_rpc_url,
                chain_id=call.ctx.settings.verify_chain_id,
                log_key=_pin(call, log_key),
            )
            verdict = bundle_verdict(_document(text), report)
            return {
                "verdict": verdict.word,
                "verdict_detail": verdict.to_json(),
                **report.to_json(),
            }

        return await call.json(ReportOut, check, admitted=True)

    return router


def _document(text: str) -> object:
    """The bundle as JSON, for the verdict's status flag (its depth is already bounded)."""
    try:
        return json.loads(text)
    except ValueError:
        return None
