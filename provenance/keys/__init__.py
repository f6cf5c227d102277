"""Staff keys: Ed25519 signing keys, their encrypted PKCS#8 files, and the key ring that
replays the key chain to say which key held which role at each log position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .keyring import PERMISSIONS, KeyRecord, KeyRing
    from .signing import (
        KeyFiles,
        SigningKey,
        key_id_for,
        public_key_from_hex,
        validate_key_name,
        verify_signature,
    )

__all__ = [
    "PERMISSIONS",
    "KeyFiles",
    "KeyRecord",
    "KeyRing",
    "SigningKey",
    "key_id_for",
    "public_key_from_hex",
    "validate_key_name",
    "verify_signature",
]

_EXPORTS = {
    "KeyFiles": ".signing",
    "SigningKey": ".signing",
    "key_id_for": ".signing",
    "public_key_from_hex": ".signing",
    "validate_key_name": ".signing",
    "verify_signature": ".signing",
    "KeyRecord": ".keyring",
    "KeyRing": ".keyring",
    "PERMISSIONS": ".keyring",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
