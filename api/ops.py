"""Operations: ``/healthz`` (the database answers and is at this code's schema) and
``/metrics`` (Prometheus text; per process, see :mod:`api.metrics`). No key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from provenance.errors import ConfigurationError
from provenance.storage.migrate import current_revision, schema_head

from .deps import Context
from .errors import ERROR_RESPONSES
from .models import HealthOut

__all__ = ["ops_router"]

_PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def _health(ctx: Context) -> dict[str, Any]:
    revision = current_revision(ctx.engine)
    if revision != schema_head():
        raise ConfigurationError(
            f"the database is at schema {revision}, this server needs {schema_head()}"
        )
    return {"ok": True, "schema_version": revision}


def ops_router() -> APIRouter:
    """Health and metrics."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=HealthOut, responses={503: ERROR_RESPONSES[503]})
    async def healthz(ctx: Context) -> dict[str, Any]:
        """200 when the database is reachable and holds a ledger at this server's schema."""
        return await ctx.run(lambda: _health(ctx))

    @router.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics(ctx: Context) -> PlainTextResponse:
        """Request counts by route, method and status, and latency histograms, in the
        Prometheus text format. Counted per worker process: with several workers, each
        scrape reaches one of them."""
        return PlainTextResponse(ctx.metrics.render(), media_type=_PROMETHEUS)

    return router
