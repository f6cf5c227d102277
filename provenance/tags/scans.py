"""Tag scans: when, which verdict, and a coarse client class, never who.

A scan row holds the item, the verdict of the scanned code (genuine / revoked / wrong /
untagged / none), the time, and the client's class from its User-Agent (``mobile``,
``desktop``, ``bot`` or ``other``). No address, no full User-Agent, no code.

Flags for staff and for the page:

* a revoked or wrong code was scanned (a copied, replaced or forged tag in circulation);
* the item was scanned far more often than one physical object could be: more than
  :data:`BURST_LIMIT` scans within :data:`BURST_WINDOW` (a tag photocopied onto many sleeves,
  or a scripted check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from ..clock import utc_now
from ..storage.tables import scans

__all__ = [
    "BURST_LIMIT",
    "BURST_WINDOW",
    "ScanReport",
    "client_class",
    "record_scan",
    "scan_report",
]

BURST_WINDOW = timedelta(hours=1)
BURST_LIMIT = 30


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
    since = (datetime.now(UTC) - BURST_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
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
