"""One verdict per item, in plain words: what the buyer's page, the partner API, ``show`` and
``verify`` all say first.

The verdict is decided from plain facts (:class:`Evidence`), in this order, the first that
applies winning:

1. ``failed``: the history does not verify, the scanned tag is not the bound one (wrong,
   revoked, copied, for another item, malformed), or the store's log disagrees with what it
   anchored on chain. "Do not trust this item's record."
2. ``warning``: the item is recorded as stolen, missing or destroyed. "Do not buy; contact the
   store", with the date it was reported.
3. ``pending``: intact, but some events are not yet covered by an anchor on a lasting (main)
   network: not anchored yet, or anchored only on a test or development chain.
4. ``verified``: intact, the scanned tag (if any) is the bound one, and every event is covered
   by an anchor on a lasting chain.

A check that could not run never counts as passed: evidence that is missing is pending, not
verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..chain.names import chain_name
from ..ledger.events import Event, SignedEvent
from ..ledger.state import summarise
from ..vocab import EventType
from .report import VerificationReport

__all__ = [
    "BAD_TAGS",
    "FLAGS",
    "Evidence",
    "ItemVerdict",
    "VerdictWord",
    "bundle_verdict",
    "decide",
    "flag_reported_at",
]

VerdictWord = Literal["verified", "pending", "warning", "failed"]

#: Tag verdicts that make the whole verdict ``failed`` (QR: wrong, revoked; secure NFC:
#: copied, other item, malformed). "untagged" with a scanned code is a code for an item that
#: has no tag: wrong as well.
BAD_TAGS = frozenset({"wrong", "revoked", "untagged", "copied", "other-item", "malformed"})
#: Status flags that make the verdict ``warning``.
FLAGS = frozenset({"stolen", "missing", "destroyed"})

_TAG_WORDS = {
    "wrong": "the scanned tag is not the one bound to this item",
    "untagged": "the scanned tag is not the one bound to this item (it has no tag on record)",
    "revoked": "the scanned tag was replaced and is no longer valid",
    "copied": "the scanned tag is a copy: its tap counter was seen before",
    "other-item": "the scanned tag belongs to another item",
    "malformed": "the scanned tag's message is malformed",
}


@dataclass(frozen=True)
class Evidence:
    """The facts a verdict is drawn from; every field is a plain value.

    ``tag`` is the verdict of the scanned tag (``None``: nothing was scanned). ``anchored``
    counts the item's events covered by an anchor, on chain ``anchor_chain_id``;
    ``anchor_ephemeral`` marks an anchor on a chain that ends with its process.
    """

    events: int
    history_problem: str | None = None
    tag: str | None = None
    status: str | None = None
    status_since: str | None = None
    anchored: int = 0
    anchor_chain_id: int | None = None
    anchor_ephemeral: bool = False
    chain_problem: str | None = None
    next_anchor_due: str | None = None
    #: Why an anchor that was recorded could not be checked (a bundle verified without an
    #: RPC, say): the seal then counts as not shown, and the verdict says why.
    seal_unchecked: str | None = None


@dataclass(frozen=True)
class ItemVerdict:
    """The one verdict: a word, a headline and advice in plain words, and the reasons."""

    word: VerdictWord
    headline: str
    advice: str
    reasons: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "verdict": self.word,
            "headline": self.headline,
            "advice": self.advice,
            "reasons": list(self.reasons),
        }


def decide(evidence: Evidence) -> ItemVerdict:
    """The verdict for ``evidence`` (see the module docstring for the order)."""
    e = evidence
    # 1. failed
    reasons: list[str] = []
    if e.history_problem:
        reasons.append(f"the history does not verify: {e.history_problem}")
    if e.tag in BAD_TAGS:
        reasons.append(_TAG_WORDS[e.tag])
    if e.chain_problem:
        reasons.append(f"the store's log disagrees with what it sealed on chain: {e.chain_problem}")
    if reasons:
        return ItemVerdict(
            "failed",
            "Do not trust this item's record.",
            "Something in this record does not check out. Do not buy on the strength of it; "
            "ask the store, and tell them what this page says.",
            tuple(reasons),
        )
    # 2. warning
    if e.status in FLAGS:
        since = f" on {e.status_since[:10]}" if e.status_since else ""
        return ItemVerdict(
            "warning",
            f"This item was reported {e.status.upper()}{since}.",
            "Do not buy it; contact the store.",
            (f"a {e.status} report is the latest status event",),
        )
    # 3. pending
    seal = chain_name(e.anchor_chain_id).seal if e.anchor_chain_id is not None else None
    lasting = (
        e.anchor_chain_id is not None
        and chain_name(e.anchor_chain_id).lasting
        and not e.anchor_ephemeral
    )
    unsealed = e.events if not lasting else max(e.events - e.anchored, 0)
    if unsealed:
        due = f" The next seal is due by {e.next_anchor_due}." if e.next_anchor_due else ""
        if lasting:
            what = (
                f"The history is intact and signed by the store; its newest {unsealed} "
                f"event{'s are' if unsealed != 1 else ' is'} not sealed on a public chain yet."
            )
        elif e.seal_unchecked:
            what = (
                "The history is intact and signed by the store, but its seal on chain was not "
                f"checked ({e.seal_unchecked})."
            )
        elif seal is not None:
            what = f"The history is intact and signed by the store, but {seal}."
        else:
            what = "The history is intact and signed by the store, but not sealed on a chain yet."
        return ItemVerdict(
            "pending",
            "Pending: the record checks out so far.",
            what + due,
            (f"{unsealed} of {e.events} events not covered by an anchor on a lasting chain",),
        )
    # 4. verified
    tag = " The scanned tag is the one bound to it." if e.tag == "genuine" else ""
    assert seal is not None  # lasting implies a chain
    return ItemVerdict(
        "verified",
        "Verified: this item's record checks out.",
        f"Its whole history is intact and {seal}.{tag}",
        (),
    )


def flag_reported_at(events: Sequence[Event], status: str | None) -> str | None:
    """When the item's current flag (``status``) was reported: the time of the newest status
    event that set it, or ``None``."""
    if status is None:
        return None
    for event in reversed(events):
        if event.type is EventType.STATUS and event.data.get("status") == status:
            return event.at
    return None


def bundle_verdict(document: object, report: VerificationReport) -> ItemVerdict:
    """The one verdict for a proof bundle that :func:`~provenance.proof.verify_bundle`
    checked: its checks give the history and the seal, its events the status flag.

    A seal counts only if the ``anchor`` check passed (the root read back from the chain);
    an anchor that was not checked leaves the verdict pending, and says why.
    """
    problem = next(
        (
            f"{c.name}: {c.detail}"
            for c in report.checks
            if c.status == "failed" and c.name != "anchor"
        ),
        None,
    )
    if problem is None and report.check("checkpoint").status != "passed":
        # Signatures alone prove nothing: anyone can sign a history with keys of their own.
        problem = "no signed checkpoint covers it, so nothing shows it is in the store's log"
    anchor_check = report.check("anchor")
    status, since, events = None, None, 0
    raw = document.get("events") if isinstance(document, dict) else None
    if isinstance(raw, list) and report.check("hashes").status == "passed":
        parsed = [SignedEvent.parse(e["body"], bytes.fromhex(e["signature"])).event for e in raw]
        events = len(parsed)
        summary = summarise(parsed)
        status, since = summary.status, flag_reported_at(parsed, summary.status)
    anchor = document.get("anchor") if isinstance(document, dict) else None
    sealed = anchor_check.status == "passed" and isinstance(anchor, dict)
    return decide(
        Evidence(
            events=events or 1,
            history_problem=problem,
            status=status,
            status_since=since,
            anchored=(events - report.unproven_item_events) if sealed else 0,
            anchor_chain_id=int(anchor["chain_id"])
            if sealed and isinstance(anchor, dict)
            else None,
            anchor_ephemeral=bool(sealed and isinstance(anchor, dict) and anchor.get("ephemeral")),
            chain_problem=anchor_check.detail if anchor_check.status == "failed" else None,
            seal_unchecked=anchor_check.detail if anchor_check.status == "not_checked" else None,
        )
    )
