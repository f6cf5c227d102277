"""PKCS#8 EncryptedPrivateKeyInfo with a strong PBKDF2 work factor.

``cryptography``'s ``BestAvailableEncryption`` for PKCS#8 uses PBES2 with only 2,048 PBKDF2
iterations, which makes a stolen key file cheap to brute-force. This module writes the same
standard structure (RFC 8018 §6.2 PBES2, §5.2 PBKDF2 with HMAC-SHA256, AES-256-CBC; RFC 5958
§3 EncryptedPrivateKeyInfo) with a modern iteration count. Any PKCS#8 reader (OpenSSL,
``cryptography``'s ``load_pem_private_key``) opens it; nothing here reads keys.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["PBKDF2_ITERATIONS", "encrypt_pkcs8_pem"]

# OWASP Password Storage Cheat Sheet (2023): PBKDF2-HMAC-SHA256, 600,000 iterations.
PBKDF2_ITERATIONS = 600_000
_SALT_BYTES = 16
_IV_BYTES = 16  # AES block size

# Object identifiers (DER-encoded content octets).
_OID_PBES2 = bytes.fromhex("2a864886f70d01050d")  # 1.2.840.113549.1.5.13, RFC 8018 A.4
_OID_PBKDF2 = bytes.fromhex("2a864886f70d01050c")  # 1.2.840.113549.1.5.12, RFC 8018 A.2
_OID_HMAC_SHA256 = bytes.fromhex("2a864886f70d0209")  # 1.2.840.113549.2.9, RFC 8018 B.1.2
_OID_AES256_CBC = bytes.fromhex("60864801650304012a")  # 2.16.840.1.101.3.4.1.42, RFC 8018 B.2.5


def encrypt_pkcs8_pem(
    key: Ed25519PrivateKey, passphrase: str, *, iterations: int = PBKDF2_ITERATIONS
) -> bytes:
    """Serialise ``key`` as an encrypted PKCS#8 PEM under ``passphrase``."""
    # Imported here: writing a key file is rare, and these (with the serialisation module's
    # SSH, RSA and EC support) cost every command that only verifies signatures 5-10 ms.
    from cryptography.hazmat.primitives import hashes, padding, serialization
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt = os.urandom(_SALT_BYTES)
    iv = os.urandom(_IV_BYTES)
    kek = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations).derive(
        passphrase.encode()
    )
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(kek), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()

    prf = _seq(_oid(_OID_HMAC_SHA256), b"\x05\x00")
    kdf_params = _seq(_octets(salt), _integer(iterations), prf)
    kdf = _seq(_oid(_OID_PBKDF2), kdf_params)
    scheme = _seq(_oid(_OID_AES256_CBC), _octets(iv))
    algorithm = _seq(_oid(_OID_PBES2), _seq(kdf, scheme))
    der = _seq(algorithm, _octets(ciphertext))
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + b"\n".join(lines)
        + b"\n-----END ENCRYPTED PRIVATE KEY-----\n"
    )


# Minimal DER (ITU-T X.690 §8) for the few types above.
def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _oid(content: bytes) -> bytes:
    return _tlv(0x06, content)


def _octets(content: bytes) -> bytes:
    return _tlv(0x04, content)


def _integer(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # room for a sign bit
    return _tlv(0x02, raw)
