"""Owner commitments and claim codes: how a transfer names nobody.

A transfer carries ``owner = SHA-256(domain ‖ salt ‖ owner id)``. The salt, the owner's label
and contact live only in the erasable ``owners`` vault; erasing them (crypto-shredding) leaves
the commitment in the signed history unlinkable to anyone, without touching a signature.

A claim code is 80 random bits shown once to the buyer; the event keeps only
``SHA-256(domain ‖ item ‖ NUL ‖ code)``, so the buyer can later prove ownership to a partner by
revealing the code, and nobody can derive it from the log.

A sale price is private by default: the transfer carries
``price_commitment = SHA-256(domain ‖ salt ‖ "45000 EUR")`` (the amount in minor units, a
space, the ISO 4217 code), with its own 32-byte salt. Amount, currency and salt live in the
owner's vault row beside the name; with them staff can show anyone that the commitment holds
that price (:func:`verify_price`), and once ``owners forget`` erases them, nobody can.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ..errors import HashMismatchError, InputError
from ..types import OwnerId, Sha256Hex
from ..vocab import CROCKFORD_ALPHABET as ALPHABET

__all__ = [
    "CLAIM_DOMAIN",
    "OWNER_DOMAIN",
    "PRICE_DOMAIN",
    "SALT_BYTES",
    "canonical_price",
    "claim_commitment",
    "new_claim_code",
    "new_owner_id",
    "normalise_claim_code",
    "owner_commitment",
    "price_commitment",
    "verify_claim",
    "verify_price",
]

OWNER_DOMAIN = b"provenance/owner/v1\x00"
CLAIM_DOMAIN = b"provenance/claim/v1\x00"
PRICE_DOMAIN = b"provenance/price/v1\x00"
SALT_BYTES = 32  # 256-bit salt: the commitment stays hiding even if owner ids were guessable
_CLAIM_SYMBOLS = 16  # 16 base-32 symbols = 80 bits
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_MAX_AMOUNT = 10**12  # as the transfer schema: minor units, never a float


def new_owner_id() -> OwnerId:
    """A random local id for an owner vault row."""
    return OwnerId(f"own_{secrets.token_hex(8)}")


def owner_commitment(*, salt: bytes, owner_id: str) -> Sha256Hex:
    """The hiding, binding commitment a transfer event carries for its new owner."""
    if len(salt) != SALT_BYTES:
        raise InputError(f"owner salt must be {SALT_BYTES} bytes")
    return Sha256Hex(hashlib.sha256(OWNER_DOMAIN + salt + owner_id.encode()).hexdigest())


def new_claim_code() -> str:
    """A fresh claim code like ``7KQ2-M9XD-PARW-3F0C`` (shown once, never stored)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(_CLAIM_SYMBOLS))
    return "-".join(raw[i : i + 4] for i in range(0, _CLAIM_SYMBOLS, 4))


def normalise_claim_code(code: str) -> str:
    """Upper-case, de-hyphenate and de-alias a typed claim code; check its shape."""
    raw = code.strip().upper().replace("-", "").replace(" ", "").translate(_ALIASES)
    if len(raw) != _CLAIM_SYMBOLS or any(ch not in ALPHABET for ch in raw):
        raise InputError("a claim code is 16 letters and digits, like 7KQ2-M9XD-PARW-3F0C")
    return raw


def claim_commitment(*, item: str, code: str) -> Sha256Hex:
    """The commitment to a claim code for ``item`` that a transfer event carries."""
    raw = normalise_claim_code(code)
    return Sha256Hex(
        hashlib.sha256(CLAIM_DOMAIN + item.encode() + b"\x00" + raw.encode()).hexdigest()
    )


def verify_claim(*, item: str, code: str, commitment: str) -> None:
    """Raise :class:`HashMismatchError` unless ``code`` opens ``commitment`` for ``item``."""
    calculated = claim_commitment(item=item, code=code)
    if not hmac.compare_digest(calculated, commitment):
        raise HashMismatchError(
            "claim code does not match", expected=commitment, calculated=calculated
        )


def canonical_price(*, amount: int, currency: str) -> str:
    """The committed text of a price: minor units, a space, the currency (``"45000 EUR"``)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= _MAX_AMOUNT:
        raise InputError(f"a price amount is a whole number of minor units, 0 to {_MAX_AMOUNT}")
    if len(currency) != 3 or not currency.isascii() or not currency.isupper():
        raise InputError("a price currency is three capital letters (ISO 4217), like EUR")
    return f"{amount} {currency}"


def price_commitment(*, salt: bytes, amount: int, currency: str) -> Sha256Hex:
    """The commitment to a sale price that a private-price transfer carries."""
    if len(salt) != SALT_BYTES:
        raise InputError(f"price salt must be {SALT_BYTES} bytes")
    text = canonical_price(amount=amount, currency=currency)
    return Sha256Hex(hashlib.sha256(PRICE_DOMAIN + salt + text.encode()).hexdigest())


def verify_price(*, salt: bytes, amount: int, currency: str, commitment: str) -> None:
    """Raise :class:`HashMismatchError` unless the price opens ``commitment`` with ``salt``."""
    calculated = price_commitment(salt=salt, amount=amount, currency=currency)
    if not hmac.compare_digest(calculated, commitment):
        raise HashMismatchError(
            "price does not match its commitment", expected=commitment, calculated=calculated
        )
