"""The audit's view of the transparency log: recompute the tree from the events, in one pass.

Leaves are recomputed from the verified events and fed to a :class:`CompactRange`; every
perfect subtree it completes is compared with the stored node of the same coordinates (both
streams ordered by completion: by the subtree's last leaf, then by level). At each
checkpoint's size the recomputed root is compared with the checkpoint's, whose signature is
checked under the log key. A checkpoint beyond the end of the log means events were removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select, text

from ..errors import VerificationError
from ..findings import Finding
from ..storage.tables import checkpoints, store
from .checkpoint import verify_checkpoint
from .merkle import CompactRange

__all__ = ["TreeChecker"]

# Completion order of stored nodes: a subtree is complete when its last leaf arrives.
_NODES = text("SELECT level, idx, hash FROM log_nodes ORDER BY ((idx + 1) << level), level")


class TreeChecker:
    """Compares the stored tree and checkpoints with the tree recomputed from events."""

    def __init__(self, conn: Connection) -> None:
        self._range = CompactRange()
        self._stored: Iterator[Any] = iter(
            conn.execution_options(stream_results=True, yield_per=10_000).execute(_NODES)
        )
        self._pending = next(self._stored, None)
        row = conn.execute(select(store.c.origin, store.c.log_public_key)).first()
        self._identity = (
            (row.origin, bytes.fromhex(row.log_public_key))
            if row is not None and row.log_public_key
            else None
        )
        self._checkpoints = [
            (int(r.size), str(r.root), str(r.note))
            for r in conn.execute(select(checkpoints).order_by(checkpoints.c.size))
        ]
        self._next_cp = 0

    def add(self, *, leaf: bytes, item: str, seq: int, index: int) -> list[Finding]:
        """Add the leaf of the event at log ``index``; return what disagrees.

        Indices skipped since the previous call (deleted events) are filled with the stored
        leaf, if any, so that the events after a gap are still compared with their own leaves.
        """
        findings: list[Finding] = []
        while self._range.size < index:
            findings.extend(self._fill_gap())
        if index < self._range.size:  # not in log order: the audit reports the ordering
            return findings
        findings.extend(self._append(leaf, item, seq))
        return findings

    def _fill_gap(self) -> list[Finding]:
        index = self._range.size
        pending = self._pending
        stored = (
            bytes(pending.hash)
            if pending is not None and (pending.level, pending.idx) == (0, index)
            else bytes(32)
        )
        findings = [Finding("log", None, index, "tree", f"leaf {index} has no event (deleted?)")]
        findings.extend(self._append(stored, "log", None))
        return findings

    def _append(self, leaf: bytes, item: str, seq: int | None) -> list[Finding]:
        findings: list[Finding] = []
        index = self._range.size
        for level, idx, digest in self._range.append(leaf):
            stored = self._take(level, idx, findings)
            if stored is not None and stored != digest:
                if level == 0:
                    findings.append(
                        Finding(
                            item, seq, index, "tree", "stored leaf hash differs from the event's"
                        )
                    )
                else:
                    findings.append(
                        Finding("log", None, None, "tree", f"stored node ({level}, {idx}) differs")
                    )
        while (
            self._next_cp < len(self._checkpoints)
            and self._checkpoints[self._next_cp][0] == self._range.size
        ):
            findings.extend(self._check_checkpoint(*self._checkpoints[self._next_cp]))
            self._next_cp += 1
        return findings

    def finish(self) -> list[Finding]:
        """After the last leaf: leftovers in the stored tree, checkpoints beyond the log."""
        findings: list[Finding] = []
        while self._pending is not None:
            findings.append(
                Finding(
                    "log",
                    None,
                    None,
                    "tree",
                    f"stored node ({self._pending.level}, "
                    f"{self._pending.idx}) lies beyond the log's {self._range.size} leaves",
                )
            )
            self._pending = next(self._stored, None)
        for size, _root, note in self._checkpoints[self._next_cp :]:
            findings.extend(self._signature(size, note))
            findings.append(
                Finding(
                    "log",
                    None,
                    None,
                    "checkpoint",
                    f"checkpoint of size {size} but the log "
                    f"holds only {self._range.size} events (events removed?)",
                )
            )
        return findings

    def _take(self, level: int, idx: int, findings: list[Finding]) -> bytes | None:
        key = ((idx + 1) << level, level)
        while self._pending is not None:
            p_key = ((self._pending.idx + 1) << self._pending.level, self._pending.level)
            if p_key == key:
                digest = bytes(self._pending.hash)
                self._pending = next(self._stored, None)
                return digest
            if p_key > key:
                break
            findings.append(
                Finding(
                    "log",
                    None,
                    None,
                    "tree",
                    f"stored node ({self._pending.level}, {self._pending.idx}) is not in the tree",
                )
            )
            self._pending = next(self._stored, None)
        findings.append(Finding("log", None, None, "tree", f"node ({level}, {idx}) is missing"))
        return None

    def _check_checkpoint(self, size: int, root: str, note: str) -> list[Finding]:
        findings = self._signature(size, note)
        calculated = self._range.root().hex()
        if root != calculated:
            findings.append(
                Finding(
                    "log",
                    None,
                    None,
                    "checkpoint",
                    f"checkpoint of size {size} says root {root}, events give {calculated}",
                )
            )
        return findings

    def _signature(self, size: int, note: str) -> list[Finding]:
        if self._identity is None:
            return [Finding("log", None, None, "checkpoint", "checkpoints exist but no log key")]
        name, public_key = self._identity
        try:
            cp = verify_checkpoint(note, name=name, public_key=public_key, origin=name)
        except VerificationError as exc:
            return [Finding("log", None, None, "checkpoint", f"checkpoint of size {size}: {exc}")]
        if cp.size != size:
            return [
                Finding(
                    "log",
                    None,
                    None,
                    "checkpoint",
                    f"stored checkpoint row says size {size}, its note says {cp.size}",
                )
            ]
        return []
