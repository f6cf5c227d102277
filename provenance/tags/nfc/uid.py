"""Tag UIDs: parsing what a person types, and the commitment a signed ``tag`` event carries.

An NTAG 424 DNA has a 7-byte UID whose first byte is NXP's manufacturer code 0x04
(ISO/IEC 7816-6 registers manufacturer codes; NXP's is 04h). We refuse any other first byte:
every tag this module is for is an NXP part, so another value is a typo or a different chip.

The ``tag`` event carries SHA-256(``"provenance/nfc-uid/v1\\0"`` ‖ UID), the same shape as the
QR tag commitment in :mod:`provenance.tags.codes`. It binds the tag to the item in the signed
record; it is not a secret-keeping device, because any phone reads a UID at anticollision and
a 7-byte UID starting 04h has only 48 unknown bits.
"""

from __future__ import annotations

import hashlib
import re

from ...errors import InputError
from ...types import Sha256Hex

__all__ = ["NXP_MANUFACTURER_CODE", "UID_LENGTH", "check_uid", "parse_uid", "uid_commitment"]

UID_LENGTH = (
    7  # NTAG 424 DNA datasheet (NT4H2421Gx): a 7-byte UID, "double size" in ISO/IEC 14443-3
)
NXP_MANUFACTURER_CODE = 0x04  # ISO/IEC 7816-6 manufacturer code of NXP Semiconductors
_DOMAIN = b"provenance/nfc-uid/v1\x00"
# 14 hex digits, optionally as colon-separated pairs the way NXP TagInfo prints a UID.
_UID_TEXT = re.compile(r"[0-9A-Fa-f]{14}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){6}")


def check_uid(uid: bytes) -> bytes:
    """Return ``uid`` if it is 7 bytes starting with NXP's 04h, else raise :class:`InputError`."""
    if len(uid) != UID_LENGTH:
        raise InputError(f"a tag UID is {UID_LENGTH} bytes, not {len(uid)}")
    if uid[0] != NXP_MANUFACTURER_CODE:
        raise InputError(
            f"tag UID {uid.hex().upper()} does not start with 04 (NXP's manufacturer code): "
            "an NTAG 424 DNA UID always does; check the digits"
        )
    return uid


def parse_uid(text: str) -> bytes:
    """Parse a typed UID: 14 hex digits (any case), or seven colon-separated pairs."""
    stripped = text.strip()
    if not _UID_TEXT.fullmatch(stripped):
        raise InputError(
            f"tag UID {text!r} must be {UID_LENGTH} bytes as 14 hex digits, "
            "e.g. 04DE5F1EACC040 (or 04:DE:5F:1E:AC:C0:40)"
        )
    return check_uid(bytes.fromhex(stripped.replace(":", "")))


def uid_commitment(uid: bytes) -> Sha256Hex:
    """The commitment a ``tag`` event carries for the tag with this UID (lower-case hex)."""
    return Sha256Hex(hashlib.sha256(_DOMAIN + check_uid(uid)).hexdigest())
