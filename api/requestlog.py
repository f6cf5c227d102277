"""The partner request log: one ``partner_requests`` row per request made with a key we issued
(partner id, method, path, status, time), written before the response leaves.

A route's :class:`~api.deps.PartnerCall` counts and logs the request itself
(:func:`provenance.partners.settle`), in the same thread hop as the work, and marks the request
state. This middleware is the safety net for requests that named a partner but were not
settled that way (e.g. a body refused after the key check): it settles them when the response
starts, so the status is known and a partner never holds a response that was not logged.
Requests without a recognised key are not partner requests and are only counted in the
metrics. Nothing about the client (address, user agent) is recorded.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provenance.errors import ProvenanceError
from provenance.partners import Partner, settle

__all__ = ["LOGGED_STATE", "PARTNER_STATE", "RequestLogMiddleware"]

logger = logging.getLogger(__name__)

#: Key in the ASGI scope's ``state`` under which the key check puts the :class:`Partner`.
PARTNER_STATE = "partner_id"
#: Set in the state once the request has been logged.
LOGGED_STATE = "partner_logged"


class RequestLogMiddleware:
    """Logs each partner request to the database."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        logged = False

        async def send_wrapper(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                logged = True
                await self._log(scope, state, int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if not logged:
                await self._log(scope, state, 500)
            raise

    async def _log(self, scope: Scope, state: dict[str, Any], status: int) -> None:
        known: Partner | None = state.get(PARTNER_STATE)
        if known is None or state.get(LOGGED_STATE):
            return
        state[LOGGED_STATE] = True
        try:
            await anyio.to_thread.run_sync(
                lambda: settle(
                    self.engine, known, method=scope["method"], path=scope["path"], status=status
                )
            )
        except ProvenanceError as exc:  # the database went away mid-request
            logger.error("could not log a request of partner %s: %s", known.id, exc)
