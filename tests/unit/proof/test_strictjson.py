"""The bounded JSON pre-check: right about depth and balance, and linear on bodies built to
make a regex backtrack (the old check took 21 s on 64 KiB of '"' + '\\"' * n)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import EventFormatError
from provenance.proof.strictjson import MAX_DEPTH, loads_strict, within_depth


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("", True),
        ("[]" * 10, True),
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, True),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), False),
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', True),  # brackets in a string
        ('["\\"]", "\\\\"]', True),  # escaped quote and escaped backslash
        ('"\\\\"[', False),  # the string ends after the escaped backslash: "[" is open
        ("][", False),
        ("[[", False),
        ('"never closed [[[[', True),  # all inside the unterminated string
        ("{" * 40, False),
    ],
)
def test_depth_and_balance(text: str, ok: bool) -> None:
    assert within_depth(text) is ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}', max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=40,
)


@given(json_values)
def test_agrees_with_the_real_depth(value: object) -> None:
    text = json.dumps(value)
    assert within_depth(text, 6) is (_depth(value) <= 6)


@pytest.mark.parametrize(
    "body",
    [
        '"' + '\\"' * (2 * 1024 * 1024),  # the body, 4 MiB
        "[" * (4 * 1024 * 1024),
        "[]" * (2 * 1024 * 1024),
    ],
    ids=["escaped-quotes", "opening-brackets", "flat-pairs"],
)
def test_adversarial_bodies_are_linear(body: str) -> None:
    # Coarse on purpose (a regression guard, not a benchmark: bench/api_abuse.py measures):
    # the quadratic check needed hours for this; a linear one needs well under a second.
    start = time.monotonic()
    within_depth(body)
    assert time.monotonic() - start < 5.0


def test_loads_strict_refuses_deep_text() -> None:
    with pytest.raises(EventFormatError, match="nested deeper than 32 levels, or unbalanced"):
        loads_strict("[" * 1000)
