"""Prometheus-style metrics: request counts by route, method and status, and a latency
histogram by route, in the text exposition format (version 0.0.4) at ``/metrics``.

**Per process.** The counters live in the memory of the worker that served the request: with
``provenance serve --workers N`` each worker counts its own requests, and a scrape of
``/metrics`` reaches whichever worker accepted the connection. Sum over workers (or run one
worker per scrape target) for totals. They are the only state the API keeps in one process's
memory that is not a cache; everything else lives in the database.

Routes are labelled by their template (``/v1/items/{item}``), never by the raw path, so an
item id does not become a label; requests that match no route share the label ``unmatched``.
The middleware is plain ASGI (no per-request task or body buffering) and updates the counters
on the event loop, so no lock is needed.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BUCKETS", "Metrics", "MetricsMiddleware"]

#: Latency histogram bucket bounds in seconds (Prometheus' defaults, plus finer low buckets
#: because most API requests take a few milliseconds).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Any other method string is counted as OTHER, so a client cannot mint new label values.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    n: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.n += 1


class Metrics:
    """This process's request counters and latency histograms."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, _Histogram] = defaultdict(_Histogram)
        self.started = time.time()

    def observe(self, *, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        self.requests[(route, method, status)] += 1
        self.latency[route].observe(seconds)

    def render(self) -> str:
        """The text exposition of every metric."""
        lines = [
            "# HELP provenance_api_requests_total Requests served by this process.",
            "# TYPE provenance_api_requests_total counter",
        ]
        for (route, method, status), n in sorted(self.requests.items()):
            labels = f'route="{_esc(route)}",method="{method}",status="{status}"'
            lines.append(f"provenance_api_requests_total{{{labels}}} {n}")
        lines += [
            "# HELP provenance_api_request_duration_seconds Request latency in this process.",
            "# TYPE provenance_api_request_duration_seconds histogram",
        ]
        for route, hist in sorted(self.latency.items()):
            label = f'route="{_esc(route)}"'
            cumulative = 0
            for bound, count in zip((*BUCKETS, float("inf")), hist.counts, strict=True):
                cumulative += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(
                    f'provenance_api_request_duration_seconds_bucket{{{label},le="{le}"}} '
                    f"{cumulative}"
                )
            lines.append(f"provenance_api_request_duration_seconds_sum{{{label}}} {hist.total!r}")
            lines.append(f"provenance_api_request_duration_seconds_count{{{label}}} {hist.n}")
        lines += [
            "# HELP provenance_api_process_start_time_seconds When this worker started.",
            "# TYPE provenance_api_process_start_time_seconds gauge",
            f"provenance_api_process_start_time_seconds {self.started!r}",
        ]
        return "\n".join(lines) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class MetricsMiddleware:
    """Times every HTTP request and counts it under its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe(
                route=_route_label(scope),
                method=scope["method"] if scope["method"] in _METHODS else "OTHER",
                status=status,
                seconds=time.perf_counter() - start,
            )


def _route_label(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
