"""Plain words for the buyer's page: dates, grades with their meaning, history sentences."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.ledger.events import Event
from provenance.ledger.grading import Goldmine, SleeveGrade, StripLevel
from provenance.tags.plain import (
    MEDIA_GRADES,
    SLEEVE_GRADES,
    STRIP_LEVELS,
    grade_lines,
    history,
    owners_sentence,
    plain_date,
)
from provenance.vocab import EventType

AT = "2026-12-02T10:00:00Z"


def _event(seq: int, kind: EventType, data: dict[str, Any], at: str = AT) -> Event:
    return Event("7KQ2M-9XDPA-G", seq, None, kind, at, "0" * 32, data)  # type: ignore[arg-type]


def test_plain_date() -> None:
    assert plain_date(AT) == "2 Dec 2026"
    assert plain_date("2027-01-31T23:59:59Z") == "31 Jan 2027"


def test_every_grade_has_a_meaning() -> None:
    assert set(MEDIA_GRADES) == {str(g) for g in Goldmine}
    assert set(SLEEVE_GRADES) == {str(g) for g in SleeveGrade}
    assert set(STRIP_LEVELS) == {str(level) for level in StripLevel}


def test_vinyl_grade_lines() -> None:
    grade = {"kind": "vinyl", "media": "VG+", "sleeve": "Generic", "method": "play", "at": AT}
    assert grade_lines({**grade, "notes": "light scuffs"}) == [
        "Record VG+ — Very Good Plus: light signs of play that do not spoil listening.",
        "Sleeve Generic — Generic: a plain or company sleeve, not the original.",
        "Play-graded on 2 Dec 2026.",
        "Grader's note: “light scuffs”",
    ]


def test_film_grade_lines() -> None:
    grade = {
        "kind": "film",
        "ad_level": "1.5",
        "shrinkage_permille": 12,
        "splices": 4,
        "fading": "slight",
        "scratches": "none",
        "at": AT,
    }
    lines = grade_lines(grade)
    assert lines[0] == "A-D level 1.5: vinegar syndrome has begun to speed itself up."
    assert lines[1] == "Shrinkage 1.2%, 4 splices, fading slight, scratches none."


def test_history_as_sentences() -> None:
    events = [
        _event(0, EventType.REGISTER, {"kind": "vinyl", "title": "T", "artist": "A",
                                       "photos": ["a" * 64, "b" * 64]}),
        _event(1, EventType.GRADE, {"kind": "vinyl", "media": "VG", "sleeve": "VG",
                                    "method": "visual"}),
        _event(2, EventType.TRANSFER, {"owner": "c" * 64, "reason": "sale"}),
        _event(3, EventType.TAG, {"commitment": "d" * 64}),
        _event(4, EventType.TAG, {"commitment": "e" * 64}),
        _event(5, EventType.STATUS, {"status": "stolen"}, "2027-03-04T00:00:00Z"),
        _event(6, EventType.NOTE, {"text": "shown at the fair"}),
        _event(7, EventType.CORRECT, {"supersedes": 6, "reason": "wrong item", "data": None}),
        _event(8, EventType.TAG, {"kind": "nfc", "uid": "04a1b2c3d4e5f6"}),
    ]  # fmt: skip
    assert [line.text for line in history(events)] == [
        "Registered on 2 Dec 2026, with 2 photos",
        "Graded VG/VG (graded by eye) on 2 Dec 2026",
        "Sold to a new owner on 2 Dec 2026",
        "Tag attached on 2 Dec 2026",
        "Tag replaced on 2 Dec 2026; earlier tags no longer count",
        "Reported stolen on 4 Mar 2027",
        "An entry of 2 Dec 2026 was withdrawn by a later correction",
        "Correction on 2 Dec 2026: “wrong item”",
        "Secure NFC tag attached on 2 Dec 2026",
    ]


@pytest.mark.parametrize(
    ("owners", "since", "words"),
    [
        (0, None, "No change of owner is recorded since registration."),
        (1, AT, "With its 1st recorded owner since 2 Dec 2026."),
        (3, AT, "With its 3rd recorded owner since 2 Dec 2026."),
    ],
)
def test_owners_sentence(owners: int, since: str | None, words: str) -> None:
    assert owners_sentence(owners, since) == words
