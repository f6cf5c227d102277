"""Item ids: Crockford base 32 with a Luhn mod 32 check symbol."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.errors import InputError
from provenance.ledger.itemid import ALPHABET, new_item_id, parse_item_id

from ...samples import load_vector

VECTORS = load_vector("item_ids")
_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$")


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: repr(c["input"]))
def test_valid_ids(case: dict[str, Any]) -> None:
    assert parse_item_id(case["input"]) == case["normal"]


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: repr(c["input"]))
def test_invalid_ids(case: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=case["error"]):
        parse_item_id(case["input"])


def test_alphabet_is_crockford() -> None:
    assert len(ALPHABET) == 32
    assert set(ALPHABET).isdisjoint("ILOU")
    assert "".join(sorted(ALPHABET)) == ALPHABET


def test_new_ids_are_well_formed_and_parse_to_themselves() -> None:
    ids = {new_item_id() for _ in range(200)}
    assert len(ids) == 200
    for item in ids:
        assert _SHAPE.match(item), item
        assert parse_item_id(item) == item
        assert parse_item_id(item.lower().replace("-", "")) == item


def _valid_id(draw: st.DrawFn) -> str:
    # Turn any 10 symbols into a valid id by trying each check symbol.
    body = draw(st.text(alphabet=ALPHABET, min_size=10, max_size=10))
    for check in ALPHABET:
        candidate = f"{body[:5]}-{body[5:]}-{check}"
        try:
            return parse_item_id(candidate)
        except InputError:
            continue
    raise AssertionError(f"no check symbol makes {body} valid")


valid_ids = st.composite(_valid_id)()


@given(valid_ids, st.integers(0, 10), st.sampled_from(ALPHABET))
def test_every_single_symbol_substitution_is_caught(item: str, pos: int, symbol: str) -> None:
    raw = item.replace("-", "")
    if raw[pos] == symbol:
        return
    typo = raw[:pos] + symbol + raw[pos + 1 :]
    with pytest.raises(InputError, match="fails its check symbol"):
        parse_item_id(typo)


def test_every_single_symbol_substitution_is_caught_exhaustively() -> None:
    # The property above, checked for every position and symbol of a few fixed ids.
    for case in VECTORS["valid"][:5]:
        raw = case["normal"].replace("-", "")
        for pos in range(len(raw)):
            for symbol in ALPHABET:
                if symbol == raw[pos]:
                    continue
                with pytest.raises(InputError, match="fails its check symbol"):
                    parse_item_id(raw[:pos] + symbol + raw[pos + 1 :])


@given(valid_ids)
def test_exactly_one_check_symbol_fits_each_body(item: str) -> None:
    body = item.replace("-", "")[:10]
    fits = []
    for check in ALPHABET:
        try:
            parse_item_id(body + check)
        except InputError:
            continue
        fits.append(check)
    assert fits == [item[-1]]
