"""``POST /v1/verify``'s work, in a process of its own.

Parsing and checking an 8 MiB bundle is pure Python and C that holds the GIL: run in the API
worker's own threads, it would stall every buyer page that worker serves for as long. So the
body goes to one child process per API worker (a ``spawn`` process pool of one), which does
all of it: the bounded pre-check, the parse, every check of the verifier, the verdict. The
API worker only reads the body (bounded), waits (without the GIL), and answers. A check that
runs past :data:`VERIFY_SECONDS` is abandoned: the child is killed, the client gets a 503,
and the next request starts a fresh child. So no request holds a worker for long.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

__all__ = ["VERIFY_SECONDS", "Refused", "run_verify", "verify_in_child", "warm"]

logger = logging.getLogger(__name__)

#: The longest one verification may take before it is abandoned (an honest 8 MiB bundle of
#: 10,000 events takes a few seconds on a slow machine).
VERIFY_SECONDS = 30.0

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


class Refused(Exception):  # noqa: N818  (an answer, not an error of ours)
    """The request is refused with ``status`` and a one-line ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


def verify_in_child(
    body: bytes, *, rpc_url: str | None, chain_id: int | None, pinned: str, unusable: str | None
) -> tuple[str, Any]:
    """The child's side: ``("ok", report JSON)`` or ``("refused", (status, message))``.

    Plain tuples cross the process boundary (exception classes with their own ``__init__``
    do not unpickle reliably).
    """
    from provenance.errors import EventFormatError
    from provenance.proof.report import fail_checkpoint
    from provenance.proof.strictjson import AmbiguousJSONError, loads_strict
    from provenance.proof.verdict import bundle_verdict
    from provenance.proof.verifier import verify_bundle

    # One bounded parse: UTF-8, depth and balance before the parser recurses, then the
    # document itself, which the verifier takes as it is (it does not parse again).
    document: Any
    try:
        document = loads_strict(body)
    except AmbiguousJSONError:
        document = body  # JSON, but read two ways: the verifier's format check fails it
    except EventFormatError as exc:
        return "refused", (400, str(exc).replace("bundle is", "the body is", 1))
    else:
        if not isinstance(document, dict):
            return "refused", (400, "a bundle is a JSON object")
    report = verify_bundle(document, rpc_url=rpc_url, chain_id=chain_id, log_key=pinned)
    if unusable is not None:
        fail_checkpoint(report, f"the pinned log key cannot verify anything: {unusable}")
    verdict = bundle_verdict(document if isinstance(document, dict) else {}, report)
    return "ok", {"verdict": verdict.word, "verdict_detail": verdict.to_json(), **report.to_json()}


def _watch_parent(parent: int) -> None:
    """The child's initializer: exit as soon as the API worker that started it is gone.

    A server stopped by a signal may never shut its pool down, and a child waiting for work
    would then live on, orphaned, holding memory; so a daemon thread looks once a second.
    """
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
        return _pool


def _ready() -> bool:
    return True


def warm() -> None:
    """Start the verifying process now, in the background, so the first partner to verify
    does not wait for a Python to start and import the verifier (over a second)."""
    _executor().submit(_ready)


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def run_verify(
    body: bytes,
    *,
    rpc_url: str | None,
    chain_id: int | None,
    pinned: str,
    unusable: str | None,
    seconds: float = VERIFY_SECONDS,
) -> dict[str, Any]:
    """Verify ``body`` in the child process; raise :class:`Refused` for a bad body or a
    verification that took longer than ``seconds``."""
    pool = _executor()
    future = pool.submit(
        verify_in_child, body, rpc_url=rpc_url, chain_id=chain_id, pinned=pinned, unusable=unusable
    )
    try:
        kind, value = future.result(timeout=seconds)
    except FutureTimeout:
        logger.warning("a verification ran past %.0f s: abandoned", seconds)
        _discard(pool)
        raise Refused(503, f"the verification took longer than {seconds:.0f} s") from None
    except Exception as exc:  # the child died (killed, out of memory): start afresh next time
        logger.warning("the verification process failed: %s", exc)
        _discard(pool)
        raise Refused(503, "the verification process failed; try again") from None
    if kind == "refused":
        status, message = value
        raise Refused(int(status), str(message))
    result: dict[str, Any] = value
    return result


@atexit.register
def _shutdown() -> None:
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
