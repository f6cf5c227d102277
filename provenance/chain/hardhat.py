"""Start and stop the local Hardhat node from ``hardhat_local/``, on 127.0.0.1 only.

The node runs in its own process group, detached from the caller, with its output in
``<state dir>/node.log`` and its pid in ``<state dir>/node.pid``; ``up`` waits until it answers
``eth_chainId``. ``hardhat_local/`` is found next to the package in a checkout, or through
``PROVENANCE_HARDHAT_DIR``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChainError

__all__ = [
    "DEFAULT_PORT",
    "NodeStatus",
    "find_project",
    "node_status",
    "recorded_port",
    "start_node",
    "stop_node",
]

DEFAULT_PORT = 8545
_HOST = "127.0.0.1"


@dataclass(frozen=True)
class NodeStatus:
    """Whether a node answers on the port, and which process we started, if any."""

    url: str
    running: bool
    chain_id: int | None
    pid: int | None


def find_project() -> Path:
    """The ``hardhat_local/`` directory, with its node modules installed."""
    env = os.environ.get("PROVENANCE_HARDHAT_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "hardhat_local")
    for path in candidates:
        if (path / "package.json").exists():
            if not (path / "node_modules" / "hardhat").exists():
                raise ChainError(
                    f"{path} has no node_modules; run 'npm ci' there first (needs Node.js)"
                )
            return path
    raise ChainError(
        "hardhat_local/ not found: run from a checkout of the project, or set "
        "PROVENANCE_HARDHAT_DIR to it"
    )


def _chain_id(url: str, timeout: float = 1.0) -> int | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1, built by us)
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:  # always http://127.0.0.1 (built above)
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(json.loads(response.read())["result"], 16)
    except (OSError, urllib.error.URLError, ValueError, KeyError):
        return None


def _pid(state_dir: Path) -> int | None:
    try:
        pid = int((state_dir / "node.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:  # reap it if it is our own child that has exited (a zombie still "exists")
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return None
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def node_status(state_dir: Path, port: int = DEFAULT_PORT) -> NodeStatus:
    """Is a node answering on 127.0.0.1:``port``?"""
    url = f"http://{_HOST}:{port}"
    chain_id = _chain_id(url)
    return NodeStatus(url, chain_id is not None, chain_id, _pid(state_dir))


def start_node(state_dir: Path, port: int = DEFAULT_PORT, timeout: float = 90.0) -> NodeStatus:
    """Start the node (unless one already answers on the port) and wait for it."""
    status = node_status(state_dir, port)
    if status.running:
        return status
    project = find_project()
    npx = shutil.which("npx")
    if npx is None:
        raise ChainError("npx not found: the Hardhat node needs Node.js and npm")
    state_dir.mkdir(parents=True, exist_ok=True)
    log = (state_dir / "node.log").open("ab")
    env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"}
    proc = subprocess.Popen(  # noqa: S603 (fixed argv: npx hardhat node ...)
        [npx, "hardhat", "node", "--hostname", _HOST, "--port", str(port)],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    log.close()
    (state_dir / "node.pid").write_text(f"{proc.pid}\n")
    (state_dir / "node.port").write_text(f"{port}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ChainError(
                f"the Hardhat node exited at start (status {proc.returncode}); "
                f"see {state_dir / 'node.log'}"
            )
        status = node_status(state_dir, port)
        if status.running:
            return status
        time.sleep(0.3)
    stop_node(state_dir, port)
    raise ChainError(f"the Hardhat node did not answer within {timeout:.0f} s")


def stop_node(state_dir: Path, port: int = DEFAULT_PORT, timeout: float = 15.0) -> bool:
    """Stop the node this tool started; return whether there was one."""
    pid = _pid(state_dir)
    if pid is None:
        (state_dir / "node.pid").unlink(missing_ok=True)
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid(state_dir) is not None:
        time.sleep(0.2)
    if _pid(state_dir) is not None:
        os.killpg(pid, signal.SIGKILL)
    (state_dir / "node.pid").unlink(missing_ok=True)
    (state_dir / "node.port").unlink(missing_ok=True)
    return True


def recorded_port(state_dir: Path) -> int | None:
    """The port of the node that ``start_node`` started and that still runs, if any: what
    ``--chain hardhat`` connects to after ``provenance hardhat up --port N``."""
    if _pid(state_dir) is None:
        return None
    try:
        return int((state_dir / "node.port").read_text().strip())
    except (OSError, ValueError):
        return None
