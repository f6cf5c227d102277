"""The store's NFC master key: 16 random bytes, kept encrypted in a file under the store's home.

Every tag key is diversified from this one key (:mod:`.keys`), so it is as precious as the
staff keys and kept like them: in a file, encrypted under a passphrase, never in the database,
the log or a bundle. Lose it and no tag written so far verifies; leak it and anyone can make
tags that verify. The file is ``$PROVENANCE_HOME/nfc-key/master`` (:func:`master_key_path`),
mode 0600 in a 0700 directory, one JSON object:

.. code-block:: json

    {"format": "provenance-nfc-master-key/v1",
     "kdf": "pbkdf2-hmac-sha256", "iterations": 600000, "salt": "<16 bytes, hex>",
     "cipher": "aes-256-gcm", "nonce": "<12 bytes, hex>",
     "ciphertext": "<the 16-byte key and the 16-byte GCM tag, hex>"}

The key-encryption key is PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) of the passphrase with a random
salt, at the work factor of the staff key files (:data:`PBKDF2_ITERATIONS`, OWASP 2023). The
master key is sealed with AES-256-GCM (NIST SP 800-38D) under a random 96-bit nonce, with the
format name as associated data. Not PKCS#8: that wraps private keys of public-key
algorithms, and an AES key has no PrivateKeyInfo form there. A wrong passphrase and a damaged
file both fail the GCM tag and read as :class:`~provenance.errors.PassphraseError`.

:meth:`MasterKeyFile.load_or_create` makes the key on first use (``provenance nfc provision``).
The file is written beside its final name and linked into place, so a second process racing
to create it finds a whole file, never half of one, and both end up with the same key.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ConfigurationError, InputError, NotFoundError, PassphraseError
from ...keys._pkcs8 import PBKDF2_ITERATIONS
from . import _aes

__all__ = [
    "FORMAT",
    "MASTER_KEY_DIR",
    "MASTER_KEY_FILE",
    "MasterKeyFile",
    "decrypt_master_key",
    "encrypt_master_key",
    "master_key_path",
]

FORMAT = "provenance-nfc-master-key/v1"
MASTER_KEY_DIR = "nfc-key"  # beside home/keys and home/log-key
MASTER_KEY_FILE = "master"
_KDF = "pbkdf2-hmac-sha256"
_CIPHER = "aes-256-gcm"
_SALT_BYTES = 16  # RFC 8018 §4.1: at least 64 bits; 128 as for the staff key files
_NONCE_BYTES = 12  # NIST SP 800-38D §8.2: 96-bit nonces; random, one per file written
_KEK_BYTES = 32  # AES-256
_GCM_TAG_BYTES = 16
# A file claiming fewer iterations than this was not written here; many more would only make
# opening it hang. Both are refused as damaged.
_MIN_ITERATIONS = 100_000
_MAX_ITERATIONS = 10_000_000
_FIELDS = frozenset({"format", "kdf", "iterations", "salt", "cipher", "nonce", "ciphertext"})


def master_key_path(home: Path) -> Path:
    """Where the store with home directory ``home`` keeps its NFC master key."""
    return home / MASTER_KEY_DIR / MASTER_KEY_FILE


def _kek(passphrase: str, salt: bytes, iterations: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=_KEK_BYTES, salt=salt, iterations=iterations)
    return kdf.derive(passphrase.encode())


def encrypt_master_key(
    master_key: bytes, passphrase: str, *, iterations: int = PBKDF2_ITERATIONS
) -> bytes:
    """The key file's bytes for ``master_key`` sealed under ``passphrase`` (see the module)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(master_key) != _aes.KEY_LENGTH:
        raise InputError(f"the NFC master key is 16 bytes, not {len(master_key)}")
    if not passphrase:
        raise InputError("the NFC master key's passphrase must not be empty")
    if not _MIN_ITERATIONS <= iterations <= _MAX_ITERATIONS:
        raise InputError(f"PBKDF2 iterations must be {_MIN_ITERATIONS}..{_MAX_ITERATIONS}")
    salt = secrets.token_bytes(_SALT_BYTES)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(_kek(passphrase, salt, iterations)).encrypt(
        nonce, master_key, FORMAT.encode("ascii")
    )
    document = {
        "format": FORMAT,
        "kdf": _KDF,
        "iterations": iterations,
        "salt": salt.hex(),
        "cipher": _CIPHER,
        "nonce": nonce.hex(),
        "ciphertext": sealed.hex(),
    }
    return (json.dumps(document, sort_keys=True) + "\n").encode("ascii")


def _field_bytes(document: dict[str, Any], name: str, length: int, label: str) -> bytes:
    value = document.get(name)
    if not isinstance(value, str):
        raise ConfigurationError(f"{label} is damaged: {name} is missing")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise ConfigurationError(f"{label} is damaged: {name} is not hex") from exc
    if len(raw) != length:
        raise ConfigurationError(f"{label} is damaged: {name} is {len(raw)} bytes, not {length}")
    return raw


def decrypt_master_key(data: bytes, passphrase: str, *, label: str = "the NFC master key") -> bytes:
    """Open a key file written by :func:`encrypt_master_key`; return the 16-byte key.

    A file that is not one of ours raises :class:`ConfigurationError`; a wrong passphrase (or
    a file altered after it was written) raises :class:`PassphraseError`.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        document = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigurationError(f"{label} is damaged: not a key file") from exc
    if not isinstance(document, dict) or set(document) != _FIELDS:
        raise ConfigurationError(f"{label} is damaged: not a key file")
    if (document["format"], document["kdf"], document["cipher"]) != (FORMAT, _KDF, _CIPHER):
        raise ConfigurationError(
            f"{label} is in a format this version does not read ({document['format']!r})"
        )
    iterations = document["iterations"]
    if type(iterations) is not int or not _MIN_ITERATIONS <= iterations <= _MAX_ITERATIONS:
        raise ConfigurationError(f"{label} is damaged: iterations out of range")
    salt = _field_bytes(document, "salt", _SALT_BYTES, label)
    nonce = _field_bytes(document, "nonce", _NONCE_BYTES, label)
    sealed = _field_bytes(document, "ciphertext", _aes.KEY_LENGTH + _GCM_TAG_BYTES, label)
    try:
        return AESGCM(_kek(passphrase, salt, iterations)).decrypt(
            nonce, sealed, FORMAT.encode("ascii")
        )
    except InvalidTag as exc:
        raise PassphraseError(
            f"cannot unlock {label}: wrong passphrase or damaged key file"
        ) from exc


@dataclass(frozen=True)
class MasterKeyFile:
    """The store's NFC master key file (``home/nfc-key/master``)."""

    path: Path

    @classmethod
    def in_home(cls, home: Path) -> MasterKeyFile:
        """The key file of the store whose home directory is ``home``."""
        return cls(master_key_path(home))

    def exists(self) -> bool:
        """Whether the key file is there."""
        return self.path.is_file()

    def load(self, passphrase: str) -> bytes:
        """Read and unlock the master key."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"no NFC master key at {self.path}; 'provenance nfc provision' makes one"
            ) from exc
        except OSError as exc:
            raise ConfigurationError(f"cannot read {self.path}: {exc.strerror}") from exc
        return decrypt_master_key(data, passphrase, label=f"the NFC master key {self.path}")

    def create(self, passphrase: str, *, iterations: int = PBKDF2_ITERATIONS) -> bytes:
        """Make a new random master key, write it encrypted, and return it.

        Refuses to replace an existing file (:class:`InputError`): a new key would orphan
        every tag written with the old one.
        """
        key = secrets.token_bytes(_aes.KEY_LENGTH)
        data = encrypt_master_key(key, passphrase, iterations=iterations)
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(dir=directory, prefix=".master-")  # mode 0600
        except OSError as exc:
            raise ConfigurationError(f"cannot write {self.path}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            # link() refuses an existing name: of two processes creating the key at once,
            # exactly one puts its file in place, and the other sees a whole file.
            os.link(temp, self.path)
        except FileExistsError as exc:
            raise InputError(f"an NFC master key already exists at {self.path}") from exc
        except OSError as exc:
            raise ConfigurationError(f"cannot write {self.path}: {exc.strerror}") from exc
        finally:
            Path(temp).unlink(missing_ok=True)
        return key

    def load_or_create(
        self, passphrase: str, *, iterations: int = PBKDF2_ITERATIONS
    ) -> tuple[bytes, bool]:
        """The master key, made first if there is none; and whether it was made now."""
        if not self.exists():
            try:
                return self.create(passphrase, iterations=iterations), True
            except InputError:
                if not self.exists():
                    raise
                # Another process made it first: use theirs.
        return self.load(passphrase), False
