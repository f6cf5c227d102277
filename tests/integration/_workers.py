"""Worker processes for the concurrency tests (a module of its own, so that spawned children
import only this, not pytest's test modules)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from provenance import Ledger, SigningKey
from provenance.ledger.schemas import EventType


def append_many(
    url: str, item: str, key_hex: str, worker: int, count: int, start: Any, results: Any
) -> None:
    """Wait for the start signal, then append ``count`` notes and grades to ``item``."""
    key = SigningKey.from_private(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_hex)))
    done: list[int] = []
    try:
        ledger = Ledger.open(url)
        try:
            start.wait()
            for n in range(count):
                if n % 2:
                    etype = EventType.GRADE
                    data = {"kind": "vinyl", "media": "VG", "sleeve": "VG", "method": "visual"}
                else:
                    etype, data = EventType.NOTE, {"text": f"worker {worker}, note {n}"}
                stored = ledger.append(signer=key, item=item, event_type=etype, data=data)
                done.append(stored.log_index)
        finally:
            ledger.engine.dispose()
    finally:
        # Always report, so the parent never waits for a worker that died early.
        results.put((worker, done))
