"""The NDEF file of an NTAG 424 DNA holding one URI record, byte for byte.

SDM offsets count bytes from the start of this file, so they depend on the record header in
front of the URL. The layout (NFC Forum Type 4 Tag: NLEN then the NDEF message; NFC Forum
NDEF §3.2 record layout; URI RTD §3.2):

====== ===================================================================================
offset what
====== ===================================================================================
0-1    NLEN, the NDEF message length, most significant byte first
2      record header D1h: MB=1, ME=1, CF=0, SR=1 (short record), IL=0, TNF=001b (well-known)
3      type length 01h
4      payload length (one byte, since SR=1)
5      type ``U`` (55h)
6      URI identifier code: 04h abbreviates ``https://``, 00h abbreviates nothing
7-     the rest of the URI, UTF-8 (we allow ASCII only)
====== ===================================================================================

So the URL's byte ``i`` after the abbreviated prefix is at file offset 7 + i. AN12196 rev. 2.0
§5.7 (Tables 15-16) writes ``https://choose.url.com/ntag424?e=<32 zeros>&c=<16 zeros>`` this
way, 0051 D1 01 4D 55 04 ..., and its ChangeFileSettings (§5.9, Table 18) puts PICCData at
20h and the MAC at 43h: our :func:`placeholder_offset` gives the same.
"""

from __future__ import annotations

from ...errors import InputError, TagError

__all__ = [
    "NDEF_FILE_SIZE",
    "URI_PREFIXES",
    "URL_START",
    "decode_uri_file",
    "encode_uri_file",
    "placeholder_offset",
]

NDEF_FILE_SIZE = 256  # NTAG 424 DNA file 02h, the NDEF file, is 256 bytes (NT4H2421Gx §8.2)
_NLEN = 2  # NFC Forum Type 4 Tag: the NDEF file starts with a 2-byte length
_HEADER_SHORT_WELL_KNOWN = 0xD1  # NDEF §3.2: MB | ME | SR | TNF=0x01
_TYPE_U = b"U"  # URI RTD §3.1: record type "U"
URL_START = _NLEN + 4 + 1  # header, type length, payload length, type, then the URI code
_MAX_SHORT_PAYLOAD = 0xFF  # SR=1: one length byte
#: URI RTD §3.2.2, Table 3: identifier codes 01h-04h (the ones a web URL can use).
URI_PREFIXES: dict[int, str] = {
    0x01: "http://www.",
    0x02: "https://www.",
    0x03: "http://",
    0x04: "https://",
}


def _identifier(url: str, abbreviate: bool) -> tuple[int, str]:
    if abbreviate:
        # Longest prefix first, so "https://www." wins over "https://".
        for code, prefix in sorted(URI_PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if url.startswith(prefix):
                return code, url[len(prefix) :]
    return 0x00, url


def encode_uri_file(url: str, *, abbreviate: bool = True) -> bytes:
    """The NDEF file bytes for one URI record holding ``url`` (NLEN included).

    With ``abbreviate`` the longest matching prefix of URI RTD Table 3 becomes its one-byte
    code, as NFC writing apps do; without it the code is 00h and the URL is written whole.
    """
    if not url.isascii() or not url.isprintable() or " " in url:
        raise InputError(f"a tag URL must be printable ASCII without spaces: {url!r}")
    code, rest = _identifier(url, abbreviate)
    payload = bytes([code]) + rest.encode("ascii")
    if len(payload) > _MAX_SHORT_PAYLOAD:
        raise InputError(f"the tag URL is too long for a short NDEF record ({len(payload)} > 255)")
    record = bytes([_HEADER_SHORT_WELL_KNOWN, len(_TYPE_U), len(payload)]) + _TYPE_U + payload
    file = len(record).to_bytes(_NLEN, "big") + record
    if len(file) > NDEF_FILE_SIZE:
        raise InputError(
            f"the NDEF file would be {len(file)} bytes; the tag's NDEF file holds {NDEF_FILE_SIZE}"
        )
    return file


def decode_uri_file(file: bytes) -> str:
    """The URL in an NDEF file written by :func:`encode_uri_file` (what a phone opens)."""
    if len(file) < URL_START:
        raise TagError("malformed NDEF file: shorter than one URI record")
    length = int.from_bytes(file[:_NLEN], "big")
    record = file[_NLEN : _NLEN + length]
    if (
        len(record) != length
        or record[0] != _HEADER_SHORT_WELL_KNOWN
        or record[1] != len(_TYPE_U)
        or record[3:4] != _TYPE_U
        or record[2] != length - 4
    ):
        raise TagError("malformed NDEF file: not one short well-known URI record")
    code = record[4]
    prefix = URI_PREFIXES.get(code, "") if code else ""
    if code and not prefix:
        raise TagError(f"malformed NDEF file: URI identifier code {code:02X}h is not a web URL")
    rest = record[5:].decode("ascii", errors="replace")
    if not rest.isascii() or not rest.isprintable() or " " in rest:
        raise TagError("malformed NDEF file: the URL is not printable ASCII")
    return prefix + rest


def placeholder_offset(file: bytes, name: str, length: int) -> int:
    """The file offset of the ``length`` ASCII zeros after ``?name=`` or ``&name=``.

    This is the offset SDM wants for that mirror (PICCDataOffset, SDMMACOffset). The
    placeholder must occur exactly once.
    """
    needle = f"={'0' * length}".encode("ascii")
    hits = [
        i + len(sep) + len(name) + 1
        for sep in ("?", "&")
        for i in _find_all(file, f"{sep}{name}".encode("ascii") + needle)
    ]
    if len(hits) != 1:
        raise InputError(
            f"the NDEF file must hold one {name}= placeholder of {length} zeros, not {len(hits)}"
        )
    return hits[0]


def _find_all(haystack: bytes, needle: bytes) -> list[int]:
    found, start = [], 0
    while (i := haystack.find(needle, start)) != -1:
        found.append(i)
        start = i + 1
    return found
