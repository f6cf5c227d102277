"""The app factory: :func:`create_app` builds the partner API over one database.

``provenance serve`` runs it under uvicorn. With ``--workers N`` uvicorn imports
:func:`app_from_env` in each worker process (its factory mode), so every worker builds its own
app, engine and connection pool from ``PROVENANCE_DB_URL`` / ``PROVENANCE_HOME`` and
``PROVENANCE_API_*``. Workers share everything through the database (partner keys, the
rate-limit windows, the request log); per process are only the metrics, the verification
memo, and the rate-limit leases and request-log rows not yet written (see :mod:`api.metrics`,
:mod:`api.status` and :mod:`api.bookkeeping`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine

from provenance.partners import Scope
from provenance.storage import ensure_current, make_engine

from .bookkeeping import Bookkeeper
from .deps import PARTNER_KEY_SCHEME, ApiContext, partner_validation_error
from .docs import install_docs
from .errors import install_error_handlers
from .items import items_router
from .log import log_router
from .metrics import Metrics, MetricsMiddleware
from .ops import ops_router
from .page_guard import ClientLimiter, PageGuard
from .pages import buyer_router, rate_limited_page
from .requestlog import RequestLogMiddleware
from .settings import ApiSettings
from .status import StatusMemo
from .verify import verify_router

__all__ = ["API_VERSION", "app_from_env", "create_app"]

API_VERSION = "1.0.0"

_DESCRIPTION = """\
The partner API of a provenance ledger: signed, hash-chained histories of rare records and
film prints, in an RFC 9162 transparency log anchored on Ethereum.

Send your key as `Authorization: Bearer pk_...`. Scopes: `items:read` (items, histories,
bundles), `log:read` (checkpoints, consistency proofs, anchors, keys), `verify`
(`POST /v1/verify`). Over your rate limit you get 429 with `Retry-After`. Every error is
`{"error": "...", "kind": "..."}`. No response names an owner: transfers are counted, and
events carry only commitments.
"""


def create_app(engine_or_url: Engine | str, *, settings: ApiSettings | None = None) -> FastAPI:
    """The partner API over ``engine_or_url``.

    Given a URL, the app makes the engine (the ledger must exist at the current schema) and
    disposes of it on shutdown; given an engine, the caller owns it.
    """
    from provenance.proof.bundle import MAX_BUNDLE_BYTES

    chosen = settings if settings is not None else ApiSettings()
    owned = isinstance(engine_or_url, str)
    if isinstance(engine_or_url, str):
        engine = make_engine(engine_or_url)
        ensure_current(engine)
    else:
        engine = engine_or_url

    bookkeeper = Bookkeeper(engine, flush_seconds=chosen.log_flush_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from .verify_worker import warm

        warm()  # the verifying process starts beside the server, not on the first request
        yield
        await anyio.to_thread.run_sync(bookkeeper.close)
        if owned:
            engine.dispose()

    app = FastAPI(
        title="Provenance partner API",
        version=API_VERSION,
        description=_DESCRIPTION,
        docs_url=None,  # served by api.docs from the installed package, not a CDN
        # Starlette would redirect "/healthz/" to an absolute URL built from the Host header.
        redirect_slashes=False,
        redoc_url=None,
        openapi_url="/openapi.json" if chosen.docs else None,
        lifespan=lifespan,
    )
    metrics = Metrics()
    route_scopes: dict[str, Scope] = {}
    app.state.ctx = ApiContext(
        engine=engine,
        settings=chosen,
        metrics=metrics,
        memo=StatusMemo(chosen.status_cache),
        max_bundle_bytes=min(chosen.max_bundle_bytes or MAX_BUNDLE_BYTES, MAX_BUNDLE_BYTES),
        route_scopes=route_scopes,
        limiter=anyio.CapacityLimiter(chosen.threads),
        bookkeeper=bookkeeper,
    )
    install_error_handlers(app)
    app.add_exception_handler(RequestValidationError, partner_validation_error)
    partner_routers = (
        (items_router(), Scope.ITEMS_READ),
        (log_router(), Scope.LOG_READ),
        (verify_router(), Scope.VERIFY),
    )
    for router, scope in partner_routers:
        app.include_router(router)
        route_scopes.update({getattr(r, "path", ""): scope for r in router.routes})
    app.openapi = _declaring_the_partner_key(app, route_scopes)  # type: ignore[method-assign]
    app.include_router(ops_router())
    if chosen.docs:
        install_docs(app)
    app.include_router(buyer_router(engine))  # the buyers' pages: public HTML, no key
    # The pages' headers, per-client limit and gzip (only under /v/, /static/, /favicon.ico).
    limiter = ClientLimiter(chosen.page_rate_limit) if chosen.page_rate_limit else None
    app.state.page_limiter = limiter
    app.add_middleware(PageGuard, limiter=limiter, too_many=rate_limited_page)
    # Added last = outermost: metrics time everything, including the request-log write.
    app.add_middleware(RequestLogMiddleware, bookkeeper=bookkeeper)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _declaring_the_partner_key(
    app: FastAPI, route_scopes: dict[str, Scope]
) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with the partner key declared: the ``PartnerKey`` bearer scheme, and
    ``security`` on every operation of a partner route (FastAPI's way of extending the
    document; the key is read by :func:`api.deps.bearer_key`, not by a security dependency)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["PartnerKey"] = PARTNER_KEY_SCHEME
            for path, operations in schema.get("paths", {}).items():
                if path in route_scopes:
                    for operation in operations.values():
                        operation["security"] = [{"PartnerKey": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def app_from_env() -> FastAPI:
    """uvicorn's factory (``provenance_api.app:app_from_env``): the app over the database the
    environment names, as ``provenance`` itself would open it."""
    from provenance.settings import Settings

    return create_app(Settings().database_url, settings=ApiSettings())
