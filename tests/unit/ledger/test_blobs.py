"""Content-addressed photos: type sniffing, size cap, idempotent storage, checked reads."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Engine, text

from provenance.errors import HashMismatchError, InputError, NotFoundError
from provenance.ledger import blobs
from provenance.ledger.blobs import MAX_PHOTO_BYTES, get_blob, photo_media_type, put_blob

from ...samples import JPEG, PNG


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"II*\x00" + b"\0" * 8, "image/tiff"),
        (b"MM\x00*" + b"\0" * 8, "image/tiff"),
        (b"\x00\x00\x00\x18ftypheic" + b"\0" * 8, "image/heic"),
    ],
)
def test_media_types(data: bytes, media_type: str) -> None:
    assert photo_media_type(data) == media_type


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "photo file is empty"),
        (b"GIF89a....", "not a JPEG, PNG, WebP, TIFF or HEIC photo"),
        (b"%PDF-1.7", "not a JPEG, PNG, WebP, TIFF or HEIC photo"),
        (b"\x89PNG", "not a JPEG, PNG, WebP, TIFF or HEIC photo"),
    ],
)
def test_refused_files(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        photo_media_type(data)


def test_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_PHOTO_BYTES == 25 * 1024 * 1024
    monkeypatch.setattr(blobs, "MAX_PHOTO_BYTES", 2 * 1024 * 1024)
    photo_media_type(PNG + b"\0" * (2 * 1024 * 1024 - len(PNG)))  # exactly at the cap
    with pytest.raises(InputError, match="photo is larger than 2 MiB"):
        photo_media_type(PNG + b"\0" * (2 * 1024 * 1024))


def test_put_and_get(engine: Engine) -> None:
    with engine.begin() as conn:
        digest = put_blob(conn, PNG)
        assert put_blob(conn, PNG) == digest  # idempotent
        other = put_blob(conn, JPEG)
    assert digest == hashlib.sha256(PNG).hexdigest()
    with engine.connect() as conn:
        assert get_blob(conn, digest) == ("image/png", PNG)
        assert get_blob(conn, other) == ("image/jpeg", JPEG)
        rows = conn.execute(text("SELECT sha256, size FROM blobs ORDER BY size")).all()
    assert sorted(rows) == sorted([(digest, len(PNG)), (other, len(JPEG))])


def test_put_refuses_non_photos(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(InputError, match="not a JPEG"):
        put_blob(conn, b"hello")


def test_get_missing(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(NotFoundError, match="no photo with SHA-256"):
        get_blob(conn, "0" * 64)


def test_get_detects_a_swapped_photo(engine: Engine) -> None:
    with engine.begin() as conn:
        digest = put_blob(conn, PNG)
        conn.execute(text("UPDATE blobs SET data = :d WHERE sha256 = :s"), {"d": JPEG, "s": digest})
    with engine.connect() as conn, pytest.raises(HashMismatchError, match="was altered"):
        get_blob(conn, digest)
