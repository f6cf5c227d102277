"""Owner commitments and claim codes: known answers, hiding and binding, and refusals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from provenance.errors import HashMismatchError, InputError, VerificationError
from provenance.privacy.commitments import (
    SALT_BYTES,
    canonical_price,
    claim_commitment,
    new_claim_code,
    new_owner_id,
    normalise_claim_code,
    owner_commitment,
    price_commitment,
    verify_claim,
    verify_price,
)

from ...samples import load_vector

VECTORS = load_vector("commitments")


@pytest.mark.parametrize("case", VECTORS["owners"], ids=lambda c: str(c["owner_id"]))
def test_owner_commitment_known_answers(case: dict[str, Any]) -> None:
    salt = bytes.fromhex(case["salt"])
    assert owner_commitment(salt=salt, owner_id=case["owner_id"]) == case["commitment"]


@pytest.mark.parametrize("case", VECTORS["claims"], ids=lambda c: str(c["code"]))
def test_claim_commitment_known_answers(case: dict[str, Any]) -> None:
    assert normalise_claim_code(case["code"]) == case["normal"]
    assert claim_commitment(item=case["item"], code=case["code"]) == case["commitment"]
    verify_claim(item=case["item"], code=case["code"], commitment=case["commitment"])


@pytest.mark.parametrize("case", VECTORS["prices"], ids=lambda c: str(c["text"]))
def test_price_commitment_known_answers(case: dict[str, Any]) -> None:
    salt = bytes.fromhex(case["salt"])
    amount, currency = case["amount"], case["currency"]
    assert canonical_price(amount=amount, currency=currency) == case["text"]
    assert price_commitment(salt=salt, amount=amount, currency=currency) == case["commitment"]
    verify_price(salt=salt, amount=amount, currency=currency, commitment=case["commitment"])


def test_price_commitment_binds_amount_currency_and_salt() -> None:
    case = VECTORS["prices"][0]
    salt = bytes.fromhex(case["salt"])
    for kwargs in (
        {"salt": salt, "amount": case["amount"] + 1, "currency": case["currency"]},
        {"salt": salt, "amount": case["amount"], "currency": "USD"},
        {"salt": bytes(SALT_BYTES), "amount": case["amount"], "currency": case["currency"]},
    ):
        with pytest.raises(HashMismatchError, match="price does not match its commitment"):
            verify_price(commitment=case["commitment"], **kwargs)


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (-1, "EUR", "a price amount is a whole number of minor units"),
        (10**12 + 1, "EUR", "a price amount is a whole number"),
        (True, "EUR", "a price amount is a whole number"),
        (4.5, "EUR", "a price amount is a whole number"),
        (100, "eur", "a price currency is three capital letters"),
        (100, "EURO", "a price currency is three capital letters"),
        (100, "ÉUR", "a price currency is three capital letters"),
    ],
)
def test_price_refusals(amount: Any, currency: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        price_commitment(salt=bytes(SALT_BYTES), amount=amount, currency=currency)


def test_price_salt_length_is_checked() -> None:
    with pytest.raises(InputError, match=f"price salt must be {SALT_BYTES} bytes"):
        price_commitment(salt=b"\0", amount=1, currency="EUR")


def test_commitment_depends_on_salt_and_owner() -> None:
    salt = bytes(SALT_BYTES)
    base = owner_commitment(salt=salt, owner_id="own_a")
    assert owner_commitment(salt=b"\1" + salt[1:], owner_id="own_a") != base
    assert owner_commitment(salt=salt, owner_id="own_b") != base


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_salt_length_is_checked(length: int) -> None:
    with pytest.raises(InputError, match=f"owner salt must be {SALT_BYTES} bytes"):
        owner_commitment(salt=b"\0" * length, owner_id="own_a")


def test_new_owner_ids_are_random() -> None:
    ids = {new_owner_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"own_[0-9a-f]{16}", i) for i in ids)


def test_new_claim_codes() -> None:
    codes = {new_claim_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", code), code
        assert normalise_claim_code(code) == code.replace("-", "")


@pytest.mark.parametrize(
    "code",
    ["", "7KQ2-M9XD-PARW", "7KQ2-M9XD-PARW-3F0C-X", "7KQ2-M9XD-PARW-3F0U", "7KQ2M9XD!ARW3F0C"],
)
def test_malformed_claim_codes(code: str) -> None:
    with pytest.raises(InputError, match="a claim code is 16 letters and digits"):
        normalise_claim_code(code)
    with pytest.raises(InputError, match="a claim code is 16 letters and digits"):
        claim_commitment(item="00000-00001-Y", code=code)


def test_wrong_code_or_item_does_not_open_the_commitment() -> None:
    case = VECTORS["claims"][0]
    with pytest.raises(HashMismatchError, match="claim code does not match") as info:
        verify_claim(item=case["item"], code="0000-0000-0000-0000", commitment=case["commitment"])
    assert info.value.expected == case["commitment"]
    assert info.value.calculated == claim_commitment(item=case["item"], code="0" * 16)
    with pytest.raises(VerificationError, match="claim code does not match"):
        verify_claim(item="ZZZZZ-ZZZZZ-A", code=case["code"], commitment=case["commitment"])
