"""The verifier's report: every named check, and the one outcome drawn from them.

The outcome is the verdict, in this order:

``failed``    some check failed: the bundle is wrong (forged, altered, or for another log);
``unproven``  nothing failed, but not every event is covered by an inclusion proof into a
              checkpoint signed by the log key: the bundle has no checkpoint, or its newest
              events are newer than it. Signatures and links hold, yet nothing shows the
              events are in the store's log; anyone holding staff keys, or forged ones,
              can write such a bundle;
``verified``  every check ran and passed, except the anchor, which may be not checked (no
              RPC given, not anchored yet, an ephemeral chain): every event is in the signed
              log. Whether the log key was pinned is said beside it (``log_key_pinned``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import VerificationError

__all__ = [
    "CHECKS",
    "Check",
    "Outcome",
    "Status",
    "VerificationReport",
    "fail_checkpoint",
    "not_yet_checkpointed",
]

#: The checks, in the order they run (docs/bundle.md numbers its steps the same way).
CHECKS = ("format", "hashes", "chain", "signatures", "keys", "checkpoint", "inclusion", "anchor")

Status = Literal["passed", "failed", "not_checked"]
Outcome = Literal["verified", "unproven", "failed"]


def not_yet_checkpointed(*, items: int, keys: int) -> str:
    """``"2 newest events are"``, ``"1 newest event and 1 key event are"``..."""
    parts = [f"{items} newest event{'s' * (items != 1)}"] if items else []
    if keys:
        parts.append(f"{keys} key event{'s' * (keys != 1)}")
    return " and ".join(parts) + (" is" if items + keys == 1 else " are")


@dataclass
class Check:
    """One named check and how it went."""

    name: str
    status: Status
    detail: str = ""
    error: VerificationError | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class VerificationReport:
    """Every check, in order, and what they add up to (:attr:`outcome`)."""

    item: str | None
    checks: list[Check]
    #: Whether the checkpoint was checked against a key the caller pinned (else the bundle's).
    log_key_pinned: bool = False
    #: Log indices of the bundle's events (item and key events) that no verified checkpoint
    #: covers: every event when there is no checkpoint, or it did not verify.
    unproven: list[int] = field(default_factory=list)
    #: How many of the unproven events are the item's own (the rest are key events).
    unproven_item_events: int = 0

    @property
    def ok(self) -> bool:
        """No check failed. Not a verdict: an unproven bundle is ``ok`` too (see
        :attr:`outcome`)."""
        return all(c.status != "failed" for c in self.checks)

    @property
    def complete(self) -> bool:
        """Every check ran and passed (the anchor included)."""
        return all(c.status == "passed" for c in self.checks)

    @property
    def outcome(self) -> Outcome:
        """``verified``, ``unproven`` or ``failed`` (see the module docstring)."""
        if not self.ok:
            return "failed"
        proven = all(self.check(name).status == "passed" for name in CHECKS if name != "anchor")
        return "verified" if proven and not self.unproven else "unproven"

    @property
    def summary(self) -> str:
        """The outcome in one line of plain words."""
        outcome = self.outcome
        if outcome == "failed":
            first = next(c for c in self.checks if c.status == "failed")
            return f"failed: the {first.name} check failed ({first.detail})"
        checkpoint = self.check("checkpoint")
        if outcome == "unproven":
            if checkpoint.status != "passed":
                return (
                    "unproven: the bundle has no signed checkpoint (checkpoint: null), so "
                    "nothing shows its events are in the store's log"
                )
            return f"unproven: {self._newest()} not yet in a signed checkpoint"
        pinned = "" if self.log_key_pinned else " (log key not pinned)"
        anchor = self.check("anchor")
        on_chain = (
            "its root is anchored on chain"
            if anchor.status == "passed"
            else f"anchor not checked: {anchor.detail}"
        )
        return f"verified: every event is in the signed log{pinned}; {on_chain}"

    def _newest(self) -> str:
        items = self.unproven_item_events
        return not_yet_checkpointed(items=items, keys=len(self.unproven) - items)

    def check(self, name: str) -> Check:
        """The check called ``name``."""
        return next(c for c in self.checks if c.name == name)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outcome": self.outcome,
            "summary": self.summary,
            "ok": self.ok,
            "complete": self.complete,
            "log_key_pinned": self.log_key_pinned,
            "item": self.item,
            "unproven": list(self.unproven),
            "checks": [c.to_json() for c in self.checks],
        }


def fail_checkpoint(report: VerificationReport, detail: str) -> None:
    """Mark the checkpoint check failed (a pinned key that verifies nothing, say): every
    event is then unproven, and the outcome failed."""
    check = report.check("checkpoint")
    check.status, check.detail = "failed", detail
    inclusion = report.check("inclusion")
    if inclusion.status == "passed":
        inclusion.status, inclusion.detail = "not_checked", "no verified checkpoint"
    report.log_key_pinned = True
