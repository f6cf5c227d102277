"""Dependencies of the routes: the app's context, and the partner key check.

A partner sends its key as ``Authorization: Bearer pk_...``. A route asks for
``Depends(partner(Scope.X))`` and gets a :class:`PartnerCall`; ``await call.json(Model, work)``
(or ``call.raw(work)`` for a body already serialised) then does, in **one** trip to the thread
pool: check the key (:func:`provenance.partners.admit`, one indexed read) and count the request
against its rate limit (:meth:`api.bookkeeping.Bookkeeper.take`, usually from a lease held in
memory), run ``work``, validate and serialise its result with the response model, and log the
request with its status (buffered; the bookkeeper writes the log in batches). A refused key
raises 401 (no, unknown or revoked key), 403 (scope) or 429 (with ``Retry-After``), and is
logged too if the key is one we issued. Keeping it to one thread hop matters: a hop costs
about as much as the database work of a cached item summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import Connection, Engine

from provenance.partners import Partner, Scope, Verdict, admit

from .bookkeeping import Bookkeeper
from .errors import ApiError, error_response, status_of, validation_message
from .metrics import Metrics
from .requestlog import LOGGED_STATE, PARTNER_STATE
from .settings import ApiSettings
from .status import StatusMemo

__all__ = [
    "PARTNER_KEY_SCHEME",
    "ApiContext",
    "Context",
    "PartnerCall",
    "accepts_gzip",
    "bearer_key",
    "context",
    "partner",
    "partner_validation_error",
]

#: How the OpenAPI document declares the partner key (``create_app`` adds it to every partner
#: operation). The key itself is read by :func:`bearer_key`: a FastAPI security dependency
#: would do the same per request at several times the cost.
PARTNER_KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A partner API key (pk_...) from 'provenance partners add', as a bearer token.",
}
T = TypeVar("T")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="provenance"'}


@dataclass(frozen=True)
class ApiContext:
    """What every route may use; built once per app (so once per worker process)."""

    engine: Engine
    settings: ApiSettings
    metrics: Metrics
    memo: StatusMemo
    max_bundle_bytes: int
    #: The scope each partner route needs, by route template.
    route_scopes: dict[str, Scope]
    #: Bounds the threads doing database and verification work at once (see ``run``).
    limiter: anyio.CapacityLimiter
    #: Rate-limit leases and the buffered request log of this process.
    bookkeeper: Bookkeeper

    async def run(self, work: Callable[[], T]) -> T:
        """Run blocking ``work`` in a worker thread, at most ``limiter`` at a time.

        The work is mostly Python holding the GIL, with short releases inside the database
        driver; many threads at once mostly queue for the GIL, and a thread that gave it up
        for a query waits a whole switch interval to get it back. A few threads serve more
        requests, sooner.
        """
        return await anyio.to_thread.run_sync(work, limiter=self.limiter)


async def context(request: Request) -> ApiContext:
    """The app's context (async: no database work, so no trip through the thread pool)."""
    ctx: ApiContext = request.app.state.ctx
    return ctx


Context = Annotated[ApiContext, Depends(context)]


class PartnerCall:
    """One partner request: its key, the scope its route needs, and how to serve it."""

    def __init__(self, request: Request, ctx: ApiContext, scope: Scope, key: str | None) -> None:
        self.request = request
        self.ctx = ctx
        self.scope = scope
        self.key = key

    async def admit(self) -> Partner:
        """Check the key alone (for routes that must read a body after the check)."""
        return await self.ctx.run(self._admit)

    async def json(
        self, model: type[BaseModel], work: Callable[[], Any], *, admitted: bool = False
    ) -> Response:
        """Check the key (unless done already), run ``work``, and answer with its result as
        ``model`` JSON; the request is logged in the same thread hop."""
        return await self.ctx.run(
            lambda: self._serve(lambda: model.model_validate(work()).model_dump_json(), admitted)
        )

    async def raw(
        self, work: Callable[[Connection], bytes], *, content_encoding: str | None = None
    ) -> Response:
        """Like :meth:`json` for ``work`` that returns the JSON body already serialised (and
        validated against the route's response model when it was made), in
        ``content_encoding`` if one is given. ``work`` reads on the connection the key was
        checked on: one pool checkout per request."""

        def serve() -> Response:
            with self.ctx.engine.connect() as conn:
                self._admit(conn)
                return self._serve(lambda: work(conn), True, content_encoding)

        return await self.ctx.run(serve)

    def accepts_gzip(self) -> bool:
        """Whether the client accepts a gzip-encoded response."""
        return accepts_gzip(self.request.headers.get("accept-encoding", ""))

    def _serve(
        self,
        work: Callable[[], str | bytes],
        admitted: bool,
        content_encoding: str | None = None,
    ) -> Response:
        if not admitted:
            self._admit()
        try:
            body = work()
        except Exception as exc:
            self._settle(status_of(exc))
            raise
        self._settle(200)
        headers = {"Content-Encoding": content_encoding} if content_encoding else None
        return Response(body, media_type="application/json", headers=headers)

    def _admit(self, conn: Connection | None = None) -> Partner:
        bind = conn if conn is not None else self.ctx.engine
        admission = admit(bind, self.key, scope=self.scope, check_limit=False)
        if admission.partner is not None:
            setattr(self.request.state, PARTNER_STATE, admission.partner)
        if admission.ok:
            assert admission.partner is not None
            retry_after = self.ctx.bookkeeper.take(admission.partner)
            if not retry_after:
                return admission.partner
            error = _limited(admission.partner, retry_after)
        else:
            error = _refusal(admission.verdict, self.scope, self.key)
        self._settle(error.status)
        raise error

    def _settle(self, status: int) -> None:
        """Log the request (if a partner is known)."""
        known: Partner | None = getattr(self.request.state, PARTNER_STATE, None)
        if known is None:
            return
        self.ctx.bookkeeper.record(
            known, method=self.request.method, path=self.request.url.path, status=status
        )
        setattr(self.request.state, LOGGED_STATE, True)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (RFC 9110 §12.5.3): listed as
    ``gzip`` or ``x-gzip`` with a weight above 0. A malformed weight counts as a refusal:
    the identity encoding is never wrong."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() not in ("gzip", "x-gzip"):
            continue
        weight = params.strip()
        if not weight:
            return True
        name, _, value = weight.partition("=")
        try:
            return name.strip() == "q" and float(value) > 0
        except ValueError:
            return False
    return False


def _limited(known: Partner | None, retry_after: int) -> ApiError:
    limit = known.rate_limit if known is not None else 0
    return ApiError(
        429,
        f"rate limit of {limit} requests per minute reached",
        headers={"Retry-After": str(retry_after)},
    )


def _refusal(verdict: Verdict, scope: Scope, key: str | None) -> ApiError:
    match verdict:
        case Verdict.UNKNOWN if key is None:
            message = "an API key is required (Authorization: Bearer pk_...)"
            return ApiError(401, message, headers=_CHALLENGE)
        case Verdict.UNKNOWN:
            return ApiError(401, "unknown API key", headers=_CHALLENGE)
        case Verdict.REVOKED:
            return ApiError(401, "this API key has been revoked", headers=_CHALLENGE)
        case Verdict.SCOPE:
            return ApiError(403, f"this API key lacks the {scope.value!r} scope")
        case _:  # LIMITED: admit(check_limit=False) leaves the count to the bookkeeper
            raise AssertionError(f"unexpected verdict {verdict}")


def bearer_key(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header (RFC 6750 §2.1), if there is one;
    whether it is a key we issued is :func:`provenance.partners.admit`'s question."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def partner(scope: Scope) -> Callable[..., Any]:
    """A dependency giving the route a :class:`PartnerCall` for ``scope``. It does no database
    work itself (the call does, in the route's one thread hop)."""

    async def partner_call(request: Request) -> PartnerCall:
        return PartnerCall(request, request.app.state.ctx, scope, bearer_key(request))

    return partner_call


async def partner_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """A malformed parameter on a partner route: the key is checked first (a refused key
    gets its 401/403/429, not a hint about the parameters), and the request is counted and
    logged like any other."""
    assert isinstance(exc, RequestValidationError)
    response = error_response(422, validation_message(exc), "invalid_input")
    ctx: ApiContext = request.app.state.ctx
    scope = ctx.route_scopes.get(getattr(request.scope.get("route"), "path", ""))
    if scope is None:
        return response
    call = PartnerCall(request, ctx, scope, bearer_key(request))

    def check() -> None:
        call._admit()
        call._settle(422)

    try:
        await ctx.run(check)
    except ApiError as refused:
        return error_response(refused.status, refused.message, refused.kind, refused.headers)
    return response
