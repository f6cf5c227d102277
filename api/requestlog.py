"""The partner request log: one ``partner_requests`` row per request made with a key we issued
(partner id, method, path, status, time), buffered when the response starts and written by
the process's :class:`~api.bookkeeping.Bookkeeper` within its flush interval.

A route's :class:`~api.deps.PartnerCall` logs the request itself (through the process's
bookkeeper), and marks the request state. This middleware is the safety net for requests that
named a partner but were not logged that way (e.g. a body refused after the key check): it
logs them when the response starts, so the status is known.
Requests without a recognised key are not partner requests and are only counted in the
metrics. Nothing about the client (address, user agent) is recorded.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provenance.partners import Partner

from .bookkeeping import Bookkeeper

__all__ = ["LOGGED_STATE", "PARTNER_STATE", "RequestLogMiddleware"]

#: Key in the ASGI scope's ``state`` under which the key check puts the :class:`Partner`.
PARTNER_STATE = "partner_id"
#: Set in the state once the request has been logged.
LOGGED_STATE = "partner_logged"


class RequestLogMiddleware:
    """Logs each partner request to the database."""

    def __init__(self, app: ASGIApp, bookkeeper: Bookkeeper) -> None:
        self.app = app
        self.bookkeeper = bookkeeper

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._log(scope, state, int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            self._log(scope, state, 500)
            raise

    def _log(self, scope: Scope, state: dict[str, Any], status: int) -> None:
        known: Partner | None = state.get(PARTNER_STATE)
        if known is None or state.get(LOGGED_STATE):
            return
        state[LOGGED_STATE] = True
        # In memory only (no database work on the event loop): the bookkeeper writes it.
        self.bookkeeper.record(known, method=scope["method"], path=scope["path"], status=status)
