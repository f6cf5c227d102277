"""Tag scans: when, which verdict, and a coarse client class, never who.

A scan row holds the item, the verdict of the scanned code (genuine / revoked / wrong /
untagged / none), the time, and the client's class from its User-Agent (``mobile``,
``desktop``, ``bot`` or ``other``). No address, no full User-Agent, no code.

Flags for staff (:func:`scan_report`, ``provenance tags scans``), from every scan:

* a revoked or wrong code was scanned (a copied, replaced or forged tag in circulation);
* the item was scanned far more often than one physical object could be: more than
  :data:`BURST_LIMIT` scans within :data:`BURST_WINDOW` (a tag photocopied onto many sleeves,
  or a scripted check).

Notes for the public page (:func:`scan_notes`) must not be something anyone can plant, since
anyone can send a request with any code and any User-Agent. So a note:

* counts only recent scans (:data:`BURST_WINDOW`, :data:`RECENT_WINDOW`): none outlasts them;
* ignores scripts (class ``bot``) and needs scans from at least :data:`CORROBORATION`
  distinct client classes, so one client (a prankster's script, or the buyer reloading the
  page or mistyping a code) never makes one alone;
* for a copied tag counts only scans of the *genuine* code, which only someone holding the
  tag (or a copy of it) has: a request with a guessed code cannot add to it;
* is read before the viewer's own scan is recorded, so that scan never counts against what
  its viewer is shown.

A note is information beside the verdict, never the verdict: the verdict speaks only of the
code this buyer scanned (:mod:`provenance.proof.verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, insert, select

from ..clock import utc_now
from ..storage.tables import scans

__all__ = [
    "BURST_LIMIT",
    "BURST_WINDOW",
    "CORROBORATION",
    "RECENT_WINDOW",
    "ScanReport",
    "client_class",
    "record_scan",
    "scan_notes",
    "scan_report",
]

BURST_WINDOW = timedelta(hours=1)
#: More scans than this within :data:`BURST_WINDOW` is more than one physical item gets
#: (a shop's own checks and a few interested buyers scan a tag a handful of times an hour).
BURST_LIMIT = 30
#: How long wrong or revoked codes count towards a public note.
RECENT_WINDOW = timedelta(days=1)
#: Distinct client classes a public note needs (one client alone never makes one).
CORROBORATION = 2
#: Client classes that count towards public notes: a script is not a person with the item.
_PEOPLE = ("mobile", "desktop", "other")
_BAD_CODES = ("wrong", "revoked", "untagged")
_TIME = "%Y-%m-%dT%H:%M:%SZ"  # as utc_now writes ``at``: compares as text


def client_class(user_agent: str | None) -> str:
    """A coarse class of the scanning client (all that is kept of the User-Agent)."""
    ua = (user_agent or "").lower()
    if any(b in ua for b in ("bot", "crawler", "spider", "curl", "python", "httpx", "wget")):
        return "bot"
    if any(m in ua for m in ("iphone", "android", "mobile", "ipad")):
        return "mobile"
    if any(d in ua for d in ("windows", "macintosh", "x11", "linux")):
        return "desktop"
    return "other"


def record_scan(engine: Engine, *, item: str, verdict: str, user_agent: str | None) -> None:
    """Store one scan."""
    with engine.begin() as conn:
        conn.execute(
            insert(scans).values(
                item=item, verdict=verdict, client=client_class(user_agent), at=utc_now()
            )
        )


@dataclass(frozen=True)
class ScanReport:
    """An item's scans and what looks wrong about them."""

    total: int
    by_verdict: dict[str, int]
    last_hour: int
    recent: list[dict[str, Any]]
    flags: list[str]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "total": self.total,
            "by_verdict": self.by_verdict,
            "last_hour": self.last_hour,
            "recent": self.recent,
            "flags": self.flags,
        }


def scan_report(engine: Engine, item: str, *, limit: int = 20) -> ScanReport:
    """Counts, the newest scans, and the flags for ``item``."""
    since = (datetime.now(UTC) - BURST_WINDOW).strftime(_TIME)
    with engine.connect() as conn:
        counts: dict[Any, Any] = dict(
            conn.execute(
                select(scans.c.verdict, func.count())
                .where(scans.c.item == item)
                .group_by(scans.c.verdict)
            ).all()
        )
        last_hour = int(
            conn.execute(
                select(func.count()).where(scans.c.item == item, scans.c.at >= since)
            ).scalar_one()
        )
        recent = [
            {"at": r.at, "verdict": r.verdict, "client": r.client}
            for r in conn.execute(
                select(scans.c.at, scans.c.verdict, scans.c.client)
                .where(scans.c.item == item)
                .order_by(scans.c.id.desc())
                .limit(limit)
            )
        ]
    by_verdict = {str(k): int(v) for k, v in counts.items()}
    flags = []
    if by_verdict.get("wrong"):
        flags.append(
            f"{by_verdict['wrong']} scan(s) with a code that is not this item's tag "
            "(a copied or forged tag?)"
        )
    if by_verdict.get("revoked"):
        flags.append(f"{by_verdict['revoked']} scan(s) of a revoked tag (an old tag still in use)")
    if last_hour > BURST_LIMIT:
        flags.append(
            f"scanned {last_hour} times in the last hour, more than one item could be "
            "(a duplicated tag?)"
        )
    return ScanReport(sum(by_verdict.values()), by_verdict, last_hour, recent, flags)


def scan_notes(engine: Engine, item: str, *, now: datetime | None = None) -> list[str]:
    """What the buyer's page says about other recent scans of ``item`` (see the module
    docstring for why none of it can be planted). Call it before recording the current scan.
    """
    now = now or datetime.now(UTC)
    since_day = (now - RECENT_WINDOW).strftime(_TIME)
    since_hour = (now - BURST_WINDOW).strftime(_TIME)
    recent = case((scans.c.at >= since_hour, 1), else_=0)
    with engine.connect() as conn:
        rows = conn.execute(
            select(scans.c.verdict, scans.c.client, func.count(), func.sum(recent))
            .where(scans.c.item == item, scans.c.at >= since_day, scans.c.client.in_(_PEOPLE))
            .group_by(scans.c.verdict, scans.c.client)
        ).all()
    bad_classes = {client for verdict, client, _n, _h in rows if verdict in _BAD_CODES}
    genuine = {client: int(hour or 0) for verdict, client, _n, hour in rows if verdict == "genuine"}
    genuine_hour = sum(genuine.values())
    notes = []
    if len(bad_classes) >= CORROBORATION:
        notes.append(
            "In the last day, codes that are not this item's current tag were scanned for it "
            "from more than one kind of device: a copied, forged or replaced tag of this item "
            "may be around."
        )
    if genuine_hour > BURST_LIMIT and sum(1 for n in genuine.values() if n) >= CORROBORATION:
        notes.append(
            f"This tag's code was scanned {genuine_hour} times in the last hour, more than one "
            "item usually is: the tag may have been copied. Check the item against the "
            "details and photos on this page."
        )
    return notes
