"""Folding an item's events into what the pages show: corrections applied, no names."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.ledger.events import Event
from provenance.ledger.schemas import EventType
from provenance.ledger.state import describe, effective_payloads, ordinal, summarise
from provenance.types import EventHash, KeyId

from ...samples import FILM, FILM_GRADE, VINYL, VINYL_GRADE

OWNER = "ab" * 32


def _chain(*steps: tuple[EventType, dict[str, Any]]) -> list[Event]:
    return [
        Event(
            item="00000-00001-Y",
            seq=seq,
            prev=None if seq == 0 else EventHash(f"{seq:064x}"),
            type=etype,
            at=f"2026-05-{seq + 1:02d}T12:00:00Z",
            by=KeyId("0" * 32),
            data=data,
        )
        for seq, (etype, data) in enumerate(steps)
    ]


def test_summary_of_a_vinyl_history() -> None:
    events = _chain(
        (EventType.REGISTER, VINYL),
        (EventType.GRADE, VINYL_GRADE),
        (EventType.TRANSFER, {"owner": OWNER, "reason": "sale"}),
        (EventType.STATUS, {"status": "stolen"}),
        (EventType.GRADE, {**VINYL_GRADE, "media": "G"}),
        (EventType.CORRECT, {"supersedes": 4, "reason": "wrong record", "data": None}),
        (
            EventType.CORRECT,
            {"supersedes": 1, "reason": "re-examined", "data": {**VINYL_GRADE, "media": "NM"}},
        ),
        (EventType.TRANSFER, {"owner": OWNER, "reason": "sale"}),
        (EventType.STATUS, {"status": "recovered"}),
    )
    summary = summarise(events)
    assert summary.item == "00000-00001-Y"
    assert (summary.kind, summary.title, summary.creator) == (
        "vinyl",
        "Blue Train",
        "John Coltrane",
    )
    assert summary.details["catalog_number"] == "BLP 1577" and "title" not in summary.details
    # The withdrawn grade is gone; the corrected one shows its new media grade.
    assert [g["media"] for g in summary.grades] == ["NM"]
    assert summary.grade == {**VINYL_GRADE, "media": "NM", "at": "2026-05-02T12:00:00Z", "seq": 1}
    assert (summary.owners, summary.owner_since) == (2, "2026-05-08T12:00:00Z")
    assert summary.status is None  # recovered clears stolen
    assert summary.events == 9 and summary.registered_at == "2026-05-01T12:00:00Z"
    assert set(summary.to_json()) >= {"item", "grade", "owners", "status", "events"}


def test_corrected_registration_and_destroyed_status() -> None:
    events = _chain(
        (EventType.REGISTER, FILM),
        (EventType.GRADE, FILM_GRADE),
        (EventType.STATUS, {"status": "destroyed"}),
        (
            EventType.CORRECT,
            {"supersedes": 0, "reason": "typo", "data": {**FILM, "title": "The Third Man (1949)"}},
        ),
    )
    summary = summarise(events)
    assert summary.title == "The Third Man (1949)"
    assert summary.creator == "Carol Reed"
    assert summary.status == "destroyed"
    assert summary.owners == 0 and summary.owner_since is None


def test_effective_payloads() -> None:
    events = _chain(
        (EventType.REGISTER, VINYL),
        (EventType.NOTE, {"text": "a"}),
        (EventType.CORRECT, {"supersedes": 1, "reason": "r"}),
    )
    assert [(e.seq, p) for e, p in effective_payloads(events)] == [(0, VINYL), (1, None)]


def test_summary_needs_a_register_first() -> None:
    with pytest.raises(ValueError, match="starts with its register event"):
        summarise([])
    with pytest.raises(ValueError, match="starts with its register event"):
        summarise(_chain((EventType.NOTE, {"text": "x"})))


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


@pytest.mark.parametrize(
    ("etype", "data", "text"),
    [
        (
            EventType.REGISTER,
            VINYL,
            "vinyl: Blue Train — John Coltrane (Blue Note, BLP 1577, 1957)",
        ),
        (EventType.REGISTER, FILM, "film: The Third Man — Carol Reed (16mm, 1949)"),
        (EventType.GRADE, VINYL_GRADE, "media VG+ / sleeve VG (play) — light scuffs"),
        (
            EventType.GRADE,
            FILM_GRADE,
            "A-D 1.5, shrinkage 8‰, 4 splices, fading slight, scratches light",
        ),
        (
            EventType.TRANSFER,
            {"owner": OWNER, "reason": "sale", "claim": OWNER},
            "to owner abababababab… (sale, claim code issued)",
        ),
        (
            EventType.STATUS,
            {"status": "stolen", "note": "from the booth"},
            "STOLEN: from the booth",
        ),
        (EventType.NOTE, {"text": "plays clean"}, "plays clean"),
        (EventType.CORRECT, {"supersedes": 1, "reason": "r"}, "withdraws event 1: r"),
        (EventType.CORRECT, {"supersedes": 1, "reason": "r", "data": {}}, "corrects event 1: r"),
        (EventType.KEY, {"action": "add", "key": "k1", "role": "grader"}, "add key k1 as grader"),
        (EventType.KEY, {"action": "revoke", "key": "k1"}, "revoke key k1"),
    ],
)
def test_describe(etype: EventType, data: dict[str, Any], text: str) -> None:
    (event,) = _chain((etype, data))
    assert describe(event) == text
