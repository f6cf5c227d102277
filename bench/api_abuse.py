"""Adversarial ``POST /v1/verify`` bodies against a real server, and what they do to buyers.

One ``provenance serve`` process (one uvicorn worker, the defaults) on a small store on
127.0.0.1. The attacker sends bodies built to make a JSON pre-check backtrack or recurse:

* ``escaped-quotes``: ``'"' + '\\"' * n``, one string that never closes (the old regex
  pre-check was quadratic on it: 64 KiB took 21 s);
* ``deep``: ``'[' * n``, nesting that a recursive parser would follow;
* ``many-strings``: ``'"",' * n`` inside a list, many tiny strings for the tokenizer;
* ``many-objects``: ``'{},' * n`` as a bundle's events, many tiny objects for the parser
  (a parser spends its time per value: parsed, these cost over 100 ms per MiB).

Each at 64 KiB, 1 MiB and 8 MiB (the size limit), 25 times at 64 KiB and 5 times at 1 and 8
MiB (``--repeats 5``); the figure is the median
response time seen by the client (the body goes over loopback, so this is server time plus
the upload). The target: each refused in at most 50 ms per MiB. A request has a fixed cost
whatever its size (HTTP, the key check, the hand-over to the verifying process), which alone
is more than 50 ms/MiB x 64 KiB = 3 ms; so the baseline is a tiny body (``{}``) measured in
the same run, each attacking request paired with a tiny one sent just before it, and the
per-MiB figure held to the target is the median time beyond the tiny one; nothing else is
sent meanwhile, so this is the server's time for the body. Then a second thread asks for a
buyer page in a loop, first alone and then while every body is sent again; its p99 during
the attack is compared with its p99 when idle, measured in the same run (target: at most
3x). The buyer page's
per-client rate limit is switched off (``PROVENANCE_API_PAGE_RATE_LIMIT=0``): this measures
the server's work, not the limiter's refusals.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from _results import Figure, write_results

PROVENANCE = str(Path(sys.executable).with_name("provenance"))
PASSPHRASE = "bench-passphrase-1"
SIZES = {"64 KiB": 64 * 1024, "1 MiB": 1024 * 1024, "8 MiB": 8 * 1024 * 1024 - 64}


def _bodies(size: int) -> dict[str, bytes]:
    return {
        "escaped-quotes": ('"' + '\\"' * ((size - 1) // 2)).encode(),
        "deep": b"[" * size,
        "many-strings": b"[" + b'"",' * ((size - 4) // 3) + b'""]',
        "many-objects": b'{"events": [' + b"{}," * ((size - 16) // 3) + b"{}]}",
    }


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PROVENANCE, *args], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def _store(home: Path) -> tuple[dict[str, str], str, str]:
    env = {**os.environ, "PROVENANCE_HOME": str(home), "PROVENANCE_PASSPHRASE": PASSPHRASE}
    env.pop("PROVENANCE_DB_URL", None)
    _cli(env, "init", "--store-name", "Bench Records")
    _cli(env, "keys", "create", "rick", "--role", "registrar")
    item = _cli(env, "--key", "rick", "register", "--kind", "vinyl", "--title", "Blue Train",
                "--artist", "John Coltrane")  # fmt: skip
    key = _cli(env, "partners", "add", "Attacker", "--scope", "verify", "--rate-limit", "100000")
    return env, item, key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _page_loop(url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            start = time.perf_counter()
            response = client.get(url)
            out.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code


Post = Callable[[bytes], tuple[float, int]]


def _pages_during(page: str, action: Callable[[], object]) -> list[float]:
    """Buyer-page response times (ms) from a loop that runs while ``action`` does."""
    times: list[float] = []
    stop = threading.Event()
    worker = threading.Thread(target=_page_loop, args=(page, stop, times))
    worker.start()
    try:
        action()
    finally:
        stop.set()
        worker.join()
    return times


def _attack(post: Post, repeats: int) -> None:
    for size in SIZES.values():
        for body in _bodies(size).values():
            for _ in range(repeats):
                post(body)


def _measure(post: Post, repeats: int, figures: list[Figure], details: dict[str, object]) -> None:
    """Each body against a tiny one sent just before it: the median time beyond it, per MiB."""
    base_times: list[float] = []
    for label, size in SIZES.items():
        # Small bodies need more pairs: their extra time is a few ms, about the spread from
        # one request to the next.
        pairs = repeats * max(1, (1024 * 1024) // size // 4 + 1)
        for shape, body in _bodies(size).items():
            times, extra, statuses = [], [], set()
            for _ in range(pairs):  # interleaved, so drift cancels in each pair
                tiny, _ = post(b"{}")
                spent, status = post(body)
                base_times.append(tiny)
                times.append(spent)
                extra.append(spent - tiny)
                statuses.add(status)
            per_mib = max(0.0, statistics.median(extra)) / (size / (1024 * 1024))
            details[f"{shape} {label}"] = {
                "ms": times,
                "beyond_tiny_ms": extra,
                "statuses": sorted(statuses),
            }
            shown = "/".join(map(str, sorted(statuses)))
            figures.append(
                Figure(
                    f"POST /v1/verify, {shape} body of {label} (status {shown}): median",
                    statistics.median(times),
                    "ms",
                )
            )
            figures.append(
                Figure(
                    f"POST /v1/verify, {shape} body of {label}: per MiB beyond a tiny body",
                    per_mib,
                    "ms/MiB",
                    "≤ 50 ms/MiB",
                    per_mib <= 50,
                )
            )
    figures.insert(
        0, Figure("POST /v1/verify, tiny body ({}): median", statistics.median(base_times), "ms")
    )
    details["baseline"] = base_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="api-abuse-") as tmp:
        env, item, key = _store(Path(tmp) / "home")
        env["PROVENANCE_API_PAGE_RATE_LIMIT"] = "0"
        port = _free_port()
        server = subprocess.Popen(
            [PROVENANCE, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("serve did not start")
                time.sleep(0.2)
            page = f"{base}/v/{item}"
            figures: list[Figure] = []
            details: dict[str, object] = {}
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            with httpx.Client(timeout=120) as attacker:

                def post(body: bytes) -> tuple[float, int]:
                    start = time.perf_counter()
                    response = attacker.post(f"{base}/v1/verify", content=body, headers=headers)
                    return (time.perf_counter() - start) * 1000, response.status_code

                post(b"{}")  # the verifying process is up (it starts with the server)
                # 1. The server's time per body, nothing else running.
                _measure(post, args.repeats, figures, details)
                # 2. The buyer page alone, then 3. while the same bodies are sent again.
                idle = _pages_during(page, lambda: time.sleep(args.idle_seconds))
                during = _pages_during(page, lambda: _attack(post, args.repeats))
        finally:
            server.terminate()
            server.wait(timeout=20)

    idle_p99, during_p99 = _p99(idle), _p99(during)
    ratio = during_p99 / idle_p99
    figures += [
        Figure("Buyer page p99, idle", idle_p99, "ms"),
        Figure("Buyer page p99 during the attack", during_p99, "ms"),
        Figure("Buyer page p99 during the attack / idle", ratio, "×", "≤ 3×", ratio <= 3),
    ]
    details["page_requests"] = {"idle": len(idle), "during": len(during)}
    write_results(
        "api_abuse",
        title="Adversarial /v1/verify bodies (one uvicorn worker, small store)",
        params={"repeats": args.repeats, "idle_seconds": args.idle_seconds},
        figures=figures,
        details=details,
    )


if __name__ == "__main__":
    main()
