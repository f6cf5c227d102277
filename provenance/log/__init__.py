"""The transparency log: RFC 9162 Merkle hashing and proofs, the stored tree (perfect
subtrees, O(log n) reads), C2SP signed checkpoints, the store's log identity, and the tree
audit. It knows leaves and rows, never the ledger's rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint, verify_checkpoint
    from .merkle import (
        root_from_consistency_proof,
        root_from_inclusion_proof,
        root_from_leaves,
        verify_consistency,
        verify_inclusion,
    )
    from .transparency import LogIdentity, StoredCheckpoint, TransparencyLog
    from .tree import (
        LogAppender,
        Proof,
        consistency_proof,
        event_leaf_hash,
        inclusion_proof,
        inclusion_proofs,
        root_at,
    )
    from .tree_audit import TreeChecker

__all__ = [
    "Checkpoint",
    "LogAppender",
    "LogIdentity",
    "Proof",
    "StoredCheckpoint",
    "TransparencyLog",
    "TreeChecker",
    "consistency_proof",
    "event_leaf_hash",
    "inclusion_proof",
    "inclusion_proofs",
    "parse_checkpoint",
    "root_at",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaves",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]

_EXPORTS = {
    "root_from_consistency_proof": ".merkle",
    "root_from_inclusion_proof": ".merkle",
    "root_from_leaves": ".merkle",
    "verify_consistency": ".merkle",
    "verify_inclusion": ".merkle",
    "LogAppender": ".tree",
    "Proof": ".tree",
    "consistency_proof": ".tree",
    "event_leaf_hash": ".tree",
    "inclusion_proof": ".tree",
    "inclusion_proofs": ".tree",
    "root_at": ".tree",
    "Checkpoint": ".checkpoint",
    "parse_checkpoint": ".checkpoint",
    "sign_checkpoint": ".checkpoint",
    "verify_checkpoint": ".checkpoint",
    "LogIdentity": ".transparency",
    "StoredCheckpoint": ".transparency",
    "TransparencyLog": ".transparency",
    "TreeChecker": ".tree_audit",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
