"""Tag UIDs as typed, and the commitment a ``tag`` event carries."""

from __future__ import annotations

import hashlib

import pytest

from provenance.errors import InputError
from provenance.tags.nfc.uid import check_uid, parse_uid, uid_commitment

UID = bytes.fromhex("04DE5F1EACC040")


@pytest.mark.parametrize(
    "text", ["04DE5F1EACC040", "04de5f1eacc040", " 04DE5F1EACC040\n", "04:DE:5F:1E:AC:C0:40"]
)
def test_a_uid_parses(text: str) -> None:
    assert parse_uid(text) == UID


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "must be 7 bytes as 14 hex digits"),
        ("04DE5F1EACC0", "must be 7 bytes as 14 hex digits"),
        ("04DE5F1EACC04000", "must be 7 bytes as 14 hex digits"),
        ("04DE5F1EACC04G", "must be 7 bytes as 14 hex digits"),
        ("04 DE 5F 1E AC C0 40", "must be 7 bytes as 14 hex digits"),
        ("04:DE5F1EACC040", "must be 7 bytes as 14 hex digits"),
        ("0x04DE5F1EACC0", "must be 7 bytes as 14 hex digits"),
        ("05DE5F1EACC040", "does not start with 04 \\(NXP's manufacturer code\\)"),
        ("00000000000000", "does not start with 04"),
    ],
)
def test_a_bad_uid_is_refused(text: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        parse_uid(text)


def test_uid_bytes_are_checked() -> None:
    assert check_uid(UID) == UID
    with pytest.raises(InputError, match="a tag UID is 7 bytes, not 10"):
        check_uid(bytes(10))


def test_the_commitment() -> None:
    expected = hashlib.sha256(b"provenance/nfc-uid/v1\x00" + UID).hexdigest()
    assert uid_commitment(UID) == expected
    assert uid_commitment(UID) != uid_commitment(bytes.fromhex("04DE5F1EACC041"))
    # Frozen: the commitment is signed into the record.
    assert expected == "a865cd63e85dd884d03ce4fa75f4802c74773ffc1a84c0960122c35cc4c0a04f"
