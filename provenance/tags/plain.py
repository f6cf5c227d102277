"""Plain words for the buyer's page: dates, grades with what they mean, and an item's history
told as sentences. No HTML here and nothing about owners but how many and since when.

Grade meanings follow the Goldmine grading guide (Goldmine magazine, the scale Discogs uses)
for records and sleeves, and the Image Permanence Institute's A-D Strip levels for the
vinegar syndrome of acetate film, each cut to one line a buyer can read on a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..ledger.events import Event
from ..ledger.state import effective_payloads, ordinal
from ..vocab import EventType

__all__ = [
    "MEDIA_GRADES",
    "SLEEVE_GRADES",
    "STRIP_LEVELS",
    "HistoryLine",
    "grade_lines",
    "history",
    "owners_sentence",
    "plain_date",
]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Goldmine media grades: the grade's name and what it means for the record.
MEDIA_GRADES: dict[str, str] = {
    "M": "Mint: perfect in every way, probably never played",
    "NM": "Near Mint: nearly perfect, no obvious signs of play",
    "VG+": "Very Good Plus: light signs of play that do not spoil listening",
    "VG": "Very Good: surface noise and light scratches you can hear, but it plays well",
    "G+": "Good Plus: plays through, with clear surface noise and scratches",
    "G": "Good: plays through, with heavy surface noise and groove wear",
    "F": "Fair: badly worn; it may skip or repeat",
    "P": "Poor: damaged; it may not play at all",
}
#: Goldmine sleeve grades, and the three non-grades sellers use for sleeves.
SLEEVE_GRADES: dict[str, str] = {
    "M": "Mint: perfect, as new",
    "NM": "Near Mint: close to perfect, no creases or writing",
    "VG+": "Very Good Plus: slight wear, such as a small crease or light seam wear",
    "VG": "Very Good: visible wear such as ring wear, a small split or writing",
    "G+": "Good Plus: heavy wear such as splits, writing or tape",
    "G": "Good: heavy wear such as splits, writing, tape or stains",
    "F": "Fair: badly damaged, with large splits or pieces missing",
    "P": "Poor: barely holds together",
    "Generic": "Generic: a plain or company sleeve, not the original",
    "Not Graded": "Not graded: the sleeve was not graded",
    "No Cover": "No cover: comes without a sleeve or cover",
}
#: A-D Strip acid levels (Image Permanence Institute): how far vinegar syndrome has gone.
STRIP_LEVELS: dict[str, str] = {
    "0": "A-D level 0: no sign of vinegar syndrome",
    "1": "A-D level 1: early signs of vinegar syndrome; keep it cool and dry",
    "1.5": "A-D level 1.5: vinegar syndrome has begun to speed itself up",
    "2": "A-D level 2: active decay; the film may shrink and curl",
    "3": "A-D level 3: critical decay; the film may soon be unusable",
}
_METHODS = {"play": "play-graded", "visual": "graded by eye"}
_TRANSFERS = {
    "sale": "Sold to a new owner",
    "consignment": "Consigned to a new holder",
    "gift": "Given to a new owner",
    "return": "Returned to an earlier owner",
    "other": "Passed to a new owner",
}


def plain_date(at: str) -> str:
    """``2026-12-02T10:00:00Z`` → ``2 Dec 2026`` (the date in UTC, as events carry it)."""
    year, month, day = at[:10].split("-")
    return f"{int(day)} {_MONTHS[int(month) - 1]} {year}"


def grade_lines(grade: dict[str, Any]) -> list[str]:
    """The current grade, one line per part with its meaning, then how and when."""
    if grade.get("kind") == "vinyl":
        media = MEDIA_GRADES.get(grade["media"], grade["media"])
        sleeve = SLEEVE_GRADES.get(grade["sleeve"], grade["sleeve"])
        how = _METHODS.get(grade["method"], grade["method"])
        lines = [
            f"Record {grade['media']} — {media}.",
            f"Sleeve {grade['sleeve']} — {sleeve}.",
            f"{how.capitalize()} on {plain_date(grade['at'])}.",
        ]
    else:
        level = STRIP_LEVELS.get(grade["ad_level"], f"A-D level {grade['ad_level']}")
        lines = [
            f"{level}.",
            f"Shrinkage {_percent(grade['shrinkage_permille'])}, {grade['splices']} splices, "
            f"fading {grade['fading']}, scratches {grade['scratches']}.",
            f"Checked on {plain_date(grade['at'])}.",
        ]
    if grade.get("notes"):
        lines.append(f"Grader's note: “{grade['notes']}”")
    return lines


def _percent(permille: int) -> str:
    whole, tenth = divmod(int(permille), 10)
    return f"{whole}.{tenth}%" if tenth else f"{whole}%"


@dataclass(frozen=True)
class HistoryLine:
    """One event of the history as a sentence, with its date for the page's list."""

    seq: int
    date: str
    text: str


def history(events: Sequence[Event]) -> list[HistoryLine]:
    """The history as sentences, oldest first, corrections applied (a corrected event reads
    as corrected, a withdrawn one says so, and each correction says why)."""
    current = {e.seq: payload for e, payload in effective_payloads(list(events))}
    lines: list[HistoryLine] = []
    tags = 0
    for event in events:
        payload = event.data if event.type is EventType.CORRECT else current.get(event.seq)
        date = plain_date(event.at)
        if payload is None:
            text = f"An entry of {date} was withdrawn by a later correction"
        elif event.type is EventType.TAG and payload.get("kind", "qr") != "qr":
            text = f"Secure NFC tag attached on {date}"  # it neither is nor revokes a QR tag
        elif event.type is EventType.TAG:
            tags += 1
            text = (
                f"Tag attached on {date}"
                if tags == 1
                else f"Tag replaced on {date}; earlier tags no longer count"
            )
        else:
            text = _sentence(event.type, payload, date)
        lines.append(HistoryLine(event.seq, date, text))
    return lines


def _sentence(kind: EventType, d: dict[str, Any], date: str) -> str:
    match kind:
        case EventType.REGISTER:
            photos = len(d.get("photos") or ())
            with_photos = f", with {photos} photo{'s' if photos != 1 else ''}" if photos else ""
            return f"Registered on {date}{with_photos}"
        case EventType.GRADE if d.get("kind") == "vinyl":
            how = _METHODS.get(d["method"], d["method"])
            return f"Graded {d['media']}/{d['sleeve']} ({how}) on {date}" + _quoted(d)
        case EventType.GRADE:
            return (
                f"Condition checked on {date}: A-D level {d['ad_level']}, "
                f"shrinkage {_percent(d['shrinkage_permille'])}" + _quoted(d)
            )
        case EventType.TRANSFER:
            return f"{_TRANSFERS.get(d.get('reason', 'other'), _TRANSFERS['other'])} on {date}"
        case EventType.STATUS:
            return f"Reported {d['status']} on {date}" + (
                f": “{d['note']}”" if d.get("note") else ""
            )
        case EventType.NOTE:
            return f"Note from the store on {date}: “{d['text']}”"
        case EventType.CORRECT:
            return f"Correction on {date}: “{d['reason']}”"
    return f"{kind} on {date}"


def _quoted(d: dict[str, Any]) -> str:
    return f": “{d['notes']}”" if d.get("notes") else ""


def owners_sentence(owners: int, since: str | None) -> str:
    """How many owners and since when, never who (privacy: names are not in the record)."""
    if owners == 0 or since is None:
        return "No change of owner is recorded since registration."
    return f"With its {ordinal(owners)} recorded owner since {plain_date(since)}."
