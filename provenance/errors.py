"""The one exception hierarchy of the provenance package.

Everything the package raises on purpose derives from :class:`ProvenanceError`. Callers pick a
branch by what they want to do about it:

* :class:`InputError` (also a ``ValueError``): the caller gave us something malformed; fix the
  input and try again. :class:`NotFoundError` is the "no such thing" case of it.
* :class:`VerificationError`: a check over signed data failed; each precise subclass names the
  check. Verifiers raise these and never return a bool.
* :class:`AuthorizationError`: a signer is not allowed to do this (wrong role, revoked key).
  Write-time refusals and audit findings share it, so the role check is one rule, not two.
* :class:`ConflictError`: another writer got there first (the item's next position is taken).
* :class:`ConfigurationError`: the environment is wrong (no ledger, bad key file, wrong
  passphrase); the message says what to do.

Third-party exceptions are wrapped where they cross into this package (``raise ... from exc``)
so that no ``InvalidSignature`` or ``IntegrityError`` reaches a user.
"""

from __future__ import annotations

__all__ = [
    "AnchorError",
    "AuthorizationError",
    "ChainBreakError",
    "ChainError",
    "ChainUnavailableError",
    "CheckpointError",
    "ConfigurationError",
    "ConflictError",
    "EventFormatError",
    "HashMismatchError",
    "InputError",
    "KeyStateError",
    "LogDivergedError",
    "NoSuchError",
    "NotFoundError",
    "PassphraseError",
    "ProofError",
    "ProvenanceError",
    "RevokedKeyError",
    "RoleError",
    "RootMismatchError",
    "SignatureError",
    "TagError",
    "UnknownKeyError",
    "VerificationError",
]


class ProvenanceError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(ProvenanceError, ValueError):
    """The caller supplied malformed or invalid input."""


class NotFoundError(InputError):
    """The named item, key, owner or blob does not exist."""


class NoSuchError(InputError):
    """Well-formed input that names nothing that can exist: an item id whose check symbol
    does not match (a typo), a tree size beyond the log. The API answers 404, as for any
    other address with nothing behind it; the CLI treats it as bad input (exit 2)."""


class ConfigurationError(ProvenanceError):
    """The environment is not usable as configured (missing ledger, unreadable key file...)."""


class PassphraseError(ConfigurationError):
    """A key file could not be decrypted with the given passphrase."""


class ConflictError(ProvenanceError):
    """A concurrent writer took the position this append wanted; nothing was written."""


class VerificationError(ProvenanceError):
    """A check over signed or hashed data failed."""


class EventFormatError(VerificationError):
    """Stored event bytes are not a well-formed, canonical event."""


class HashMismatchError(VerificationError):
    """A recomputed hash differs from the one that was expected."""

    def __init__(self, message: str, *, expected: str, calculated: str) -> None:
        super().__init__(f"{message}: expected {expected}, calculated {calculated}")
        self.expected = expected
        self.calculated = calculated


class RootMismatchError(HashMismatchError):
    """A root computed from a proof differs from the expected root."""


class ProofError(VerificationError):
    """A Merkle proof or its parameters are malformed (wrong length, index beyond the tree)."""


class CheckpointError(VerificationError):
    """A signed checkpoint is malformed or its signature does not verify."""


class SignatureError(VerificationError):
    """An Ed25519 signature does not verify under the claimed key."""


class ChainBreakError(VerificationError):
    """An item's events do not form an unbroken hash chain (seq gap, wrong prev, reordering)."""


class UnknownKeyError(VerificationError):
    """An event names a signing key that the key history never added."""


class AuthorizationError(VerificationError):
    """The signer was not allowed to sign this event."""


class RoleError(AuthorizationError):
    """The signer's role does not permit this event type."""


class RevokedKeyError(AuthorizationError):
    """The signing key had been revoked before this event was logged."""


class KeyStateError(InputError):
    """A key operation does not fit the key's current state (revoking a revoked key...)."""


class ChainError(ConfigurationError):
    """The chain set-up is wrong (chain id, contract, account, funds, keystore); the message
    says what to do."""


class ChainUnavailableError(ChainError):
    """The chain's RPC endpoint could not be reached, even after retries."""


class AnchorError(VerificationError):
    """What the chain holds does not match the checkpoint (root differs, or no anchor)."""


class LogDivergedError(AnchorError):
    """The local log is shorter than, or differs from, what a contract holds: events that
    were anchored are missing or were rewritten. The store stops writing and anchoring until
    the newer backup is restored (README: "When the chain disagrees")."""


class TagError(VerificationError):
    """A secure tag's message does not verify: malformed, wrong MAC."""
