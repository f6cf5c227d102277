"""The runouts a buyer's page shows: each side's matrix text, how it was made, its marks and
its photo, in plain words.

A register event gives each side either as text (``"XZAL-1234-1A"``) or as a structured
runout (:class:`~provenance.ledger.schemas.RunoutSide`); both read the same here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MADE_WORDS", "RunoutView", "runout_views", "side_photo_names"]

#: How a runout was made, as a collector says it.
MADE_WORDS = {
    "stamped": "stamped (machine-pressed from the metal parts)",
    "etched": "hand-etched in the lacquer",
    "mixed": "partly stamped, partly hand-etched",
}


@dataclass(frozen=True)
class RunoutView:
    """One side of the record as the page shows it; ``photo`` is the page's view of the side's
    photo (``None``: no photo of this side)."""

    side: str
    text: str
    facts: list[str]
    photo: Any | None


def _side(value: Any) -> dict[str, Any]:
    return {"text": value} if isinstance(value, str) else dict(value)


def side_photo_names(details: Mapping[str, Any]) -> set[str]:
    """The photo hashes the register data names as a side's runout photo."""
    matrix = details.get("matrix") or {}
    return {
        str(side["photo"])
        for side in (_side(v) for v in matrix.values())
        if isinstance(side.get("photo"), str)
    }


def runout_views(details: Mapping[str, Any], photos: Mapping[str, Any]) -> list[RunoutView]:
    """Each side of ``details["matrix"]`` in side order, with its photo looked up (by hash) in
    ``photos``, the views the page made of the item's photos."""
    views = []
    for name, value in sorted((details.get("matrix") or {}).items()):
        side = _side(value)
        facts = []
        if side.get("made") in MADE_WORDS:
            facts.append(MADE_WORDS[side["made"]].capitalize())
        if side.get("engineer"):
            facts.append(f"Mastering engineer's mark: {side['engineer']}")
        if side.get("plant"):
            facts.append(f"Pressing plant's mark: {side['plant']}")
        if side.get("marks"):
            facts.append("Other marks: " + ", ".join(str(m) for m in side["marks"]))
        digest = side.get("photo")
        views.append(
            RunoutView(
                side=str(name),
                text=str(side.get("text", "")),
                facts=facts,
                photo=photos.get(digest) if isinstance(digest, str) else None,
            )
        )
    return views
