"""The bounded JSON pre-check: right about depth and balance, and linear on bodies built to
make a regex backtrack (the old check took 21 s on 64 KiB of '"' + '\\"' * n)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import EventFormatError
from provenance.ledger import Ledger
from provenance.proof.bundle import build_bundle
from provenance.proof.strictjson import (
    BYTES_PER_TOKEN,
    MAX_DEPTH,
    TOKEN_FLOOR,
    loads_strict,
    precheck,
    within_depth,
)
from provenance.vocab import EventType
from tests.samples import VINYL, VINYL_GRADE, Staff


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


@pytest.mark.parametrize(
    "body",
    [
        "[" + '"",' * (1024 * 1024) + '""]',  # many tiny strings
        "[" + "1," * (1024 * 1024) + "1]",  # many tiny numbers
        '{"events": [' + '{"a":1},' * (512 * 1024) + "{}]}",  # many tiny objects
        "[" + '["["],' * (512 * 1024) + "1]",  # strings that keep a bracket
    ],
    ids=["strings", "numbers", "objects", "bracket-strings"],
)
def test_bodies_dense_with_tiny_values_are_refused_before_parsing(body: str) -> None:
    # The parser spends its time per value (a megabyte of '1,' costs it tens of ms); the scan
    # refuses these whole-buffer, so nothing is parsed at all.
    with pytest.raises(EventFormatError, match="too dense to be a bundle"):
        loads_strict(body)
    assert precheck(body.encode()) is not None


def test_the_density_floor_lets_small_dense_documents_through() -> None:
    assert loads_strict("[" + "1," * 1000 + "1]") == [1] * 1001
    assert precheck(b"[" + b"1," * 5000 + b"1]") is not None


def test_an_honest_large_bundle_is_far_from_the_density_limit(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    for n in range(400):
        grade = {**VINYL_GRADE, "notes": f"checked again, pass {n}"}
        ledger.append(signer=staff.grader, item=item, event_type=EventType.GRADE, data=grade)
    raw = json.dumps(build_bundle(ledger.engine, item)).encode()
    tokens = raw.count(b",")  # an upper bound on the tokens outside strings
    assert tokens > TOKEN_FLOOR  # big enough that the floor is no help
    # Accepted at twice the density the limit allows, so honest bundles have room to spare.
    assert precheck(raw, bytes_per_token=2 * BYTES_PER_TOKEN) is None
    assert loads_strict(raw)["item"] == item


def test_a_string_that_never_closes_is_refused_before_parsing() -> None:
    assert precheck(b'{"a": "open') is not None
    assert precheck(b'{"a": "\\\\"}') is None  # the escaped backslash ends it
    with pytest.raises(EventFormatError, match="a bracket or string never closes"):
        loads_strict('"' + '\\"' * 1000)
