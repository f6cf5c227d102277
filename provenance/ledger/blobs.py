"""Content-addressed photo storage: a photo is stored under its SHA-256, which goes into the
signed event, so the photo an event refers to can never be swapped for another."""

from __future__ import annotations

from sqlalchemy import Connection, select

from ..errors import HashMismatchError, InputError, NotFoundError
from ..storage.tables import blobs
from ..types import Sha256Hex
from .canonical import sha256_hex

__all__ = ["MAX_PHOTO_BYTES", "get_blob", "photo_media_type", "put_blob"]

MAX_PHOTO_BYTES = 25 * 1024 * 1024  # a full-resolution phone photo of a runout fits easily
# Magic numbers from each format's specification.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"ftypheic", 4, "image/heic"),
]


def photo_media_type(data: bytes) -> str:
    """Return the media type of a photo, or raise :class:`InputError` if it is not one."""
    if not data:
        raise InputError("photo file is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise InputError(f"photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    for magic, offset, media_type in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return media_type
    raise InputError("file is not a JPEG, PNG, WebP, TIFF or HEIC photo")


def put_blob(conn: Connection, data: bytes) -> Sha256Hex:
    """Store a photo (idempotently) and return its SHA-256."""
    media_type = photo_media_type(data)
    digest = sha256_hex(data)
    values = {"sha256": digest, "media_type": media_type, "size": len(data), "data": data}
    # Imported here, where a photo is stored: the PostgreSQL dialect takes ~25 ms to import,
    # which every command that only reads a SQLite ledger (``show``, ``items``) would pay.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = sqlite.insert(blobs) if conn.dialect.name == "sqlite" else postgresql.insert(blobs)
    conn.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["sha256"]))
    return digest


def get_blob(conn: Connection, digest: str) -> tuple[str, bytes]:
    """Return ``(media_type, data)`` of a stored photo, checking its hash on the way out."""
    row = conn.execute(
        select(blobs.c.media_type, blobs.c.data).where(blobs.c.sha256 == digest)
    ).first()
    if row is None:
        raise NotFoundError(f"no photo with SHA-256 {digest}")
    if sha256_hex(row.data) != digest:
        raise HashMismatchError(
            f"stored photo {digest} was altered", expected=digest, calculated=sha256_hex(row.data)
        )
    return row.media_type, row.data
