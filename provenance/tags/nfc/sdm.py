"""Secure Dynamic Messaging (SDM, "SUN") checked on the server, from plain values.

An NTAG 424 DNA with SDM enabled rewrites parts of its NDEF URL on every read (NXP AN12196,
"NTAG 424 DNA and NTAG 424 DNA TagTamper features and hints"; section numbers below are those
of rev. 2.0, which are one lower than rev. 1.x's, e.g. rev. 2.0 §3.3 is rev. 1.8 §4.3):

* ``picc_data``: PICCData = PICCDataTag ‖ UID ‖ SDMReadCtr ‖ random padding, encrypted with
  AES-128-CBC under the SDM meta-read key with a zero IV (one block; §3.4.2);
* ``cmac``: MACt(KSesSDMFileReadMAC, DynamicFileData[SDMMACInputOffset .. SDMMACOffset-1]),
  where KSesSDMFileReadMAC = CMAC(K_SDMFileRead, SV2) and SV2 = 3CC3 0001 0080 ‖ UID ‖
  SDMReadCtr (§3.3; §3.4.4.2). With SDMMACInputOffset = SDMMACOffset the MAC input is empty
  (§3.4.4.2.1), which is how our tags are written.

SDMReadCtr is a 24-bit counter, least significant byte first in every cryptographic input
(AN12196 §2, "Definition of variables"). Every check raises :class:`TagError`; nothing here
returns a bool. Functions that fail never say what the right MAC would have been: an error
that did would be a forgery oracle.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from ...errors import InputError, TagError
from . import _aes
from .uid import UID_LENGTH

__all__ = [
    "COUNTER_LENGTH",
    "COUNTER_MAX",
    "MAC_LENGTH",
    "PICC_DATA_LENGTH",
    "PICC_DATA_TAG",
    "PiccData",
    "decrypt_file_data",
    "decrypt_picc_data",
    "sdm_mac",
    "session_enc_key",
    "session_mac_key",
    "sv1",
    "sv2",
    "truncate_mac",
    "verify_plain_sun",
    "verify_sdm_mac",
    "verify_sun",
]

PICC_DATA_LENGTH = 16  # AES mode: PICCData is one AES block (AN12196 §3.4.2)
MAC_LENGTH = 8  # MACt: the CMAC truncated to 8 bytes (AN12196 §2)
COUNTER_LENGTH = 3  # SDMReadCtr is 24 bits (NT4H2421Gx §9.3)
COUNTER_MAX = 0xFFFFFF
# PICCDataTag (AN12196 §3.4.2; NT4H2421Gx §9.3): bit 7 UID mirrored, bit 6 SDMReadCtr
# mirrored, bits 5-4 RFU (zero), bits 3-0 the UID length. Our tags mirror both: always C7h.
UID_MIRRORED = 0x80
COUNTER_MIRRORED = 0x40
_TAG_RFU = 0x30
_TAG_UID_LENGTH = 0x0F
PICC_DATA_TAG = UID_MIRRORED | COUNTER_MIRRORED | UID_LENGTH  # C7h
# Session vectors (AN12196 §3.3, Table 1): SV1 for the encryption key, SV2 for the MAC key.
SV1_PREFIX = bytes.fromhex("C33C00010080")
SV2_PREFIX = bytes.fromhex("3CC300010080")


@dataclass(frozen=True)
class PiccData:
    """What a tap says about the tag: its UID and the read counter at this tap."""

    uid: bytes
    counter: int

    @property
    def uid_hex(self) -> str:
        """The UID as upper-case hex, the way the tag mirrors it in plain SUN."""
        return self.uid.hex().upper()


def _key(key: bytes, name: str) -> bytes:
    if len(key) != _aes.KEY_LENGTH:
        raise InputError(f"the {name} is an AES-128 key of 16 bytes, not {len(key)}")
    return key


def _counter_bytes(counter: int) -> bytes:
    if not 0 <= counter <= COUNTER_MAX:
        raise InputError(f"SDMReadCtr {counter} is outside 0..{COUNTER_MAX} (24 bits)")
    return counter.to_bytes(COUNTER_LENGTH, "little")


def _session_vector(prefix: bytes, uid: bytes, counter: int) -> bytes:
    if len(uid) != UID_LENGTH:
        raise InputError(f"a tag UID is {UID_LENGTH} bytes, not {len(uid)}")
    vector = prefix + uid + _counter_bytes(counter)
    # The datasheet pads SV with zeros to a whole block; with a 7-byte UID and a 3-byte
    # counter it is exactly one block already (6 + 7 + 3 = 16).
    return vector + bytes(-len(vector) % _aes.BLOCK)


def sv1(uid: bytes, counter: int) -> bytes:
    """SV1 = C33C 0001 0080 ‖ UID ‖ SDMReadCtr (LSB first): input of KSesSDMFileReadENC."""
    return _session_vector(SV1_PREFIX, uid, counter)


def sv2(uid: bytes, counter: int) -> bytes:
    """SV2 = 3CC3 0001 0080 ‖ UID ‖ SDMReadCtr (LSB first): input of KSesSDMFileReadMAC."""
    return _session_vector(SV2_PREFIX, uid, counter)


def session_mac_key(file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileReadMAC = CMAC(K_SDMFileRead, SV2) (AN12196 §3.3)."""
    return _aes.cmac(_key(file_read_key, "SDM file-read key"), sv2(uid, counter))


def session_enc_key(file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileReadENC = CMAC(K_SDMFileRead, SV1) (AN12196 §3.3)."""
    return _aes.cmac(_key(file_read_key, "SDM file-read key"), sv1(uid, counter))


def truncate_mac(full: bytes) -> bytes:
    """MACt: the 8 bytes at odd positions (0-based) of a 16-byte CMAC, in order.

    AN12196 §2 writes the truncation S14 ‖ S12 ‖ ... ‖ S2 ‖ S0, numbering the CMAC's bytes
    S15 (first, most significant) down to S0 (last). Those are positions 1, 3, ..., 15 counted
    from the first byte: the published MAC 94EED9EE65337086 is exactly that selection of
    E194C7EE12D9F7EE8A65C8331B704386 (§3.4.4.2.1).
    """
    if len(full) != _aes.BLOCK:
        raise InputError(f"a CMAC is 16 bytes, not {len(full)}")
    return full[1::2]


def sdm_mac(file_read_key: bytes, *, uid: bytes, counter: int, mac_input: bytes = b"") -> bytes:
    """The 8-byte SDM MAC a genuine tag with this key, UID and counter writes.

    ``mac_input`` is the file's bytes from SDMMACInputOffset up to SDMMACOffset; it is empty
    when the two offsets are equal, as on our tags.
    """
    session = session_mac_key(file_read_key, uid, counter)
    return truncate_mac(_aes.cmac(session, mac_input))


def verify_sdm_mac(
    file_read_key: bytes, *, uid: bytes, counter: int, cmac: bytes, mac_input: bytes = b""
) -> None:
    """Raise :class:`TagError` unless ``cmac`` is the SDM MAC for this UID and counter."""
    if len(cmac) != MAC_LENGTH:
        raise TagError(f"malformed tap: the SDM MAC is {MAC_LENGTH} bytes, not {len(cmac)}")
    expected = sdm_mac(file_read_key, uid=uid, counter=counter, mac_input=mac_input)
    if not hmac.compare_digest(expected, cmac):
        raise TagError("the tap's SDM MAC does not verify: not written by this tag's key")


def decrypt_picc_data(meta_read_key: bytes, picc_data: bytes) -> PiccData:
    """Decrypt PICCData and read the UID and counter from it.

    Steps (AN12196 §3.4.2, worked in its Table 2):

    1. PICCData is one 16-byte block;
    2. decrypt it with AES-128-CBC, zero IV, under the SDM meta-read key;
    3. the first byte, PICCDataTag, must say "UID mirrored, counter mirrored, 7-byte UID";
    4. UID = the next 7 bytes, SDMReadCtr = the 3 after them, least significant byte first.

    The last 5 bytes are random padding the tag draws on every read (that is why two taps
    at one counter would still differ); there is nothing in them to check. A wrong key gives
    a random first byte, so step 3 refuses all but 1 in 256 of those; the MAC check refuses
    the rest.
    """
    if len(picc_data) != PICC_DATA_LENGTH:
        raise TagError(f"malformed tap: PICCData is {PICC_DATA_LENGTH} bytes, not {len(picc_data)}")
    plain = _aes.cbc_decrypt(_key(meta_read_key, "SDM meta-read key"), _aes.ZERO_BLOCK, picc_data)
    tag = plain[0]
    if (
        not tag & UID_MIRRORED
        or not tag & COUNTER_MIRRORED
        or tag & _TAG_RFU
        or tag & _TAG_UID_LENGTH != UID_LENGTH
    ):
        raise TagError(
            f"PICCData does not decrypt to a UID and counter mirror (PICCDataTag {tag:02X}h, "
            f"expected {PICC_DATA_TAG:02X}h): a wrong key, or not one of our tags"
        )
    uid = plain[1 : 1 + UID_LENGTH]
    counter = int.from_bytes(plain[1 + UID_LENGTH : 1 + UID_LENGTH + COUNTER_LENGTH], "little")
    return PiccData(uid=uid, counter=counter)


def verify_sun(
    *, meta_read_key: bytes, file_read_key: bytes, picc_data: bytes, cmac: bytes
) -> PiccData:
    """Decrypt ``picc_data`` and check ``cmac`` over an empty MAC input; return the tap."""
    tap = decrypt_picc_data(meta_read_key, picc_data)
    verify_sdm_mac(file_read_key, uid=tap.uid, counter=tap.counter, cmac=cmac)
    return tap


def verify_plain_sun(file_read_key: bytes, *, uid: bytes, counter: int, cmac: bytes) -> None:
    """Check a plain SUN message (UID and counter mirrored as ASCII hex, not encrypted).

    The URL carries the counter most significant digit first (``ctr=000006``); pass it here
    as the number. The MAC is over an empty input, as for the encrypted variant.
    """
    verify_sdm_mac(file_read_key, uid=uid, counter=counter, cmac=cmac)


def decrypt_file_data(file_read_key: bytes, *, uid: bytes, counter: int, data: bytes) -> bytes:
    """Decrypt SDMENCFileData, the mirrored part of the file the tag encrypts (§3.4.3).

    Key KSesSDMFileReadENC (from SV1); IV = AES(KSesSDMFileReadENC, SDMReadCtr ‖ 0^13);
    AES-128-CBC over whole blocks. Our tags do not mirror file data; this is here for the
    TagTamper variant, whose status would travel in this field, and for the note's vector.
    """
    if not data or len(data) % _aes.BLOCK:
        raise TagError(f"malformed tap: SDMENCFileData is {len(data)} bytes, not whole blocks")
    key = session_enc_key(file_read_key, uid, counter)
    iv = _aes.ecb_block(key, _counter_bytes(counter) + bytes(_aes.BLOCK - COUNTER_LENGTH))
    return _aes.cbc_decrypt(key, iv, data)
