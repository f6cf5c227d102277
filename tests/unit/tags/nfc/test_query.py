"""The tap URL's query: two hex values, nothing else."""

from __future__ import annotations

import pytest

from provenance.errors import TagError
from provenance.tags.nfc.query import TapParams, parse_tap_params, parse_tap_query

PICC = "EF963FF7828658A599F3041510671E88"
MAC = "94EED9EE65337086"
PARSED = TapParams(picc_data=bytes.fromhex(PICC), cmac=bytes.fromhex(MAC))


@pytest.mark.parametrize(
    "query",
    [
        f"picc_data={PICC}&cmac={MAC}",
        f"?picc_data={PICC}&cmac={MAC}",
        f"cmac={MAC}&picc_data={PICC}",
        f"picc_data={PICC.lower()}&cmac={MAC.lower()}",
        f"picc_data={PICC[:10].lower()}{PICC[10:]}&cmac={MAC}",
    ],
)
def test_a_well_formed_query_parses(query: str) -> None:
    assert parse_tap_query(query) == PARSED


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", "no picc_data parameter"),
        (f"cmac={MAC}", "no picc_data parameter"),
        (f"picc_data={PICC}", "no cmac parameter"),
        (f"picc_data={PICC}&cmac=", "cmac must be 16 hex digits"),
        (f"picc_data={PICC[:-1]}&cmac={MAC}", "picc_data must be 32 hex digits"),
        (f"picc_data={PICC}0&cmac={MAC}", "picc_data must be 32 hex digits"),
        (f"picc_data={PICC}&cmac={MAC}00", "cmac must be 16 hex digits"),
        (f"picc_data={PICC[:-1]}G&cmac={MAC}", "picc_data must be 32 hex digits"),
        (f"picc_data={PICC}&cmac={MAC[:-2]}+0", "cmac must be 16 hex digits"),
        (f"picc_data={PICC}&cmac={MAC[:-2]}%200", "cmac must be 16 hex digits"),
        (f"picc_data={PICC}&cmac=0x{MAC[:-2]}", "cmac must be 16 hex digits"),
        (f"picc_data={PICC}&cmac={MAC}&cmac={MAC}", "a parameter is repeated"),
        (f"picc_data={PICC}&cmac={MAC}&tag=1", "unexpected parameter 'tag'"),
        (f"e={PICC}&c={MAC}", "unexpected parameter 'c'"),
        (f"picc_data={PICC}&&cmac={MAC}", "the query does not parse"),
        (f"picc_data{PICC}&cmac={MAC}", "the query does not parse"),
        ("picc_data=" + "0" * 300, "the query is too long"),
    ],
)
def test_anything_else_is_malformed(query: str, error: str) -> None:
    with pytest.raises(TagError, match=f"^malformed tap: {error}"):
        parse_tap_query(query)


def test_the_values_as_a_framework_hands_them_over() -> None:
    assert parse_tap_params(picc_data=PICC, cmac=MAC) == PARSED
    with pytest.raises(TagError, match="malformed tap: no cmac parameter"):
        parse_tap_params(picc_data=PICC, cmac=None)
    with pytest.raises(TagError, match="malformed tap: picc_data must be 32 hex digits"):
        parse_tap_params(picc_data=" " + PICC[1:], cmac=MAC)
