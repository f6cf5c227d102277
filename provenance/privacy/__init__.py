"""Personal data kept out of the public record: salted owner commitments, ownership claim
codes, and the erasable vault where names and contacts live (crypto-shredding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .commitments import (
        claim_commitment,
        new_claim_code,
        new_owner_id,
        normalise_claim_code,
        owner_commitment,
        verify_claim,
    )
    from .vault import OwnerRecord, forget_owner, list_owners

__all__ = [
    "OwnerRecord",
    "claim_commitment",
    "forget_owner",
    "list_owners",
    "new_claim_code",
    "new_owner_id",
    "normalise_claim_code",
    "owner_commitment",
    "verify_claim",
]

_EXPORTS = {
    "claim_commitment": ".commitments",
    "new_claim_code": ".commitments",
    "new_owner_id": ".commitments",
    "normalise_claim_code": ".commitments",
    "owner_commitment": ".commitments",
    "verify_claim": ".commitments",
    "OwnerRecord": ".vault",
    "forget_owner": ".vault",
    "list_owners": ".vault",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
