"""Proof bundles and the standalone verifier: one JSON file per item with everything needed
to check its history, and the checks that need nothing but that file (and an RPC endpoint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .bundle import BUNDLE_FORMAT, BUNDLE_VERSION, MAX_BUNDLE_BYTES, build_bundle
    from .verifier import (
        CHECKS,
        Check,
        VerificationReport,
        parse_bundle,
        verify_bundle,
        verify_bundle_strict,
    )

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CHECKS",
    "MAX_BUNDLE_BYTES",
    "Check",
    "VerificationReport",
    "build_bundle",
    "parse_bundle",
    "verify_bundle",
    "verify_bundle_strict",
]

_EXPORTS = {
    "BUNDLE_FORMAT": ".bundle",
    "BUNDLE_VERSION": ".bundle",
    "MAX_BUNDLE_BYTES": ".bundle",
    "build_bundle": ".bundle",
    "CHECKS": ".verifier",
    "Check": ".verifier",
    "VerificationReport": ".verifier",
    "parse_bundle": ".verifier",
    "verify_bundle": ".verifier",
    "verify_bundle_strict": ".verifier",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
