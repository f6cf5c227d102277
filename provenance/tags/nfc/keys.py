"""Tag keys diversified from the store's NFC master key (NXP AN10922, AES-128).

AN10922 ("Symmetric key diversifications") §2.2 derives a card key from a master key K and a
diversification input M of 1 to 31 bytes:

1. K1, K2 = the CMAC subkeys of K (NIST SP 800-38B §6.1, RFC 4493 §2.3);
2. D = 01h ‖ M (01h is the constant for an AES-128 key);
3. if D is 32 bytes, XOR its last block with K1; else append 80h and zeros up to 32 bytes
   and XOR the last block with K2 (unlike plain CMAC, which pads only to 16 bytes);
4. the key is the last block of AES-128-CBC(K, IV = 0, D).

For D of 17 to 32 bytes that is plain CMAC(K, D); for shorter D it is not.

Our diversification inputs (fixed: changing them orphans every tag written so far):

* file-read key (key number 2, one per tag): M = UID (7) ‖ 02h ‖ ``"provenance"`` (10), 18 bytes;
* application master key (key number 0, one per tag): M = UID ‖ 00h ‖ ``"provenance"``;
* meta-read key (key number 1, one per store): M = 01h ‖ ``"provenance"``, 11 bytes.

The meta-read key does not depend on the UID on purpose: the server has to decrypt PICCData
before it knows which tag it is talking to. With one meta-read key per store, a tap names its
own UID, the server finds the item from the UID commitment in the signed record (so it keeps
no UID table of its own), and can say "this is another item's tag". Extracting that key from
a tag would reveal other tags' UIDs and counters, never let anyone forge a MAC: the MAC key
is per tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import InputError
from . import _aes
from .uid import check_uid

__all__ = [
    "APP_MASTER_KEY_NO",
    "FILE_READ_KEY_NO",
    "META_READ_KEY_NO",
    "SYSTEM_IDENTIFIER",
    "TagKeys",
    "app_master_key",
    "cmac_subkeys",
    "diversify_aes128",
    "file_read_key",
    "meta_read_key",
    "tag_keys",
]

APP_MASTER_KEY_NO = 0  # NTAG 424 DNA application key 0: the key that may change settings
META_READ_KEY_NO = 1  # our choice: SDMMetaRead = key 1 (decrypts PICCData)
FILE_READ_KEY_NO = 2  # our choice: SDMFileRead = key 2 (the SDM MAC key)
SYSTEM_IDENTIFIER = b"provenance"  # AN10922's "system identifier": names our key system
_AES128_CONSTANT = b"\x01"  # AN10922 §2.2: diversification constant for AES-128 keys
_MAX_INPUT = 31  # AN10922 §2.2: M is 1 to 31 bytes, so that D fits two blocks
_D_LENGTH = 2 * _aes.BLOCK
_RB = 0x87  # RFC 4493 §2.3: the constant of GF(2^128) doubling for 128-bit blocks


def _double(block: bytes) -> bytes:
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value & ((1 << 128) - 1)) ^ _RB
    return value.to_bytes(_aes.BLOCK, "big")


def cmac_subkeys(key: bytes) -> tuple[bytes, bytes]:
    """K1 and K2, the CMAC subkeys of ``key`` (RFC 4493 §2.3), from L = AES(key, 0^128)."""
    k1 = _double(_aes.ecb_block(_master(key), _aes.ZERO_BLOCK))
    return k1, _double(k1)


def _master(key: bytes) -> bytes:
    if len(key) != _aes.KEY_LENGTH:
        raise InputError(f"the NFC master key is an AES-128 key of 16 bytes, not {len(key)}")
    return key


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def diversify_aes128(master_key: bytes, m: bytes) -> bytes:
    """The AN10922 AES-128 diversified key for diversification input ``m`` (1-31 bytes)."""
    if not 1 <= len(m) <= _MAX_INPUT:
        raise InputError(f"AN10922 diversification input is 1 to 31 bytes, not {len(m)}")
    k1, k2 = cmac_subkeys(master_key)
    d = _AES128_CONSTANT + m
    if len(d) == _D_LENGTH:
        subkey = k1
    else:
        d += b"\x80" + bytes(_D_LENGTH - len(d) - 1)
        subkey = k2
    blocks = d[: _aes.BLOCK] + _xor(d[_aes.BLOCK :], subkey)
    return _aes.cbc_encrypt(master_key, _aes.ZERO_BLOCK, blocks)[_aes.BLOCK :]


def meta_read_key(master_key: bytes) -> bytes:
    """The store's SDM meta-read key (key 1), the same on every tag of the store."""
    return diversify_aes128(master_key, bytes([META_READ_KEY_NO]) + SYSTEM_IDENTIFIER)


def file_read_key(master_key: bytes, uid: bytes) -> bytes:
    """The tag's SDM file-read key (key 2): the key of its SDM MAC."""
    return diversify_aes128(
        master_key, check_uid(uid) + bytes([FILE_READ_KEY_NO]) + SYSTEM_IDENTIFIER
    )


def app_master_key(master_key: bytes, uid: bytes) -> bytes:
    """The tag's application master key (key 0), which guards its settings and NDEF file."""
    return diversify_aes128(
        master_key, check_uid(uid) + bytes([APP_MASTER_KEY_NO]) + SYSTEM_IDENTIFIER
    )


@dataclass(frozen=True)
class TagKeys:
    """The keys one tag is written with, by NTAG 424 DNA key number."""

    app_master: bytes
    meta_read: bytes
    file_read: bytes


def tag_keys(master_key: bytes, uid: bytes) -> TagKeys:
    """All three keys for the tag with ``uid``."""
    return TagKeys(
        app_master=app_master_key(master_key, uid),
        meta_read=meta_read_key(master_key),
        file_read=file_read_key(master_key, uid),
    )
