"""SDM on the server against AN12196's worked examples (tests/assets/nfc/an12196.json), and
every way a tap can fail: one flipped bit, a wrong PICCDataTag, wrong lengths, wrong keys."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.errors import InputError, TagError, VerificationError
from provenance.tags.nfc import _aes
from provenance.tags.nfc.sdm import (
    PICC_DATA_TAG,
    PiccData,
    decrypt_file_data,
    decrypt_picc_data,
    sdm_mac,
    session_enc_key,
    session_mac_key,
    sv1,
    sv2,
    truncate_mac,
    verify_plain_sun,
    verify_sdm_mac,
    verify_sun,
)

from ....samples import load_vector

H = bytes.fromhex
ZERO = bytes(16)
# AN12196 §3.4.2 / §3.4.4.2.1: the note's example tap, both keys all zero.
PICC = H("EF963FF7828658A599F3041510671E88")
MAC = H("94EED9EE65337086")
AN12196 = load_vector("nfc/an12196")


def _cases(section: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", AN12196[section], ids=lambda c: c["ref"][:40])


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


# -- known answers ---------------------------------------------------------------------------


@_cases("session_keys")
def test_session_vectors_and_keys(case: Any) -> None:
    key, uid, counter = H(case["file_read_key"]), H(case["uid"]), case["counter"]
    assert sv1(uid, counter).hex().upper() == case["sv1"], case["ref"]
    assert sv2(uid, counter).hex().upper() == case["sv2"], case["ref"]
    assert session_enc_key(key, uid, counter).hex().upper() == case["ses_enc_key"]
    assert session_mac_key(key, uid, counter).hex().upper() == case["ses_mac_key"]


@_cases("picc_data")
def test_picc_data_decrypts(case: Any) -> None:
    key, picc = H(case["meta_read_key"]), H(case["picc_data"])
    # The whole plaintext, independently of our parser: one AES block, zero IV.
    assert _aes.cbc_decrypt(key, ZERO, picc).hex().upper() == case["plain"], case["ref"]
    tap = decrypt_picc_data(key, picc)
    assert tap == PiccData(uid=H(case["uid"]), counter=case["counter"]), case["ref"]
    assert tap.uid_hex == case["uid"]


def test_counter_is_least_significant_byte_first() -> None:
    # AN12196 prints SDMReadCtr 3D0000: 61, not 0x3D0000.
    assert decrypt_picc_data(ZERO, PICC).counter == 61
    assert sv2(H("04DE5F1EACC040"), 61).endswith(H("3D0000"))


@_cases("enc_file_data")
def test_enc_file_data_decrypts(case: Any) -> None:
    key, uid, counter = H(case["file_read_key"]), H(case["uid"]), case["counter"]
    ses = session_enc_key(key, uid, counter)
    assert ses.hex().upper() == case["ses_enc_key"], case["ref"]
    iv = _aes.ecb_block(ses, counter.to_bytes(3, "little") + bytes(13))
    assert iv.hex().upper() == case["iv"], case["ref"]
    plain = decrypt_file_data(key, uid=uid, counter=counter, data=H(case["data"]))
    assert plain == case["plain_ascii"].encode("ascii"), case["ref"]


@_cases("sdm_mac")
def test_sdm_macs(case: Any) -> None:
    key, uid, counter = H(case["file_read_key"]), H(case["uid"]), case["counter"]
    mac_input = case["mac_input_ascii"].encode("ascii")
    assert sv2(uid, counter).hex().upper() == case["sv2"], case["ref"]
    ses = session_mac_key(key, uid, counter)
    assert ses.hex().upper() == case["ses_mac_key"], case["ref"]
    full = _aes.cmac(ses, mac_input)
    assert full.hex().upper() == case["full_cmac"], case["ref"]
    assert truncate_mac(full).hex().upper() == case["mac"], case["ref"]
    assert sdm_mac(key, uid=uid, counter=counter, mac_input=mac_input) == H(case["mac"])
    verify_sdm_mac(key, uid=uid, counter=counter, cmac=H(case["mac"]), mac_input=mac_input)


def test_truncation_takes_the_odd_positions() -> None:
    # S14 ‖ S12 ‖ ... ‖ S0 with S15 the first byte: positions 1, 3, ..., 15. The other
    # plausible readings do not give the published MAC.
    full = H("E194C7EE12D9F7EE8A65C8331B704386")
    assert truncate_mac(full) == MAC
    assert MAC not in (full[0::2], full[:8], full[8:], full[::-1][0::2])


@_cases("sun_urls")
def test_the_notes_url_verifies(case: Any) -> None:
    query = dict(part.split("=") for part in case["url"].split("?")[1].split("&"))
    tap = verify_sun(
        meta_read_key=H(case["meta_read_key"]),
        file_read_key=H(case["file_read_key"]),
        picc_data=H(query[case["picc_param"]]),
        cmac=H(query[case["mac_param"]]),
    )
    assert tap == PiccData(uid=H(case["uid"]), counter=case["counter"]), case["ref"]


@_cases("plain_sun")
def test_plain_sun(case: Any) -> None:
    key, uid = H(case["file_read_key"]), H(case["uid"])
    verify_plain_sun(key, uid=uid, counter=case["counter"], cmac=H(case["mac"]))
    with pytest.raises(TagError, match="SDM MAC does not verify"):
        verify_plain_sun(key, uid=uid, counter=case["counter"] + 1, cmac=H(case["mac"]))


@_cases("third_party")
def test_mac_over_a_non_empty_input_third_party(case: Any) -> None:
    tap = decrypt_picc_data(H(case["meta_read_key"]), H(case["picc_data"]))
    assert tap == PiccData(uid=H(case["uid"]), counter=case["counter"])
    verify_sdm_mac(
        H(case["file_read_key"]),
        uid=tap.uid,
        counter=tap.counter,
        cmac=H(case["mac"]),
        mac_input=case["mac_input_ascii"].encode("ascii"),
    )


# -- negative cases --------------------------------------------------------------------------


@pytest.mark.parametrize("bit", [0, 7, 8, 63, 64, 100, 127])
def test_a_flipped_bit_in_picc_data_is_refused(bit: int) -> None:
    # A flipped bit scrambles the whole block: either the PICCDataTag is wrong or, if the
    # random byte happens to be C7h, the UID or counter is, and the MAC refuses it.
    with pytest.raises(TagError, match=r"PICCDataTag|SDM MAC does not verify"):
        verify_sun(meta_read_key=ZERO, file_read_key=ZERO, picc_data=_flip(PICC, bit), cmac=MAC)


@pytest.mark.parametrize("bit", range(64))
def test_a_flipped_bit_in_the_mac_is_refused(bit: int) -> None:
    with pytest.raises(TagError, match="SDM MAC does not verify"):
        verify_sun(meta_read_key=ZERO, file_read_key=ZERO, picc_data=PICC, cmac=_flip(MAC, bit))


def test_a_wrong_meta_read_key_is_refused() -> None:
    with pytest.raises(TagError, match=r"PICCDataTag .*h, expected C7h\): a wrong key"):
        decrypt_picc_data(b"\x01" * 16, PICC)


def test_a_wrong_file_read_key_is_refused() -> None:
    with pytest.raises(TagError, match="not written by this tag's key"):
        verify_sun(meta_read_key=ZERO, file_read_key=b"\x01" * 16, picc_data=PICC, cmac=MAC)


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(0x47, id="UID not mirrored"),
        pytest.param(0x87, id="counter not mirrored"),
        pytest.param(0xD7, id="RFU bit set"),
        pytest.param(0xC4, id="4-byte UID"),
        pytest.param(0xCA, id="10-byte UID"),
        pytest.param(0x00, id="nothing mirrored"),
    ],
)
def test_a_wrong_picc_data_tag_is_refused(tag: int) -> None:
    plain = bytes([tag]) + H("04DE5F1EACC040") + H("3D0000") + bytes(5)
    picc = _aes.cbc_encrypt(ZERO, ZERO, plain)
    with pytest.raises(TagError, match=f"PICCDataTag {tag:02X}h, expected {PICC_DATA_TAG:02X}h"):
        decrypt_picc_data(ZERO, picc)


def test_any_padding_is_accepted() -> None:
    # The last five bytes are random (AN12196 §3.4.2); only the MAC authenticates the tap.
    plain = H("C7") + H("04DE5F1EACC040") + H("3D0000") + H("FFFFFFFFFF")
    tap = decrypt_picc_data(ZERO, _aes.cbc_encrypt(ZERO, ZERO, plain))
    assert tap.counter == 61
    verify_sdm_mac(ZERO, uid=tap.uid, counter=tap.counter, cmac=MAC)


@pytest.mark.parametrize("length", [0, 15, 17, 32])
def test_picc_data_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(TagError, match=f"malformed tap: PICCData is 16 bytes, not {length}"):
        decrypt_picc_data(ZERO, (PICC * 2)[:length])


@pytest.mark.parametrize("length", [0, 7, 9, 16])
def test_a_mac_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(TagError, match=f"malformed tap: the SDM MAC is 8 bytes, not {length}"):
        verify_sun(meta_read_key=ZERO, file_read_key=ZERO, picc_data=PICC, cmac=(MAC * 2)[:length])


def test_tag_errors_are_verification_errors() -> None:
    with pytest.raises(VerificationError):
        verify_sun(meta_read_key=ZERO, file_read_key=ZERO, picc_data=PICC, cmac=bytes(8))


def test_the_error_never_tells_the_right_mac() -> None:
    with pytest.raises(TagError) as caught:
        verify_sun(meta_read_key=ZERO, file_read_key=ZERO, picc_data=PICC, cmac=bytes(8))
    assert MAC.hex() not in str(caught.value).lower()


@pytest.mark.parametrize("key", [b"", bytes(15), bytes(17), bytes(32)])
def test_keys_must_be_16_bytes(key: bytes) -> None:
    with pytest.raises(InputError, match="SDM meta-read key is an AES-128 key of 16 bytes"):
        decrypt_picc_data(key, PICC)
    with pytest.raises(InputError, match="SDM file-read key is an AES-128 key of 16 bytes"):
        sdm_mac(key, uid=H("04DE5F1EACC040"), counter=1)


@pytest.mark.parametrize("counter", [-1, 0x1000000])
def test_counters_are_24_bits(counter: int) -> None:
    with pytest.raises(InputError, match=r"outside 0\.\.16777215"):
        sv2(H("04DE5F1EACC040"), counter)


def test_session_vectors_need_a_7_byte_uid() -> None:
    with pytest.raises(InputError, match="a tag UID is 7 bytes, not 4"):
        sv2(H("04DE5F1E"), 1)


def test_truncation_needs_a_whole_cmac() -> None:
    with pytest.raises(InputError, match="a CMAC is 16 bytes, not 8"):
        truncate_mac(MAC)


@pytest.mark.parametrize("length", [0, 8, 17])
def test_file_data_must_be_whole_blocks(length: int) -> None:
    with pytest.raises(TagError, match=f"SDMENCFileData is {length} bytes, not whole blocks"):
        decrypt_file_data(ZERO, uid=H("04958CAA5C5E80"), counter=1, data=bytes(length))
