"""AN10922 AES-128 key diversification (tests/assets/nfc/an10922.json) and our inputs."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from provenance.errors import InputError
from provenance.tags.nfc.keys import (
    SYSTEM_IDENTIFIER,
    TagKeys,
    app_master_key,
    cmac_subkeys,
    diversify_aes128,
    file_read_key,
    meta_read_key,
    tag_keys,
)

from ....samples import load_vector

H = bytes.fromhex
AN10922 = load_vector("nfc/an10922")
MASTER = H("00112233445566778899AABBCCDDEEFF")
UID = H("04DE5F1EACC040")


def _plain_cmac(key: bytes, message: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def _an10922_by_hand(key: bytes, m: bytes, k1: bytes, k2: bytes) -> bytes:
    """AN10922 §2.2 again, straight from the text, given the subkeys."""
    d = b"\x01" + m
    if len(d) < 32:
        d = (d + b"\x80").ljust(32, b"\x00")
        sub = k2
    else:
        sub = k1
    d = d[:16] + bytes(a ^ b for a, b in zip(d[16:], sub, strict=True))
    enc = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return (enc.update(d) + enc.finalize())[16:]


@pytest.mark.parametrize("case", AN10922["aes128"])
def test_the_published_example(case: Any) -> None:
    key = H(case["master_key"])
    m = H(case["uid"]) + H(case["aid"]) + H(case["system_identifier"])
    assert m == H(case["m"])
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    assert (ecb.update(bytes(16)) + ecb.finalize()).hex().upper() == case["k0"]
    k1, k2 = cmac_subkeys(key)
    assert (k1.hex().upper(), k2.hex().upper()) == (case["k1"], case["k2"])
    assert (b"\x01" + m + b"\x80").ljust(32, b"\x00") == H(case["d_padded"])
    assert diversify_aes128(key, m).hex().upper() == case["key"]
    # A 17-byte M is where AN10922 and plain CMAC agree.
    assert _plain_cmac(key, b"\x01" + m).hex().upper() == case["key"]


@pytest.mark.parametrize("length", [1, 5, 11, 15, 16, 17, 18, 30, 31])
def test_every_input_length_follows_the_procedure(length: int) -> None:
    m = bytes(range(0x40, 0x40 + length))
    k1, k2 = cmac_subkeys(MASTER)
    assert diversify_aes128(MASTER, m) == _an10922_by_hand(MASTER, m, k1, k2)


@pytest.mark.parametrize("length", [1, 11, 14, 15])
def test_short_inputs_are_padded_to_32_bytes_not_16(length: int) -> None:
    # D of at most one block: plain CMAC pads it to 16 bytes (or, at exactly 16, takes it
    # whole with K1); AN10922 pads it to 32 bytes and uses K2.
    m = bytes(length)
    assert diversify_aes128(MASTER, m) != _plain_cmac(MASTER, b"\x01" + m)


@pytest.mark.parametrize("length", [16, 17, 30, 31])
def test_longer_inputs_equal_plain_cmac(length: int) -> None:
    # D of 17 to 32 bytes: CMAC pads to 32 (or, at 32, uses K1), exactly as AN10922 does.
    m = bytes(range(length))
    assert diversify_aes128(MASTER, m) == _plain_cmac(MASTER, b"\x01" + m)


@pytest.mark.parametrize("length", [0, 32, 40])
def test_input_length_is_1_to_31_bytes(length: int) -> None:
    with pytest.raises(InputError, match=f"1 to 31 bytes, not {length}"):
        diversify_aes128(MASTER, bytes(length))


@pytest.mark.parametrize("key", [b"", bytes(15), bytes(24), bytes(32)])
def test_the_master_key_is_16_bytes(key: bytes) -> None:
    with pytest.raises(InputError, match="NFC master key is an AES-128 key of 16 bytes"):
        meta_read_key(key)


def test_our_diversification_inputs() -> None:
    k1, k2 = cmac_subkeys(MASTER)
    assert SYSTEM_IDENTIFIER == b"provenance"
    assert meta_read_key(MASTER) == _an10922_by_hand(MASTER, b"\x01provenance", k1, k2)
    assert file_read_key(MASTER, UID) == _an10922_by_hand(MASTER, UID + b"\x02provenance", k1, k2)
    assert app_master_key(MASTER, UID) == _an10922_by_hand(MASTER, UID + b"\x00provenance", k1, k2)


def test_our_keys_are_frozen() -> None:
    # These keys are written into tags: changing the derivation orphans every tag.
    assert tag_keys(MASTER, UID) == TagKeys(
        app_master=H("0F43F06D673372A229281B3C08FF5D3D"),
        meta_read=H("B18B244B0F2FD233BD2C5BD19EF68B1D"),
        file_read=H("BC8037D33BF0E69F390502CC5E7265DD"),
    )


def test_per_tag_keys_differ_and_the_meta_read_key_is_per_store() -> None:
    other = H("04DE5F1EACC041")
    assert file_read_key(MASTER, UID) != file_read_key(MASTER, other)
    assert app_master_key(MASTER, UID) != app_master_key(MASTER, other)
    assert tag_keys(MASTER, UID).meta_read == tag_keys(MASTER, other).meta_read
    assert meta_read_key(MASTER) != meta_read_key(bytes(16))
    keys = tag_keys(MASTER, UID)
    assert len({keys.app_master, keys.meta_read, keys.file_read}) == 3


def test_per_tag_keys_need_an_nxp_uid() -> None:
    with pytest.raises(InputError, match="does not start with 04"):
        file_read_key(MASTER, H("05DE5F1EACC040"))
    with pytest.raises(InputError, match="a tag UID is 7 bytes, not 4"):
        tag_keys(MASTER, H("04DE5F1E"))
