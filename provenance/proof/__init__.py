"""Proof bundles and the standalone verifier: one JSON file per item with everything needed
to check its history, and the checks that need nothing but that file, the store's published
log key and (for the anchor) an RPC endpoint. docs/bundle.md is the specification.

    report = verify_bundle(path.read_bytes(), log_key=published_verifier_key)
    report.outcome  # "verified", "unproven" or "failed"; report.checks says why
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .bundle import BUNDLE_FORMAT, BUNDLE_VERSION, MAX_BUNDLE_BYTES, build_bundle
    from .report import CHECKS, Check, Outcome, VerificationReport
    from .schema import Bundle
    from .verifier import parse_bundle, parse_log_key, verify_bundle, verify_bundle_strict

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CHECKS",
    "MAX_BUNDLE_BYTES",
    "Bundle",
    "Check",
    "Outcome",
    "VerificationReport",
    "build_bundle",
    "parse_bundle",
    "parse_log_key",
    "verify_bundle",
    "verify_bundle_strict",
]

_EXPORTS = {
    "BUNDLE_FORMAT": ".bundle",
    "BUNDLE_VERSION": ".bundle",
    "MAX_BUNDLE_BYTES": ".bundle",
    "build_bundle": ".bundle",
    "Bundle": ".schema",
    "CHECKS": ".report",
    "Check": ".report",
    "Outcome": ".report",
    "VerificationReport": ".report",
    "parse_bundle": ".verifier",
    "parse_log_key": ".verifier",
    "verify_bundle": ".verifier",
    "verify_bundle_strict": ".verifier",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
