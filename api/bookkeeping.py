"""Per-process partner bookkeeping: rate-limit leases and the write-behind request log.

Counting and logging every partner request with its own write transaction costs more than
serving a cached item summary, so each API worker process amortises both, and keeps the
guarantees that matter:

* **Rate limits stay shared and are never exceeded.** The count lives in the database
  (``partner_rate``); a process takes requests from the current window in leases
  (:func:`provenance.partners.lease`: one upsert adds the lease to the shared count and
  grants only what fits under the limit). Leases are about 1 % of the limit (at most 100),
  and a single request for limits under 200, where every request is then counted in the
  database as it comes. The requests granted to all workers together never exceed the limit;
  a lease a worker has not used up when the window ends is lost, so a partner spread over
  several workers may get up to one lease per worker fewer than its limit.
* **Every partner request is logged**, in the order answered, by a background thread that
  appends the buffered rows in one transaction every ``PROVENANCE_API_LOG_FLUSH_SECONDS``
  (0.2 s by default), sooner when 500 are waiting, and at shutdown. A crash of the process
  loses at most that last fraction of a second of log rows (PostgreSQL's asynchronous
  commit, which the log used before, had the same bound). If the database is unreachable,
  rows wait (up to 100,000) and the failure is logged.

Only the leases and the unwritten log rows live in one process's memory; see
:mod:`api.metrics` for the counters, which are per process by design.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from provenance.errors import ProvenanceError
from provenance.ledger.events import utc_now
from provenance.partners import WINDOW_SECONDS, Partner, RequestRecord, lease, record_requests

__all__ = ["Bookkeeper", "lease_size"]

logger = logging.getLogger(__name__)

#: Rows that wake the flusher before its interval is up.
_BATCH = 500
#: Rows kept while the database cannot be written; beyond that the oldest are dropped.
_MAX_PENDING = 100_000


def lease_size(rate_limit: int) -> int:
    """Requests one lease takes: about 1 % of the limit, 1 under 200, at most 100."""
    return max(1, min(rate_limit // 100, 100))


@dataclass
class _Lease:
    window_start: int
    left: int
    #: The database granted less than was asked: the window is used up for every process.
    full: bool
    retry_after_at: float


class Bookkeeper:
    """Leases and the request-log buffer of one API process."""

    def __init__(self, engine: Engine, *, flush_seconds: float) -> None:
        self._engine = engine
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._leases: dict[str, _Lease] = {}
        self._pending: list[RequestRecord] = []
        self._flushing = threading.Lock()  # one flush at a time, in order
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- rate limits ----------------------------------------------------------------------------

    def take(self, partner: Partner, *, now: float | None = None) -> int:
        """Count one request of ``partner``: 0 if it may go ahead, else the seconds until its
        window ends (for ``Retry-After``). May write a lease to the database."""
        moment = time.time() if now is None else now
        with self._lock:
            held = self._leases.get(partner.id)
            if (
                held is not None
                and held.window_start <= moment < held.window_start + WINDOW_SECONDS
            ):
                if held.left > 0:
                    held.left -= 1
                    return 0
                if held.full:
                    return max(1, round(held.retry_after_at - moment))
        wanted = lease_size(partner.rate_limit)
        got = lease(self._engine, partner, want=wanted, now=moment)
        with self._lock:
            held = self._leases.get(partner.id)
            if held is None or held.window_start != got.window_start:
                held = _Lease(got.window_start, 0, False, moment + got.retry_after)
                self._leases[partner.id] = held
            held.full = held.full or got.granted < wanted
            if got.granted == 0:
                return got.retry_after
            held.left += got.granted - 1
            return 0

    # -- the request log ------------------------------------------------------------------------

    def record(self, partner: Partner, *, method: str, path: str, status: int) -> None:
        """Buffer one request-log row (written within the flush interval)."""
        row = RequestRecord(partner.id, method, path, status, utc_now())
        with self._lock:
            self._pending.append(row)
            waiting = len(self._pending)
            if waiting > _MAX_PENDING:
                del self._pending[: waiting - _MAX_PENDING]
                logger.error("request log: dropped the oldest rows (database unreachable?)")
        if self._thread is None:
            self._start()
        if waiting >= _BATCH:
            self._wake.set()

    def flush(self) -> int:
        """Write every buffered row now; return how many were written."""
        with self._flushing:
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return 0
            try:
                return record_requests(self._engine, rows)
            except ProvenanceError as exc:
                with self._lock:
                    self._pending[:0] = rows  # keep the order; retried at the next flush
                logger.error("request log: %d row(s) not written yet: %s", len(rows), exc)
                return 0

    def close(self) -> None:
        """Stop the flusher and write what is left."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._thread = threading.Thread(
                target=self._run, name="provenance-request-log", daemon=True
            )
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._flush_seconds)
            self._wake.clear()
            self.flush()
