"""What an audit reports: one :class:`Finding` per failed check.

Both audits (the ledger's chain audit and the log's tree audit) produce findings, so the type
lives below both of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """One failed check: which event, which check, what was wrong."""

    item: str
    seq: int | None
    log_index: int | None
    check: str
    message: str

    def __str__(self) -> str:
        where = self.item if self.seq is None else f"{self.item} event {self.seq}"
        if self.log_index is not None:
            where += f" (log index {self.log_index})"
        return f"{where}: {self.check}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "item": self.item,
            "seq": self.seq,
            "log_index": self.log_index,
            "check": self.check,
            "message": self.message,
        }
