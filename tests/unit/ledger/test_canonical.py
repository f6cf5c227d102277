"""RFC 8785 canonical bytes, the float ban and the event hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import InputError
from provenance.ledger.canonical import EVENT_DOMAIN, canonical_bytes, event_hash, sha256_hex

from ...samples import load_vector

CASES = load_vector("rfc8785")["cases"]
# I-JSON (RFC 7493 §2.2) integers: what RFC 8785 can represent exactly.
MAX_SAFE = 2**53 - 1


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rfc8785_package_matches_the_reference_outputs(case: dict[str, Any]) -> None:
    # The dependency itself, on every vector including the ones with floats.
    assert rfc8785.dumps(case["input"]) == case["output"].encode("utf-8")


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c["floats"]], ids=lambda c: str(c["name"])
)
def test_canonical_bytes_known_answers(case: dict[str, Any]) -> None:
    assert canonical_bytes(case["input"]) == case["output"].encode("utf-8")


@pytest.mark.parametrize("case", [c for c in CASES if c["floats"]], ids=lambda c: str(c["name"]))
def test_canonical_bytes_refuses_vectors_with_floats(case: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="floats are not allowed"):
        canonical_bytes(case["input"])


def test_vector_fixture_loads_assets(vector: Callable[[str], Any]) -> None:
    assert vector("rfc8785")["cases"] == CASES


@pytest.mark.parametrize(
    "value",
    [1.0, [1, 2.5], {"a": {"b": [0.0]}}, ({"price": 9.99},), float("nan")],
    ids=["top", "list", "nested", "tuple", "nan"],
)
def test_floats_anywhere_are_refused(value: Any) -> None:
    with pytest.raises(InputError, match="floats are not allowed in signed data"):
        canonical_bytes(value)


@pytest.mark.parametrize("value", [MAX_SAFE, -MAX_SAFE, 0, 10**12])
def test_safe_integers_are_written_as_integers(value: int) -> None:
    assert canonical_bytes({"n": value}) == f'{{"n":{value}}}'.encode()


@pytest.mark.parametrize("value", [MAX_SAFE + 1, -(MAX_SAFE + 1), 2**64])
def test_integers_beyond_ijson_range_are_refused(value: int) -> None:
    with pytest.raises(InputError, match="cannot be canonicalised"):
        canonical_bytes({"n": value})


def test_non_json_values_are_refused() -> None:
    with pytest.raises(InputError, match="cannot be canonicalised"):
        canonical_bytes({"when": object()})


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(InputError, match="cannot be canonicalised"):
        canonical_bytes({"text": "\ud800"})


def test_event_hash_is_domain_separated() -> None:
    body = b'{"a":1}'
    assert EVENT_DOMAIN == b"provenance/event/v1\x00"
    assert event_hash(body) == hashlib.sha256(EVENT_DOMAIN + body).hexdigest()
    # Hashing the same bytes for another purpose gives another value.
    assert str(event_hash(body)) != str(sha256_hex(body))


def test_sha256_hex_known_answer() -> None:
    # FIPS 180-2 Appendix B.1: SHA-256("abc").
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


# JSON values without floats, with integers in the I-JSON range and any text.
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE, max_value=MAX_SAFE)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), children, max_size=5)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_canonical_round_trip(value: Any) -> None:
    encoded = canonical_bytes(value)
    decoded = json.loads(encoded)
    assert decoded == value
    # Canonical form is a fixed point: re-encoding what was parsed gives the same bytes.
    assert canonical_bytes(decoded) == encoded


@given(st.dictionaries(st.text(max_size=8), st.integers(-100, 100), max_size=8))
def test_canonical_bytes_ignore_insertion_order(value: dict[str, int]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert canonical_bytes(reversed_order) == canonical_bytes(value)
