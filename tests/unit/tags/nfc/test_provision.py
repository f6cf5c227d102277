"""Provisioning: the NDEF file and SDM offsets against AN12196's personalization example, and
what ``provenance nfc provision`` prints for one of our items."""

from __future__ import annotations

import pytest

from provenance.errors import InputError, TagError
from provenance.tags.nfc.ndef import (
    NDEF_FILE_SIZE,
    URL_START,
    decode_uri_file,
    encode_uri_file,
    placeholder_offset,
)
from provenance.tags.nfc.provision import file_settings, provision, tap_url_template
from provenance.tags.nfc.uid import uid_commitment

from ....samples import load_vector

H = bytes.fromhex
EXAMPLE = load_vector("nfc/an12196")["personalization"]
MASTER = H("00112233445566778899AABBCCDDEEFF")
UID = H("04DE5F1EACC040")
ITEM = "7KQ2M-9XDPA-G"
BASE = "https://shop.example"
TEMPLATE = (
    "https://shop.example/n/7KQ2M-9XDPA-G?picc_data=00000000000000000000000000000000"
    "&cmac=0000000000000000"
)


# -- AN12196 §5.7 / §5.9 -----------------------------------------------------------------------


def test_the_notes_ndef_file() -> None:
    file = encode_uri_file(EXAMPLE["url"])
    assert file.hex().upper() == EXAMPLE["ndef_file"]
    assert decode_uri_file(file) == EXAMPLE["url"]


def test_the_notes_offsets() -> None:
    file = H(EXAMPLE["ndef_file"])
    assert placeholder_offset(file, EXAMPLE["picc_param"], 32) == EXAMPLE["picc_data_offset"]
    assert placeholder_offset(file, EXAMPLE["mac_param"], 16) == EXAMPLE["mac_offset"]


def test_the_notes_file_settings() -> None:
    settings = file_settings(
        picc_data_offset=EXAMPLE["picc_data_offset"],
        mac_input_offset=EXAMPLE["mac_input_offset"],
        mac_offset=EXAMPLE["mac_offset"],
        meta_read_key_no=EXAMPLE["meta_read_key_no"],
        file_read_key_no=EXAMPLE["file_read_key_no"],
        counter_key_no=EXAMPLE["counter_key_no"],
    )
    assert settings.hex().upper() == EXAMPLE["file_settings"]


# -- the NDEF file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code", "rest"),
    [
        ("https://shop.example/x", 0x04, "shop.example/x"),
        ("http://shop.example/x", 0x03, "shop.example/x"),
        ("https://www.shop.example/x", 0x02, "shop.example/x"),
        ("http://www.shop.example/x", 0x01, "shop.example/x"),
    ],
)
def test_the_uri_prefix_is_abbreviated(url: str, code: int, rest: str) -> None:
    file = encode_uri_file(url)
    assert file[:URL_START] == bytes([0, 5 + len(rest), 0xD1, 1, 1 + len(rest), 0x55, code])
    assert file[URL_START:] == rest.encode()
    assert decode_uri_file(file) == url
    whole = encode_uri_file(url, abbreviate=False)
    assert whole[URL_START - 1] == 0x00 and whole[URL_START:] == url.encode()
    assert decode_uri_file(whole) == url


def test_a_long_url_is_refused() -> None:
    assert len(encode_uri_file("https://" + "a" * 249)) == NDEF_FILE_SIZE
    with pytest.raises(InputError, match="the NDEF file would be 257 bytes"):
        encode_uri_file("https://" + "a" * 250)
    with pytest.raises(InputError, match="too long for a short NDEF record"):
        encode_uri_file("https://" + "a" * 255)


@pytest.mark.parametrize("url", ["https://shop.example/é", "https://shop.example/a b", "a\tb"])
def test_a_url_must_be_plain_ascii(url: str) -> None:
    with pytest.raises(InputError, match="printable ASCII without spaces"):
        encode_uri_file(url)


@pytest.mark.parametrize(
    ("file", "error"),
    [
        (b"\x00\x05", "shorter than one URI record"),
        (H("0007D10102550461"), "not one short well-known URI record"),
        (H("0006D20102550461"), "not one short well-known URI record"),
        (H("0006D10202550461"), "not one short well-known URI record"),
        (H("0006D10102540461"), "not one short well-known URI record"),
        (H("0006D10103550461"), "not one short well-known URI record"),
        (H("0006D10102552461"), "URI identifier code 24h is not a web URL"),
        (H("0006D10102550400"), "the URL is not printable ASCII"),
        (H("0006D101025504FF"), "the URL is not printable ASCII"),
    ],
)
def test_a_malformed_ndef_file_is_refused(file: bytes, error: str) -> None:
    assert decode_uri_file(H("0006D10102550461")) == "https://a"
    with pytest.raises(TagError, match=f"malformed NDEF file: {error}"):
        decode_uri_file(file)


def test_a_placeholder_must_occur_once() -> None:
    file = encode_uri_file("https://x.example/?e=0000&f=0000")
    assert placeholder_offset(file, "e", 4) == URL_START + len("x.example/?e=")
    with pytest.raises(InputError, match="one g= placeholder of 4 zeros, not 0"):
        placeholder_offset(file, "g", 4)
    twice = encode_uri_file("https://x.example/?e=0000&e=0000")
    with pytest.raises(InputError, match="one e= placeholder of 4 zeros, not 2"):
        placeholder_offset(twice, "e", 4)
    # "e=" inside another parameter's name does not count.
    assert placeholder_offset(encode_uri_file("https://x.example/?ce=0000&e=0000"), "e", 4) == (
        URL_START + len("x.example/?ce=0000&e=")
    )


# -- provision ---------------------------------------------------------------------------------


def test_provision() -> None:
    p = provision(base_url=BASE, item=ITEM, uid=UID, master_key=MASTER)
    assert p.url_template == TEMPLATE
    assert decode_uri_file(p.ndef_file) == TEMPLATE
    # 7 header bytes, then "shop.example/n/7KQ2M-9XDPA-G?picc_data=" (39 characters).
    assert p.picc_data_offset == 7 + 39 == 46
    assert p.mac_input_offset == p.mac_offset == 46 + 32 + len("&cmac=") == 84
    assert p.ndef_file[p.picc_data_offset : p.picc_data_offset + 32] == b"0" * 32
    assert p.ndef_file[p.mac_offset : p.mac_offset + 16] == b"0" * 16
    assert p.file_settings == H("40 00E0 C1 FF12 2E0000 540000 540000")
    assert p.uid_commitment == uid_commitment(UID)
    assert p.keys.file_read == H("BC8037D33BF0E69F390502CC5E7265DD")


def test_provision_without_the_https_abbreviation() -> None:
    p = provision(base_url=BASE, item=ITEM, uid=UID, master_key=MASTER, abbreviate=False)
    assert p.ndef_file[URL_START - 1] == 0x00
    assert p.picc_data_offset == 46 + len("https://")
    assert p.mac_offset == 84 + len("https://")


def test_what_the_command_prints() -> None:
    lines = dict(provision(base_url=BASE, item=ITEM, uid=UID, master_key=MASTER).lines())
    assert lines["NDEF URL"] == TEMPLATE
    assert lines["tag UID"] == "04DE5F1EACC040"
    assert lines["PICCData offset"] == "46 (0x2E)"
    assert lines["SDM MAC input offset"] == lines["SDM MAC offset"] == "84 (0x54)"
    assert lines["file settings"] == "4000E0C1FF122E0000540000540000"
    assert lines["key 1 (SDM meta read)"] == "B18B244B0F2FD233BD2C5BD19EF68B1D"
    assert lines["key 2 (SDM file read)"] == "BC8037D33BF0E69F390502CC5E7265DD"
    assert lines["key 0 (application master)"] == "0F43F06D673372A229281B3C08FF5D3D"
    assert len(lines["UID commitment"]) == 64


def test_a_trailing_slash_and_a_path_in_the_base_url() -> None:
    assert tap_url_template("https://shop.example/", ITEM) == TEMPLATE
    assert tap_url_template("https://shop.example/prov", ITEM).startswith(
        "https://shop.example/prov/n/7KQ2M-9XDPA-G?picc_data="
    )


@pytest.mark.parametrize(
    ("base", "error"),
    [
        ("shop.example", "must be http\\(s\\)://host"),
        ("ftp://shop.example", "must be http\\(s\\)://host"),
        ("https://", "must be http\\(s\\)://host"),
        ("https://shop.example/?a=1", "must not carry a query or a fragment"),
        ("https://shop.example/#top", "must not carry a query or a fragment"),
    ],
)
def test_a_bad_base_url_is_refused(base: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        provision(base_url=base, item=ITEM, uid=UID, master_key=MASTER)


@pytest.mark.parametrize("item", ["", "7kq2m-9xdpa-g", "7KQ2M/9XDPA-G", "7KQ2M?9XDPA-G", "ITEM"])
def test_a_bad_item_is_refused(item: str) -> None:
    with pytest.raises(InputError, match="must be Crockford base-32 symbols and dashes"):
        provision(base_url=BASE, item=item, uid=UID, master_key=MASTER)


def test_a_bad_uid_or_key_is_refused() -> None:
    with pytest.raises(InputError, match="does not start with 04"):
        provision(base_url=BASE, item=ITEM, uid=H("14DE5F1EACC040"), master_key=MASTER)
    with pytest.raises(InputError, match="a tag UID is 7 bytes, not 4"):
        provision(base_url=BASE, item=ITEM, uid=H("04DE5F1E"), master_key=MASTER)
    with pytest.raises(InputError, match="NFC master key is an AES-128 key of 16 bytes"):
        provision(base_url=BASE, item=ITEM, uid=UID, master_key=bytes(8))


def test_file_settings_refuse_a_bad_access_condition() -> None:
    with pytest.raises(InputError, match="an access condition is a key number 0-4"):
        file_settings(picc_data_offset=1, mac_input_offset=2, mac_offset=2, read=16)
