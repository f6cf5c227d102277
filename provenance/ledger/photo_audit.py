"""The photo audit: every photo an event names is stored, and its bytes still hash to the
SHA-256 the signed event carries.

Photos live outside the signed text (``blobs``, content-addressed); the event commits to them
by hash. Replacing a stored photo's bytes, or deleting it, leaves every signature intact, so
the audit re-hashes each one and blames the events that name it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from ..findings import Finding
from ..storage.tables import blobs
from .events import Event

__all__ = ["PhotoChecker", "photo_hashes"]


def photo_hashes(data: dict[str, Any]) -> Iterator[str]:
    """The photo hashes a payload names (``photos``, and a correction's ``set.photos``)."""
    for holder in (data, data.get("set")):
        if isinstance(holder, dict):
            for digest in holder.get("photos") or ():
                if isinstance(digest, str):
                    yield digest


class PhotoChecker:
    """Collects the photos events name, then checks each stored photo once."""

    def __init__(self) -> None:
        self._named: dict[str, list[tuple[str, int, int]]] = {}

    def add(self, event: Event, log_index: int) -> None:
        """Note the photos one (verified) event names."""
        for digest in photo_hashes(event.data):
            self._named.setdefault(digest, []).append((event.item, event.seq, log_index))

    def finish(self, conn: Connection) -> list[Finding]:
        """Re-hash every named photo; one finding per event naming a missing or altered one."""
        findings: list[Finding] = []
        for digest, users in sorted(self._named.items()):
            data = conn.execute(select(blobs.c.data).where(blobs.c.sha256 == digest)).scalar()
            if data is None:
                problem = f"photo {digest} is missing from the store"
            elif hashlib.sha256(bytes(data)).hexdigest() != digest:
                problem = f"photo {digest} was altered: its bytes no longer match its hash"
            else:
                continue
            findings.extend(
                Finding(item, seq, index, "photo", problem) for item, seq, index in users
            )
        return findings
