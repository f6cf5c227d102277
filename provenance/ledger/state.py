"""An item's current state, folded from its events: what ``show``, the API and the buyer page
display. Corrections are applied (a corrected payload replaces the original, a withdrawn one
drops out); nothing here names an owner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..vocab import EventType, StatusValue
from .events import Event

__all__ = ["ItemSummary", "describe", "effective_payloads", "ordinal", "summarise"]

# A recovered item is no longer stolen or missing; a destroyed one stays destroyed.
_CLEARS = {StatusValue.RECOVERED}


@dataclass(frozen=True)
class ItemSummary:
    """The item as its history says it is now."""

    item: str
    kind: str
    title: str
    creator: str | None
    details: dict[str, Any]
    grade: dict[str, Any] | None
    grades: list[dict[str, Any]] = field(default_factory=list)
    owners: int = 0
    owner_since: str | None = None
    status: str | None = None
    events: int = 0
    registered_at: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (public: holds no personal data)."""
        return {
            "item": self.item,
            "kind": self.kind,
            "title": self.title,
            "creator": self.creator,
            "details": self.details,
            "grade": self.grade,
            "grades": self.grades,
            "owners": self.owners,
            "owner_since": self.owner_since,
            "status": self.status,
            "events": self.events,
            "registered_at": self.registered_at,
        }


def effective_payloads(events: list[Event]) -> list[tuple[Event, dict[str, Any] | None]]:
    """Each non-correction event with the payload in force after corrections (``None`` if
    withdrawn), in chain order."""
    current: dict[int, dict[str, Any] | None] = {e.seq: e.data for e in events}
    for e in events:
        if e.type is EventType.CORRECT:
            current[e.data["supersedes"]] = e.data.get("data")
    return [(e, current[e.seq]) for e in events if e.type is not EventType.CORRECT]


def summarise(events: list[Event]) -> ItemSummary:
    """Fold an item's events (in chain order, seq 0 first) into its summary."""
    if not events or events[0].type is not EventType.REGISTER:
        raise ValueError("an item history starts with its register event")
    register: dict[str, Any] = events[0].data
    grades: list[dict[str, Any]] = []
    owners = 0
    owner_since: str | None = None
    status: str | None = None
    for event, payload in effective_payloads(events):
        if event.type is EventType.REGISTER and payload is not None:
            register = payload
        elif payload is None:
            continue
        elif event.type is EventType.GRADE:
            grades.append({**payload, "at": event.at, "seq": event.seq})
        elif event.type is EventType.TRANSFER:
            owners += 1
            owner_since = event.at
        elif event.type is EventType.STATUS:
            value = StatusValue(payload["status"])
            status = None if value in _CLEARS else str(value)
    creator = register.get("artist") or register.get("director")
    skip = {"kind", "title", "artist", "director", "photos"}
    return ItemSummary(
        item=events[0].item,
        kind=register["kind"],
        title=register["title"],
        creator=creator,
        details={k: v for k, v in register.items() if k not in skip},
        grade=grades[-1] if grades else None,
        grades=grades,
        owners=owners,
        owner_since=owner_since,
        status=status,
        events=len(events),
        registered_at=events[0].at,
    )


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe(event: Event) -> str:
    """A one-line, public description of an event (no personal data exists to show)."""
    d = event.data
    match event.type:
        case EventType.REGISTER:
            who = d.get("artist") or d.get("director") or "?"
            extra = ", ".join(
                str(v)
                for v in (d.get("label"), d.get("catalog_number"), d.get("gauge"), d.get("year"))
                if v
            )
            return f"{d['kind']}: {d['title']} — {who}" + (f" ({extra})" if extra else "")
        case EventType.GRADE if d["kind"] == "vinyl":
            return f"media {d['media']} / sleeve {d['sleeve']} ({d['method']})" + _notes(d)
        case EventType.GRADE:
            return (
                f"A-D {d['ad_level']}, shrinkage {d['shrinkage_permille']}‰, "
                f"{d['splices']} splices, fading {d['fading']}, "
                f"scratches {d['scratches']}" + _notes(d)
            )
        case EventType.TRANSFER:
            claim = ", claim code issued" if d.get("claim") else ""
            return f"to owner {d['owner'][:12]}… ({d['reason']}{claim})"
        case EventType.STATUS:
            return str(d["status"]).upper() + (f": {d['note']}" if d.get("note") else "")
        case EventType.NOTE:
            return str(d["text"])
        case EventType.CORRECT:
            verb = "withdraws" if d.get("data") is None else "corrects"
            return f"{verb} event {d['supersedes']}: {d['reason']}"
        case EventType.KEY:
            return f"{d['action']} key {d['key']}" + (f" as {d['role']}" if d.get("role") else "")
        case EventType.TAG if d.get("kind") == "nfc":
            return f"NFC tag bound ({d['commitment'][:12]}…); earlier NFC tags revoked"
        case EventType.TAG:
            return f"QR tag issued ({d['commitment'][:12]}…); earlier tags revoked"
    return str(event.type)


def _notes(d: dict[str, Any]) -> str:
    return f" — {d['notes']}" if d.get("notes") else ""
