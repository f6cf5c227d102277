"""What ``provenance nfc provision ITEM --uid HEX`` prints: everything needed to write a tag.

Pure functions, no database. For one item and one tag UID: the NDEF URL with its two
placeholders, the NDEF file as the tag stores it, the SDM offsets of the placeholders within
that file, the SDM file settings as ChangeFileSettings data, the UID commitment the signed
``tag`` event carries, and the tag's keys.

The URL is ``{base_url}/n/{item}?picc_data={32 zeros}&cmac={16 zeros}``. The tag overwrites
the zeros on every read: PICCData (16 bytes, 32 hex digits) and the SDM MAC (8 bytes, 16 hex
digits). SDMMACInputOffset equals SDMMACOffset, so the MAC input is empty (AN12196 §3.4.4.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ...errors import InputError
from ...types import ItemId, Sha256Hex
from ...vocab import CROCKFORD_ALPHABET
from .keys import FILE_READ_KEY_NO, META_READ_KEY_NO, TagKeys, tag_keys
from .ndef import encode_uri_file, placeholder_offset
from .query import CMAC_PARAM, PICC_DATA_PARAM
from .sdm import MAC_LENGTH, PICC_DATA_LENGTH
from .uid import check_uid, uid_commitment

__all__ = [
    "TAP_PATH",
    "Provisioning",
    "file_settings",
    "provision",
    "tap_url_template",
]

TAP_PATH = "n"  # taps land on {base_url}/n/{item}; QR tags use /v/
_PICC_ZEROS = 2 * PICC_DATA_LENGTH
_MAC_ZEROS = 2 * MAC_LENGTH
# ChangeFileSettings data for the NDEF file (NT4H2421Gx §10.7; AN12196 §5.9, Table 18):
_FILE_OPTION_SDM_PLAIN = 0x40  # bit 6 SDM and mirroring enabled; bits 1-0 CommMode.Plain
_SDM_OPTIONS = 0xC1  # bit 7 UID mirror, bit 6 SDMReadCtr mirror, bit 0 ASCII encoding
_FREE = 0xE  # access condition "free access"
_NEVER = 0xF  # access condition "no access"
_MAX_NIBBLE = 0xF


@dataclass(frozen=True)
class Provisioning:
    """How to write one tag for one item (see the module docstring)."""

    item: ItemId
    uid: bytes
    url_template: str
    ndef_file: bytes
    picc_data_offset: int
    mac_input_offset: int
    mac_offset: int
    file_settings: bytes
    uid_commitment: Sha256Hex
    keys: TagKeys

    def lines(self) -> list[tuple[str, str]]:
        """``(label, value)`` pairs in the order the command prints them."""

        def offset(value: int) -> str:
            return f"{value} (0x{value:02X})"

        return [
            ("item", self.item),
            ("tag UID", self.uid.hex().upper()),
            ("NDEF URL", self.url_template),
            ("NDEF file", self.ndef_file.hex().upper()),
            ("PICCData offset", offset(self.picc_data_offset)),
            ("SDM MAC input offset", offset(self.mac_input_offset)),
            ("SDM MAC offset", offset(self.mac_offset)),
            ("file settings", self.file_settings.hex().upper()),
            ("UID commitment", self.uid_commitment),
            ("key 0 (application master)", self.keys.app_master.hex().upper()),
            (f"key {META_READ_KEY_NO} (SDM meta read)", self.keys.meta_read.hex().upper()),
            (f"key {FILE_READ_KEY_NO} (SDM file read)", self.keys.file_read.hex().upper()),
        ]


def _base(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"base URL {base_url!r} must be http(s)://host[:port][/path]")
    if parts.query or parts.fragment:
        raise InputError(f"base URL {base_url!r} must not carry a query or a fragment")
    return base_url.rstrip("/")


def _item(item: str) -> ItemId:
    # The caller parses the item id (provenance.ledger.itemid); here we only make sure it
    # can stand in a URL path unquoted, as the tag stores it.
    if not item or any(ch != "-" and ch not in CROCKFORD_ALPHABET for ch in item):
        raise InputError(f"item id {item!r} must be Crockford base-32 symbols and dashes")
    return ItemId(item)


def tap_url_template(base_url: str, item: str) -> str:
    """The NDEF URL for ``item`` with zeros where the tag writes PICCData and its MAC."""
    return (
        f"{_base(base_url)}/{TAP_PATH}/{_item(item)}"
        f"?{PICC_DATA_PARAM}={'0' * _PICC_ZEROS}&{CMAC_PARAM}={'0' * _MAC_ZEROS}"
    )


def _nibbles(high: int, low: int) -> int:
    if not (0 <= high <= _MAX_NIBBLE and 0 <= low <= _MAX_NIBBLE):
        raise InputError("an access condition is a key number 0-4, Eh (free) or Fh (never)")
    return high << 4 | low


def _offset3(value: int) -> bytes:
    return value.to_bytes(3, "little")  # SDM offsets are 3 bytes, LSB first


def file_settings(
    *,
    picc_data_offset: int,
    mac_input_offset: int,
    mac_offset: int,
    meta_read_key_no: int = META_READ_KEY_NO,
    file_read_key_no: int = FILE_READ_KEY_NO,
    counter_key_no: int = _NEVER,
    read: int = _FREE,
    write: int = 0,
    read_write: int = 0,
    change: int = 0,
) -> bytes:
    """ChangeFileSettings command data turning SDM on for the NDEF file.

    FileOption, AccessRights (RW ‖ Change, then Read ‖ Write), SDMOptions,
    SDMAccessRights (RFU ‖ SDMCtrRet, then SDMMetaRead ‖ SDMFileRead), PICCDataOffset,
    SDMMACInputOffset, SDMMACOffset. Defaults: anyone may read; writing the file and changing
    its settings need key 0; the counter cannot be read with GetFileCounters.
    """
    return (
        bytes(
            [
                _FILE_OPTION_SDM_PLAIN,
                _nibbles(read_write, change),
                _nibbles(read, write),
                _SDM_OPTIONS,
                _nibbles(_NEVER, counter_key_no),
                _nibbles(meta_read_key_no, file_read_key_no),
            ]
        )
        + _offset3(picc_data_offset)
        + _offset3(mac_input_offset)
        + _offset3(mac_offset)
    )


def provision(
    *, base_url: str, item: str, uid: bytes, master_key: bytes, abbreviate: bool = True
) -> Provisioning:
    """Everything needed to write the tag with ``uid`` for ``item`` (see the module)."""
    uid = check_uid(uid)
    url = tap_url_template(base_url, item)
    ndef_file = encode_uri_file(url, abbreviate=abbreviate)
    picc_offset = placeholder_offset(ndef_file, PICC_DATA_PARAM, _PICC_ZEROS)
    mac_offset = placeholder_offset(ndef_file, CMAC_PARAM, _MAC_ZEROS)
    return Provisioning(
        item=_item(item),
        uid=uid,
        url_template=url,
        ndef_file=ndef_file,
        picc_data_offset=picc_offset,
        mac_input_offset=mac_offset,
        mac_offset=mac_offset,
        file_settings=file_settings(
            picc_data_offset=picc_offset, mac_input_offset=mac_offset, mac_offset=mac_offset
        ),
        uid_commitment=uid_commitment(uid),
        keys=tag_keys(master_key, uid),
    )
