"""Ed25519 staff keys: generation, key ids, encrypted PKCS#8 files, signing and verifying.

Private keys live on disk as PKCS#8 PEM encrypted with a passphrase (PBES2 with a strong
PBKDF2 work factor, see :mod:`provenance.keys._pkcs8`), one file per key, mode 0600, never in the
database. Public keys are raw 32-byte Ed25519 keys; a key id is the hex of the first 16 bytes
of their SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ..errors import ConfigurationError, InputError, NotFoundError, PassphraseError, SignatureError
from ..types import KeyId
from ._pkcs8 import encrypt_pkcs8_pem

__all__ = [
    "KeyFiles",
    "SigningKey",
    "key_id_for",
    "public_key_from_hex",
    "validate_key_name",
    "verify_signature",
]

# 16 bytes of SHA-256 is 128 bits: far beyond any collision a store's key list could meet,
# and short enough to read in a table.
_KEY_ID_BYTES = 16
_PUBLIC_KEY_BYTES = 32  # RFC 8032 §5.1.5
_SIGNATURE_BYTES = 64  # RFC 8032 §5.1.6
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def key_id_for(public_key: bytes) -> KeyId:
    """Return the key id of a raw 32-byte Ed25519 public key."""
    if len(public_key) != _PUBLIC_KEY_BYTES:
        raise InputError(
            f"Ed25519 public key must be {_PUBLIC_KEY_BYTES} bytes, got {len(public_key)}"
        )
    return KeyId(hashlib.sha256(public_key).digest()[:_KEY_ID_BYTES].hex())


def public_key_from_hex(text: str) -> bytes:
    """Decode a hex public key and check its length."""
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise InputError(f"public key is not hex: {text[:16]!r}...") from exc
    key_id_for(raw)  # length check
    return raw


def validate_key_name(name: str) -> str:
    """Return ``name`` if it is a usable key name (lower-case letters, digits, ``._-``)."""
    if not _NAME.fullmatch(name):
        raise InputError(
            f"key name {name!r} must be 1-63 lower-case letters, digits, '.', '_' or '-'"
        )
    return name


def verify_signature(*, public_key: bytes, signature: bytes, message: bytes) -> None:
    """Verify an Ed25519 signature; raise :class:`SignatureError` if it does not hold."""
    if len(signature) != _SIGNATURE_BYTES:
        raise SignatureError(f"signature is {len(signature)} bytes, expected {_SIGNATURE_BYTES}")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("signature does not verify under the signer's key") from exc


@dataclass(frozen=True)
class SigningKey:
    """An unlocked Ed25519 private key with its public half and key id."""

    private: Ed25519PrivateKey
    public: bytes
    key_id: KeyId

    @classmethod
    def generate(cls) -> SigningKey:
        """Create a new random key."""
        return cls.from_private(Ed25519PrivateKey.generate())

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> SigningKey:
        """Wrap an existing ``cryptography`` private key."""
        public = private.public_key().public_bytes_raw()
        return cls(private=private, public=public, key_id=key_id_for(public))

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return self.private.sign(message)

    def to_encrypted_pem(self, passphrase: str) -> bytes:
        """Serialise as PKCS#8 PEM encrypted under ``passphrase`` (PBES2, PBKDF2-HMAC-SHA256
        with 600,000 iterations, AES-256-CBC)."""
        if not passphrase:
            raise InputError("a key passphrase must not be empty")
        return encrypt_pkcs8_pem(self.private, passphrase)

    @classmethod
    def from_encrypted_pem(cls, pem: bytes, passphrase: str, *, label: str = "key") -> SigningKey:
        """Decrypt a PKCS#8 PEM; a wrong passphrase raises :class:`PassphraseError`."""
        # PEM parsing is imported when a key file is opened (see provenance.keys._pkcs8).
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            private = load_pem_private_key(pem, password=passphrase.encode())
        except (ValueError, TypeError) as exc:
            # cryptography reports a bad passphrase and a corrupt file alike as ValueError.
            raise PassphraseError(
                f"cannot unlock {label}: wrong passphrase or damaged key file"
            ) from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise ConfigurationError(f"{label} is not an Ed25519 key")
        return cls.from_private(private)


class KeyFiles:
    """A directory of encrypted key files, one ``NAME.pem`` per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        """Return the file path for key ``name``."""
        return self.directory / f"{validate_key_name(name)}.pem"

    def exists(self, name: str) -> bool:
        """Whether a key file called ``name`` exists."""
        return self.path(name).is_file()

    def write(self, name: str, key: SigningKey, passphrase: str) -> Path:
        """Write ``key`` encrypted; refuse to overwrite an existing file."""
        path = self.path(name)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = key.to_encrypted_pem(passphrase)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise InputError(f"a key file for {name!r} already exists at {path}") from exc
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return path

    def load(self, name: str, passphrase: str) -> SigningKey:
        """Read and unlock key ``name``."""
        path = self.path(name)
        try:
            pem = path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFoundError(f"no key file for {name!r} in {self.directory}") from exc
        except OSError as exc:
            raise ConfigurationError(f"cannot read key file {path}: {exc.strerror}") from exc
        return SigningKey.from_encrypted_pem(pem, passphrase, label=f"key {name!r}")
