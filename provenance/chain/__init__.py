"""Anchoring on Ethereum: chain endpoints (embedded EVM, Hardhat, any JSON-RPC URL), the
ProvenanceAnchor contract, locally signed EIP-1559 transactions, the crash-safe anchorer, and
the choice of the anchored checkpoint that bundles and pages show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .anchored import AnchoredCheckpoint, anchored_checkpoint
    from .anchorer import Anchorer, AnchorOutcome, AnchorSettings
    from .contract import AnchorContract, Deployed, deploy, verify_anchor
    from .endpoints import EMBEDDED, HARDHAT, Chain, ChainSpec, connect

__all__ = [
    "EMBEDDED",
    "HARDHAT",
    "AnchorContract",
    "AnchorOutcome",
    "AnchorSettings",
    "AnchoredCheckpoint",
    "Anchorer",
    "Chain",
    "ChainSpec",
    "Deployed",
    "anchored_checkpoint",
    "connect",
    "deploy",
    "verify_anchor",
]

_EXPORTS = {
    "Chain": ".endpoints",
    "ChainSpec": ".endpoints",
    "EMBEDDED": ".endpoints",
    "HARDHAT": ".endpoints",
    "connect": ".endpoints",
    "AnchorContract": ".contract",
    "Deployed": ".contract",
    "deploy": ".contract",
    "verify_anchor": ".contract",
    "AnchorOutcome": ".anchorer",
    "AnchorSettings": ".anchorer",
    "Anchorer": ".anchorer",
    "AnchoredCheckpoint": ".anchored",
    "anchored_checkpoint": ".anchored",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
