"""AES-128 primitives for the NFC modules: one block in ECB, CBC without padding, AES-CMAC.

Thin wrappers over ``cryptography`` so the modules above speak plain bytes. Callers check
lengths first (keys are 16 bytes, CBC data a whole number of blocks); these functions only
assert them, because a wrong length here is a bug in this package, not bad input.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

__all__ = ["BLOCK", "KEY_LENGTH", "ZERO_BLOCK", "cbc_decrypt", "cbc_encrypt", "cmac", "ecb_block"]

BLOCK = 16  # AES block size in bytes (FIPS 197 §3.1)
KEY_LENGTH = 16  # AES-128, the only key size NTAG 424 DNA uses (NT4H2421Gx §9.1)
ZERO_BLOCK = bytes(BLOCK)


def _check(key: bytes, data: bytes) -> None:
    assert len(key) == KEY_LENGTH, "AES-128 key must be 16 bytes"
    assert len(data) % BLOCK == 0, "AES data must be whole blocks"


def ecb_block(key: bytes, block: bytes) -> bytes:
    """AES-128 encryption of one 16-byte block."""
    assert len(block) == BLOCK
    _check(key, block)
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305  (one block)
    return enc.update(block) + enc.finalize()


def cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128-CBC encryption of whole blocks, no padding."""
    _check(key, data)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128-CBC decryption of whole blocks, no padding removed."""
    _check(key, data)
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def cmac(key: bytes, message: bytes) -> bytes:
    """The full 16-byte AES-CMAC (NIST SP 800-38B, RFC 4493) of ``message``."""
    assert len(key) == KEY_LENGTH, "AES-128 key must be 16 bytes"
    mac = CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()
