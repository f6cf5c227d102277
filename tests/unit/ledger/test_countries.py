"""The country vocabulary: what it holds, how typed names find their entry, what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.errors import InputError
from provenance.ledger.countries import CATALOGUE_NAMES, COUNTRIES, ISO_3166_1, canonical_country
from provenance.privacy.personal import find_personal_data

ISO_CODES_JSON = Path("/usr/share/iso-codes/json/iso_3166-1.json")


def test_iso_3166_1_is_complete() -> None:
    assert len(ISO_3166_1) == 249
    assert ISO_3166_1["GB"] == ("United Kingdom",)
    assert ISO_3166_1["KR"] == ("Korea, Republic of", "South Korea")
    assert all(len(code) == 2 and code.isupper() for code in ISO_3166_1)


@pytest.mark.skipif(not ISO_CODES_JSON.exists(), reason="Debian's iso-codes is not installed")
def test_iso_table_matches_the_iso_codes_package() -> None:
    entries = json.loads(ISO_CODES_JSON.read_text(encoding="utf-8"))["3166-1"]
    assert {e["alpha_2"] for e in entries} == set(ISO_3166_1)
    for e in entries:
        assert ISO_3166_1[e["alpha_2"]][0] == e["name"]


@pytest.mark.parametrize(
    "name",
    [
        "US", "GB", "UK", "EU", "Europe", "Worldwide", "USSR", "Yugoslavia", "West Germany",
        "East Germany", "Czechoslovakia", "Scandinavia", "Benelux", "UK & Europe", "USA",
        "Japan", "Germany", "Netherlands", "Italy", "Canada", "France",
    ],
)  # fmt: skip
def test_catalogue_names_are_in(name: str) -> None:
    assert name in COUNTRIES
    assert canonical_country(name) == name


def test_every_spelling_has_one_entry() -> None:
    # No two spellings fold to the same key, so the stored form is never ambiguous.
    for name in COUNTRIES:
        assert canonical_country(name) == name
        assert canonical_country(name.lower()) == name
        assert canonical_country(name.upper()) == name


def test_the_vocabulary_holds_no_personal_data() -> None:
    assert not [n for n in COUNTRIES if find_personal_data(n)]
    assert set(CATALOGUE_NAMES) <= COUNTRIES
    assert max(len(n) for n in COUNTRIES) <= 64


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Narnia", r"^not a country or region in the vocabulary: give an ISO 3166 code"),
        ("Untied Kingdom", r"\(did you mean 'United Kingdom'\?\)$"),
        ("", r"^not a country or region"),
        ("USA & Narnia", r"^not a country or region"),
    ],
)
def test_refused(typed: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        canonical_country(typed)
