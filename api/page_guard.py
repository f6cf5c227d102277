"""The shell around the public pages (``/v/...``, ``/static/...``, ``/favicon.ico``): security
headers on every response, a per-client rate limit, and gzip.

* Headers: a Content-Security-Policy that allows no script at all, styles and images only
  from this origin, and no framing (``frame-ancestors 'none'``, with ``X-Frame-Options`` for
  older browsers); ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: no-referrer``
  (a tag's link carries its code: no other site should see it). Error pages get them too.
* Rate limit: a token bucket per client address, in this process's memory only, bounded in
  the number of addresses it remembers (the least recently seen are forgotten first).
  Addresses are never written anywhere: the database gets no personal data. Behind a reverse
  proxy the address is the one uvicorn's proxy-headers handling puts in the ASGI scope.
* gzip when the client accepts it (Starlette's ``GZipMiddleware``; it leaves images alone).

The partner API under ``/v1`` keeps its own headers, limits and compression.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "PAGE_HEADERS", "ClientLimiter", "PageGuard", "is_page_path"]

#: No script from anywhere, styles and images from this origin only, no plugins, no framing,
#: no forms, no <base> tricks (CSP Level 3, w3.org/TR/CSP3).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
_PREFIXES = ("/v/", "/static/")
_EXACT = ("/v", "/favicon.ico")
#: Addresses remembered at most: about 100 bytes each, so the limiter stays under a few MB.
MAX_CLIENTS = 10_000


def is_page_path(path: str) -> bool:
    """Whether ``path`` is one of the public pages (or their assets)."""
    return path.startswith(_PREFIXES) or path in _EXACT


class ClientLimiter:
    """``per_minute`` requests per client address, as a token bucket (bursts up to
    ``per_minute`` at once, refilled evenly over the minute). Not thread-safe: the middleware
    calls it on the event loop only."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def admit(self, client: str) -> float | None:
        """Take one request for ``client``: ``None`` if admitted, else seconds to wait."""
        now = self._clock()
        rate = self.per_minute / 60.0
        tokens, seen = self._buckets.pop(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - seen) * rate)
        admitted = tokens >= 1.0
        if admitted:
            tokens -= 1.0
        self._buckets[client] = (tokens, now)  # newest last
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)  # forget the least recently seen
        return None if admitted else (1.0 - tokens) / rate

    def __len__(self) -> int:
        return len(self._buckets)


class PageGuard:
    """ASGI middleware for the public pages (see the module docstring).

    ``too_many(seconds)`` makes the 429 page; ``limiter`` is ``None`` for no limit. Only the
    pages under ``/v/`` count against the limit, not the stylesheet or the icon.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: ClientLimiter | None,
        too_many: Callable[[int], Response],
    ) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=500, compresslevel=6)
        self.limiter = limiter
        self.too_many = too_many

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PAGE_HEADERS.items():
                    headers[name] = value
            await send(message)

        limited = self.limiter is not None and self.limiter.per_minute > 0
        if limited and scope["path"].startswith("/v/"):
            assert self.limiter is not None
            client = scope.get("client")
            wait = self.limiter.admit(client[0] if client else "unknown")
            if wait is not None:
                response = self.too_many(math.ceil(wait))
                await response(scope, receive, with_headers)
                return
        await self.gzip(scope, receive, with_headers)
