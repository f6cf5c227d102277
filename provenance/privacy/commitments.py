"""Owner commitments and claim codes: how a transfer names nobody.

A transfer carries ``owner = SHA-256(domain ‖ salt ‖ owner id)``. The salt, the owner's label
and contact live only in the erasable ``owners`` vault; erasing them (crypto-shredding) leaves
the commitment in the signed history unlinkable to anyone, without touching a signature.

A claim code is 80 random bits shown once to the buyer; the event keeps only
``SHA-256(domain ‖ item ‖ NUL ‖ code)``, so the buyer can later prove ownership to a partner by
revealing the code, and nobody can derive it from the log.
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
    "SALT_BYTES",
    "claim_commitment",
    "new_claim_code",
    "new_owner_id",
    "normalise_claim_code",
    "owner_commitment",
    "verify_claim",
]

OWNER_DOMAIN = b"provenance/owner/v1\x00"
CLAIM_DOMAIN = b"provenance/claim/v1\x00"
SALT_BYTES = 32  # 256-bit salt: the commitment stays hiding even if owner ids were guessable
_CLAIM_SYMBOLS = 16  # 16 base-32 symbols = 80 bits
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


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
