"""The replay judgement on a tap's counter."""

from __future__ import annotations

import pytest

from provenance.errors import InputError
from provenance.tags.nfc.verify import judge_counter


@pytest.mark.parametrize(
    ("last", "counter", "verdict"),
    [
        (None, 0, "fresh"),
        (None, 1, "fresh"),
        (None, 0xFFFFFF, "fresh"),
        (0, 1, "fresh"),
        (41, 42, "fresh"),
        (41, 1000, "fresh"),
        (42, 42, "replayed"),
        (42, 41, "replayed"),
        (42, 0, "replayed"),
        (0xFFFFFF, 0xFFFFFF, "replayed"),
    ],
)
def test_judge_counter(last: int | None, counter: int, verdict: str) -> None:
    assert judge_counter(last, counter) == verdict


@pytest.mark.parametrize(("last", "counter"), [(None, -1), (None, 1 << 24), (-1, 3), (1 << 24, 3)])
def test_counters_outside_24_bits_are_refused(last: int | None, counter: int) -> None:
    with pytest.raises(InputError, match=r"outside 0\.\.16777215 \(24 bits\)"):
        judge_counter(last, counter)
