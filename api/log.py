"""The public log (scope ``log:read``): the latest signed checkpoint, consistency proofs,
anchors on chain, and the staff keys that sign events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select

from provenance.errors import ConfigurationError
from provenance.ledger.ledger import Ledger
from provenance.log.transparency import LogIdentity, TransparencyLog
from provenance.partners import Scope
from provenance.storage.tables import anchors, deployments

from .deps import ApiContext, PartnerCall, partner
from .errors import ERROR_RESPONSES
from .models import AnchorsOut, ConsistencyOut, KeysOut, LatestCheckpointOut

__all__ = ["log_router"]

#: Tree sizes are BigInteger in the database.
_MAX_SIZE = 2**63 - 1
Call = Annotated[PartnerCall, Depends(partner(Scope.LOG_READ))]


def _identity(identity: LogIdentity) -> dict[str, str]:
    return {
        "origin": identity.origin,
        "public_key": identity.public_key.hex(),
        "verifier_key": identity.verifier_key,
    }


def _latest(ctx: ApiContext) -> dict[str, Any]:
    log = TransparencyLog(ctx.engine)
    identity = log.identity()
    latest = log.latest()
    return {
        "log": _identity(identity),
        "log_size": log.size(),
        "checkpoint": latest.to_json() if latest else None,
    }


def _consistency(ctx: ApiContext, old: int, new: int) -> dict[str, Any]:
    log = TransparencyLog(ctx.engine)
    proof = log.consistency(old, new)
    old_cp = log.checkpoint_at(old)
    new_cp = log.checkpoint_at(new)
    return {
        **proof,
        "old_checkpoint": old_cp.note if old_cp else None,
        "new_checkpoint": new_cp.note if new_cp else None,
    }


_ANCHORS = (
    select(
        deployments.c.chain_id,
        deployments.c.address,
        deployments.c.ephemeral,
        deployments.c.vanished_at,
        anchors.c.tree_size,
        anchors.c.root,
        anchors.c.tx_hash,
        anchors.c.block_number,
        anchors.c.state,
        anchors.c.created_at,
        anchors.c.updated_at,
    )
    .select_from(anchors.join(deployments, deployments.c.id == anchors.c.deployment_id))
    .order_by(deployments.c.ephemeral, anchors.c.tree_size.desc(), anchors.c.id.desc())
)


def _anchors(ctx: ApiContext, limit: int, offset: int) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(_ANCHORS.limit(limit).offset(offset)).all()
    return {
        "anchors": [
            {
                "chain_id": int(r.chain_id),
                "contract": r.address,
                "tree_size": int(r.tree_size),
                "root": r.root,
                "tx_hash": r.tx_hash,
                "block_number": None if r.block_number is None else int(r.block_number),
                "state": r.state,
                "ephemeral": bool(r.ephemeral),
                "vanished": r.vanished_at is not None,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
            for r in rows
        ]
    }


def _keys(ctx: ApiContext) -> dict[str, Any]:
    ring = Ledger(ctx.engine).keyring()
    try:
        log: dict[str, str] | None = _identity(TransparencyLog(ctx.engine).identity())
    except ConfigurationError:
        log = None
    return {"log": log, "keys": [{**r.to_json(), "active": r.active} for r in ring.records()]}


def log_router() -> APIRouter:
    """The log routes."""
    router = APIRouter(prefix="/v1", tags=["log"], responses=ERROR_RESPONSES)

    @router.get("/checkpoints/latest", response_model=LatestCheckpointOut)
    async def latest_checkpoint(call: Call) -> Response:
        """The newest signed checkpoint (null before the first), the log's current size, and
        the log's origin and verifier key (pin it to check checkpoints yourself)."""
        return await call.json(LatestCheckpointOut, lambda: _latest(call.ctx))

    @router.get("/consistency", response_model=ConsistencyOut)
    async def consistency(
        call: Call,
        old: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="Older tree size.")],
        new: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="Newer tree size.")],
    ) -> Response:
        """A consistency proof that the tree of ``new`` leaves extends the tree of ``old``
        leaves (RFC 9162 §2.1.4), with both roots and the stored signed checkpoints of
        those sizes, if any."""
        return await call.json(ConsistencyOut, lambda: _consistency(call.ctx, old, new))

    @router.get("/anchors", response_model=AnchorsOut)
    async def list_anchors(
        call: Call,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=_MAX_SIZE)] = 0,
    ) -> Response:
        """Anchor transactions of the log's checkpoints, on lasting chains first (an
        ``ephemeral`` one was on an in-process chain that no longer exists), newest first."""
        return await call.json(AnchorsOut, lambda: _anchors(call.ctx, limit, offset))

    @router.get("/keys", response_model=KeysOut)
    async def public_keys(call: Call) -> Response:
        """Every staff key in the key history with its role and validity (by log index: a key
        signs events logged after it was added and before it was revoked or replaced), and
        the log's own checkpoint key. Key names are local to the store and not served."""
        return await call.json(KeysOut, lambda: _keys(call.ctx))

    return router
