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

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from provenance.errors import CheckpointError, ConfigurationError
from provenance.log.checkpoint import parse_verifier_key
from provenance.partners import Scope
from provenance.proof.strictjson import MAX_DEPTH

from .deps import PartnerCall, partner
from .errors import CLIENT_CLOSED, ERROR_RESPONSES, ApiError
from .models import ReportOut
from .verify_worker import Refused, run_verify

__all__ = ["MAX_DEPTH", "verify_router"]

Call = Annotated[PartnerCall, Depends(partner(Scope.VERIFY))]
#: A signed-note verifier key: a name (no '+' or white space), the 8-hex key ID, and the
#: base64 of 0x01 ‖ a 32-byte Ed25519 key (44 symbols, the second one of Q-f).
LOG_KEY_PATTERN = r"^[^+\s]{1,200}[+ ][0-9a-fA-F]{8}[+ ]A[Q-Za-f][A-Za-z0-9+/ ]{42}$"
LogKey = Annotated[
    str | None,
    Query(
        pattern=LOG_KEY_PATTERN,
        description=(
            "The log key to pin, in signed-note verifier-key form (name+1a2b3c4d+AQ..., "
            "'+' percent-encoded as %2B): for bundles of another store. Default: this "
            "store's own log key (GET /v1/log/checkpoint names it). A key of this form whose "
            "ID does not match its name and key can verify nothing: the checkpoint check "
            "fails."
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
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(413, f"the bundle is larger than {limit} bytes")
    except ClientDisconnect:
        # The client hung up mid-upload: its own outcome, not a server error.
        raise ApiError(
            CLIENT_CLOSED, "the client closed the connection before sending the whole body"
        ) from None
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


def verify_router() -> APIRouter:
    """The verify route."""

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
            pinned = _pin(call, log_key)
            try:
                parse_verifier_key(pinned)
            except CheckpointError as exc:
                unusable: str | None = str(exc)
                pinned = _pin(call, None)  # run every check; the checkpoint one then fails
            else:
                unusable = None
            try:
                return run_verify(
                    body,
                    rpc_url=call.ctx.settings.verify_rpc_url,
                    chain_id=call.ctx.settings.verify_chain_id,
                    pinned=pinned,
                    unusable=unusable,
                )
            except Refused as refused:
                raise ApiError(refused.status, refused.message) from None

        return await call.json(ReportOut, check, admitted=True)

    return router
