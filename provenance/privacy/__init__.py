"""Personal data kept out of the public record: the screen that refuses text shaped like an
e-mail address or a phone number, salted owner and price commitments, ownership claim codes,
and the erasable vault where names, contacts and private prices live (crypto-shredding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .commitments import (
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
    from .personal import find_personal_data, refuse_personal_data
    from .vault import OwnerRecord, forget_owner, list_owners

__all__ = [
    "OwnerRecord",
    "canonical_price",
    "claim_commitment",
    "find_personal_data",
    "forget_owner",
    "list_owners",
    "new_claim_code",
    "new_owner_id",
    "normalise_claim_code",
    "owner_commitment",
    "price_commitment",
    "refuse_personal_data",
    "verify_claim",
    "verify_price",
]

_EXPORTS = {
    "canonical_price": ".commitments",
    "claim_commitment": ".commitments",
    "new_claim_code": ".commitments",
    "new_owner_id": ".commitments",
    "normalise_claim_code": ".commitments",
    "owner_commitment": ".commitments",
    "price_commitment": ".commitments",
    "verify_claim": ".commitments",
    "verify_price": ".commitments",
    "find_personal_data": ".personal",
    "refuse_personal_data": ".personal",
    "OwnerRecord": ".vault",
    "forget_owner": ".vault",
    "list_owners": ".vault",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
