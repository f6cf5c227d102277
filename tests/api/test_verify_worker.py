"""The verifying child process never outlives the API worker that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

# An API worker in miniature: one verification (so the child starts), the child's pid on
# stdout, then it waits to be killed, as a server stopped by a signal is.
_WORKER = textwrap.dedent(
    """
    import sys, time
    from provenance_api import verify_worker
    verify_worker.run_verify(b"{}", rpc_url=None, chain_id=None, pinned=None, unusable=None)
    (pid,) = verify_worker._pool._processes
    print(pid, flush=True)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) is gone too.
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split()[2] != "Z"


def test_the_child_exits_when_the_api_worker_is_killed() -> None:
    worker = subprocess.Popen([sys.executable, "-c", _WORKER], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None
        child = int(worker.stdout.readline())
        assert _alive(child)
        worker.send_signal(signal.SIGKILL)  # no atexit, no pool shutdown
        worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the verifying child outlived its API worker"
    finally:
        worker.kill()
