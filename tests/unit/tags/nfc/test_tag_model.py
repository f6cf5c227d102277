"""The software tag: it reproduces AN12196's example URL byte for byte, and its taps verify
on the server side (an independent implementation of the same specification)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from provenance.errors import InputError, TagError
from provenance.tags.nfc import _aes
from provenance.tags.nfc.ndef import decode_uri_file, encode_uri_file, placeholder_offset
from provenance.tags.nfc.provision import provision
from provenance.tags.nfc.query import TapParams, parse_tap_query
from provenance.tags.nfc.sdm import PiccData, decrypt_picc_data, verify_sdm_mac
from provenance.tags.nfc.tag_model import SoftTag
from provenance.tags.nfc.verify import judge_counter, verify_tap

from ....samples import load_vector

H = bytes.fromhex
MASTER = H("00112233445566778899AABBCCDDEEFF")
UID = H("04DE5F1EACC040")
ITEM = "7KQ2M-9XDPA-G"


def _query(url: str) -> str:
    return urlsplit(url).query


@pytest.fixture
def tag() -> SoftTag:
    p = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    return SoftTag.from_provisioning(p)


@pytest.mark.parametrize("case", load_vector("nfc/an12196")["sun_urls"])
def test_the_model_writes_the_notes_url(case: Any) -> None:
    # AN12196's tap at counter 61 with padding DA5CF60941, from a tag last read at 60.
    file = encode_uri_file(case["url_template"])
    mac_offset = placeholder_offset(file, case["mac_param"], 16)
    tag = SoftTag(
        uid=H(case["uid"]),
        meta_read_key=H(case["meta_read_key"]),
        file_read_key=H(case["file_read_key"]),
        ndef_file=file,
        picc_data_offset=placeholder_offset(file, case["picc_param"], 32),
        mac_input_offset=mac_offset,
        mac_offset=mac_offset,
        counter=case["counter"] - 1,
        random_bytes=lambda n: H(case["padding"])[:n],
    )
    assert tag.tap() == case["url"]
    assert tag.counter == case["counter"]


def test_a_genuine_tap_verifies(tag: SoftTag) -> None:
    url = tag.tap()
    assert url.startswith(f"https://shop.example/n/{ITEM}?picc_data=")
    assert verify_tap(master_key=MASTER, params=parse_tap_query(_query(url))) == PiccData(
        uid=UID, counter=1
    )


def test_every_tap_counts_up_and_differs(tag: SoftTag) -> None:
    urls = [tag.tap() for _ in range(5)]
    counters = [
        verify_tap(master_key=MASTER, params=parse_tap_query(_query(u))).counter for u in urls
    ]
    assert counters == [1, 2, 3, 4, 5] == list(range(1, tag.counter + 1))
    assert len(set(urls)) == 5


def test_random_padding_changes_picc_data_at_one_counter() -> None:
    p = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    one, two = (SoftTag.from_provisioning(p, counter=41) for _ in range(2))
    url_one, url_two = one.tap(), two.tap()
    assert url_one != url_two
    for url in (url_one, url_two):
        assert verify_tap(master_key=MASTER, params=parse_tap_query(_query(url))).counter == 42


def test_a_replayed_url_decrypts_to_the_same_counter(tag: SoftTag) -> None:
    first = tag.tap()
    accepted = verify_tap(master_key=MASTER, params=parse_tap_query(_query(first))).counter
    assert judge_counter(None, accepted) == "fresh"
    # Someone copied the URL: it verifies again, to the same counter, and is a replay.
    again = verify_tap(master_key=MASTER, params=parse_tap_query(_query(first))).counter
    assert again == accepted
    assert judge_counter(accepted, again) == "replayed"
    # The genuine tag, tapped again, moves on.
    later = verify_tap(master_key=MASTER, params=parse_tap_query(_query(tag.tap()))).counter
    assert judge_counter(accepted, later) == "fresh"


def test_another_stores_tag_does_not_verify(tag: SoftTag) -> None:
    with pytest.raises(TagError, match=r"PICCDataTag|SDM MAC does not verify"):
        verify_tap(master_key=bytes(16), params=parse_tap_query(_query(tag.tap())))


def test_a_tag_with_a_copied_meta_key_but_not_the_file_key_is_refused() -> None:
    # A forger who extracted the store-wide meta-read key can make PICCData for any UID, but
    # without that UID's file-read key the MAC does not verify.
    p = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    forged = SoftTag(
        uid=UID,
        meta_read_key=p.keys.meta_read,
        file_read_key=bytes(16),
        ndef_file=p.ndef_file,
        picc_data_offset=p.picc_data_offset,
        mac_input_offset=p.mac_input_offset,
        mac_offset=p.mac_offset,
    )
    params = parse_tap_query(_query(forged.tap()))
    assert decrypt_picc_data(p.keys.meta_read, params.picc_data).uid == UID
    with pytest.raises(TagError, match="SDM MAC does not verify"):
        verify_tap(master_key=MASTER, params=params)


def test_a_non_nxp_uid_in_a_tap_is_refused() -> None:
    # Only a holder of the meta-read key could put such a UID into PICCData.
    meta = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    plain = H("C7") + H("05DE5F1EACC040") + H("010000") + bytes(5)
    picc = _aes.cbc_encrypt(meta.keys.meta_read, bytes(16), plain)
    with pytest.raises(TagError, match="names UID 05DE5F1EACC040, which is not an NXP UID"):
        verify_tap(master_key=MASTER, params=TapParams(picc_data=picc, cmac=bytes(8)))


def test_the_mac_input_can_be_non_empty() -> None:
    # SDMMACInputOffset before SDMMACOffset: the MAC covers the bytes between (here the
    # PICCData the tag just wrote and "&cmac="), as in AN12196 §3.4.4.2.2.
    p = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    tag = SoftTag(
        uid=UID,
        meta_read_key=p.keys.meta_read,
        file_read_key=p.keys.file_read,
        ndef_file=p.ndef_file,
        picc_data_offset=p.picc_data_offset,
        mac_input_offset=p.picc_data_offset,
        mac_offset=p.mac_offset,
    )
    file = tag.read_ndef_file()
    params = parse_tap_query(_query(decode_uri_file(file)))
    mac_input = file[p.picc_data_offset : p.mac_offset]
    assert mac_input.endswith(b"&cmac=")
    verify_sdm_mac(p.keys.file_read, uid=UID, counter=1, cmac=params.cmac, mac_input=mac_input)
    with pytest.raises(TagError, match="SDM MAC does not verify"):
        verify_tap(master_key=MASTER, params=params)  # our server expects an empty input


def test_the_counter_stops_at_24_bits() -> None:
    p = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    tag = SoftTag.from_provisioning(p, counter=0xFFFFFE)
    url = tag.tap()
    assert verify_tap(master_key=MASTER, params=parse_tap_query(_query(url))).counter == 0xFFFFFF
    with pytest.raises(TagError, match="SDMReadCtr is at FFFFFFh"):
        tag.tap()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"meta_read_key": bytes(8)}, "the meta-read key is 16 bytes, not 8"),
        ({"file_read_key": bytes(17)}, "the file-read key is 16 bytes, not 17"),
        ({"counter": -1}, "SDMReadCtr -1 is outside"),
        ({"picc_data_offset": 240}, "an SDM offset points outside the NDEF file"),
        ({"mac_offset": 100}, "an SDM offset points outside the NDEF file"),
        ({"mac_input_offset": -1}, "an SDM offset points outside the NDEF file"),
        ({"mac_offset": 60, "mac_input_offset": 60}, "placeholders overlap"),
        ({"mac_input_offset": 90}, "the MAC input starts after the MAC"),
        ({"uid": H("04DE5F1E")}, "a tag UID is 7 bytes"),
    ],
)
def test_a_misconfigured_model_is_refused(change: dict[str, Any], error: str) -> None:
    p = provision(base_url="https://shop.example", item=ITEM, uid=UID, master_key=MASTER)
    settings: dict[str, Any] = {
        "uid": UID,
        "meta_read_key": p.keys.meta_read,
        "file_read_key": p.keys.file_read,
        "ndef_file": p.ndef_file,
        "picc_data_offset": p.picc_data_offset,
        "mac_input_offset": p.mac_input_offset,
        "mac_offset": p.mac_offset,
    } | change
    with pytest.raises(InputError, match=error):
        SoftTag(**settings)
