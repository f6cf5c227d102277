"""A software NTAG 424 DNA: its NDEF file with SDM, for tests and the docs.

Written from the specification (NT4H2421Gx §9.3, AN12196 §3.3-§3.4), not from
:mod:`.sdm`: it shares only the AES primitives, so the server's checks are tested against an
independent implementation of the tag's side. What it models, per read of the NDEF file:

1. SDMReadCtr is incremented (the tag counts reads of the file with SDM enabled; it starts
   at 0 when SDM is switched on, so the first tap carries 1);
2. PICCData = C7h ‖ UID ‖ SDMReadCtr (LSB first) ‖ 5 fresh random bytes, encrypted with
   AES-128-CBC, zero IV, under the meta-read key, is written as 32 upper-case hex digits at
   PICCDataOffset;
3. the SDM MAC, MACt(CMAC(file-read key, SV2), file[SDMMACInputOffset:SDMMACOffset]), is
   written as 16 upper-case hex digits at SDMMACOffset.

Not modelled: authentication and the commands that write keys or settings (a model is
configured directly), the read-counter limit, LRP mode, the TagTamper status (see
docs/nfc.md), and what the tag does when the counter reaches FFFFFFh (the model refuses).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from ...errors import InputError, TagError
from . import _aes
from .ndef import decode_uri_file
from .provision import Provisioning
from .uid import check_uid

__all__ = ["SoftTag"]

_PICC_DATA_TAG = b"\xc7"  # UID and counter mirrored, 7-byte UID (AN12196 §3.4.2)
_SV2 = bytes.fromhex("3CC300010080")  # AN12196 §3.3
_PICC_HEX = 32  # 16 bytes of PICCData as ASCII hex
_MAC_HEX = 16  # 8 bytes of MACt as ASCII hex
_PADDING = 5  # 16 - 1 - 7 - 3 bytes of random padding
_COUNTER_MAX = 0xFFFFFF  # 24-bit SDMReadCtr


class SoftTag:
    """One tag: UID, keys, NDEF file with SDM offsets, and its read counter."""

    def __init__(
        self,
        *,
        uid: bytes,
        meta_read_key: bytes,
        file_read_key: bytes,
        ndef_file: bytes,
        picc_data_offset: int,
        mac_input_offset: int,
        mac_offset: int,
        counter: int = 0,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        for name, key in (("meta-read", meta_read_key), ("file-read", file_read_key)):
            if len(key) != _aes.KEY_LENGTH:
                raise InputError(f"the {name} key is 16 bytes, not {len(key)}")
        if not 0 <= counter <= _COUNTER_MAX:
            raise InputError(f"SDMReadCtr {counter} is outside 0..{_COUNTER_MAX}")
        picc = range(picc_data_offset, picc_data_offset + _PICC_HEX)
        mac = range(mac_offset, mac_offset + _MAC_HEX)
        if min(picc_data_offset, mac_input_offset) < 0 or max(picc.stop, mac.stop) > len(ndef_file):
            raise InputError("an SDM offset points outside the NDEF file")
        if set(picc) & set(mac) or mac_input_offset > mac_offset:
            raise InputError(
                "the PICCData and MAC placeholders overlap, or the MAC input starts after the MAC"
            )
        self._uid = check_uid(uid)
        self._meta_read_key = meta_read_key
        self._file_read_key = file_read_key
        self._file = bytearray(ndef_file)
        self._picc_offset = picc_data_offset
        self._mac_input_offset = mac_input_offset
        self._mac_offset = mac_offset
        self._counter = counter
        self._random_bytes = random_bytes

    @classmethod
    def from_provisioning(
        cls,
        provisioning: Provisioning,
        *,
        counter: int = 0,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> SoftTag:
        """A tag written exactly as ``provisioning`` says."""
        return cls(
            uid=provisioning.uid,
            meta_read_key=provisioning.keys.meta_read,
            file_read_key=provisioning.keys.file_read,
            ndef_file=provisioning.ndef_file,
            picc_data_offset=provisioning.picc_data_offset,
            mac_input_offset=provisioning.mac_input_offset,
            mac_offset=provisioning.mac_offset,
            counter=counter,
            random_bytes=random_bytes,
        )

    @property
    def counter(self) -> int:
        """SDMReadCtr: how many times the NDEF file has been read since SDM was enabled."""
        return self._counter

    def read_ndef_file(self) -> bytes:
        """One read of the NDEF file, with this read's PICCData and MAC mirrored in."""
        if self._counter >= _COUNTER_MAX:
            raise TagError("the model's SDMReadCtr is at FFFFFFh; it makes no more messages")
        self._counter += 1
        counter = self._counter.to_bytes(3, "little")
        padding = self._random_bytes(_PADDING)
        assert len(padding) == _PADDING
        plain = _PICC_DATA_TAG + self._uid + counter + padding
        picc = _aes.cbc_encrypt(self._meta_read_key, _aes.ZERO_BLOCK, plain)
        self._write(self._picc_offset, picc)
        session = _aes.cmac(self._file_read_key, _SV2 + self._uid + counter)
        full = _aes.cmac(session, bytes(self._file[self._mac_input_offset : self._mac_offset]))
        self._write(self._mac_offset, full[1::2])  # S14 ‖ S12 ‖ ... ‖ S0 (AN12196 §2)
        return bytes(self._file)

    def tap(self) -> str:
        """The URL a phone opens when it reads the tag once."""
        return decode_uri_file(self.read_ndef_file())

    def _write(self, offset: int, value: bytes) -> None:
        text = value.hex().upper().encode("ascii")
        self._file[offset : offset + len(text)] = text
