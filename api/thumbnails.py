"""Phone-sized thumbnails of an item's photos, made once per photo and kept in memory.

A photo is content-addressed: its SHA-256 names exactly one sequence of bytes, so a thumbnail
made from bytes that hashed to that name is right for as long as the name is, and is kept by
that name (least recently used first out, a bounded number). Bytes are only ever thumbnailed
after :func:`provenance.ledger.blobs.get_blob` has checked them against their name.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections import OrderedDict

from PIL import Image, ImageOps

from provenance.errors import InputError

__all__ = ["MAX_SOURCE_PIXELS", "THUMB_PX", "Thumbnails", "make_thumbnail"]

#: Longest side in pixels: the page shows two photos a row, about 170 CSS px wide, on
#: phones with up to 3 device pixels per CSS pixel.
THUMB_PX = 480
#: Refuse to decode photos larger than this (a 50-megapixel phone photo is ~8200 x 6150).
MAX_SOURCE_PIXELS = 64_000_000
_QUALITY = 80  # JPEG quality: ~20-40 kB per thumbnail


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG at most :data:`THUMB_PX` on its longest side, upright (EXIF orientation
    applied, the EXIF itself, with any location in it, not copied). Raises
    :class:`InputError` for an image Pillow cannot decode (HEIC, say) or one too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_SOURCE_PIXELS:
                    raise InputError(f"photo is larger than {MAX_SOURCE_PIXELS:,} pixels")
                # JPEG only: decode at the smallest scale still at least twice the target.
                img.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))
                upright = ImageOps.exif_transpose(img)
                upright.thumbnail((THUMB_PX, THUMB_PX))
                out = io.BytesIO()
                upright.convert("RGB").save(out, format="JPEG", quality=_QUALITY, optimize=True)
    except InputError:
        raise
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise InputError("this photo has no preview (its format cannot be shown)") from None
    return out.getvalue()


class Thumbnails:
    """A bounded, thread-safe memo of thumbnails by photo hash."""

    def __init__(self, entries: int = 256) -> None:
        self.entries = entries
        self._memo: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> bytes | None:
        """The thumbnail of ``digest``, if made already."""
        with self._lock:
            found = self._memo.get(digest)
            if found is not None:
                self._memo.move_to_end(digest)
            return found

    def make(self, digest: str, data: bytes) -> bytes:
        """Make (and keep) the thumbnail of checked ``data``, whose hash is ``digest``."""
        thumb = make_thumbnail(data)
        with self._lock:
            self._memo[digest] = thumb
            while len(self._memo) > self.entries:
                self._memo.popitem(last=False)
        return thumb
