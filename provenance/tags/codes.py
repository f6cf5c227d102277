"""QR tags: a per-tag random code bound to the item by a signed ``tag`` event.

The tag encodes ``{base_url}/v/{item}?tag={code}``. The code is random (60 bits, Crockford
base 32), printed only on the tag and never stored: the ``tag`` event carries its commitment,
SHA-256(``"provenance/tag/v1\\0"`` ‖ item ‖ 0x00 ‖ code). Issuing a new tag for an item revokes
the earlier ones, so a scanned code is one of:

* ``genuine``: the commitment of the item's newest tag event;
* ``revoked``: the commitment of an earlier tag event of this item;
* ``wrong``: not a tag of this item (a copied or forged tag, or another item's);
* ``untagged``: the item has no tag yet; ``none``: the URL carried no code.

Rendering: PNG (with the item id printed under the code) and SVG via ``qrcode``, and label
sheets (A4 or US Letter, PDF or SVG) in :mod:`provenance.tags.labels`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from ..errors import InputError
from ..keys.signing import SigningKey
from ..ledger.events import Event
from ..ledger.itemid import parse_item_id
from ..ledger.ledger import Ledger
from ..ledger.schemas import EventType

__all__ = [
    "IssuedTag",
    "Verdict",
    "check_base_url",
    "issue_tag",
    "new_tag_code",
    "page_url",
    "qr_matrix",
    "render_png",
    "render_svg",
    "svg_fragment",
    "tag_commitment",
    "tag_url",
    "tag_verdict",
]

_DOMAIN = b"provenance/tag/v1\x00"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
CODE_LENGTH = 12

Verdict = Literal["genuine", "revoked", "wrong", "untagged", "none"]


def new_tag_code() -> str:
    """A fresh random tag code (12 Crockford base-32 symbols, 60 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def _normal_code(code: str) -> str:
    text = code.strip().upper().replace("-", "")
    text = text.translate(str.maketrans("OIL", "011"))
    if len(text) != CODE_LENGTH or any(ch not in _ALPHABET for ch in text):
        raise InputError("a tag code is 12 symbols of 0-9 and A-Z (no I, L, O, U)")
    return text


def tag_commitment(item: str, code: str) -> str:
    """The commitment a ``tag`` event carries for ``code`` on ``item`` (hex)."""
    item_id = parse_item_id(item)
    data = _DOMAIN + item_id.encode() + b"\x00" + _normal_code(code).encode()
    return hashlib.sha256(data).hexdigest()


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash, if it is an http(s) site; else :class:`InputError`."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"base URL {base_url!r} must be http(s)://host[:port][/path]")
    return base_url.rstrip("/")


def page_url(base_url: str, item: str) -> str:
    """The item's verification page, ``{base_url}/v/{item}`` (what a tag encodes, without
    the tag's code: the page a Discogs listing links to)."""
    return f"{check_base_url(base_url)}/v/{quote(parse_item_id(item))}"


def tag_url(base_url: str, item: str, code: str) -> str:
    """The verification URL a tag encodes."""
    return f"{page_url(base_url, item)}?tag={_normal_code(code)}"


def tag_verdict(item: str, events: Sequence[Event], code: str | None) -> Verdict:
    """How a scanned ``code`` relates to the tags bound to ``item`` by ``events``."""
    # QR tags only: an NFC tag event (``kind: "nfc"``) neither is nor revokes a QR tag.
    tags = [
        e.data["commitment"]
        for e in events
        if e.type is EventType.TAG and e.data.get("kind", "qr") == "qr"
    ]
    if not code:
        return "none"
    if not tags:
        return "untagged"
    try:
        scanned = tag_commitment(item, code)
    except InputError:
        return "wrong"
    if hmac.compare_digest(scanned, tags[-1]):
        return "genuine"
    if any(hmac.compare_digest(scanned, t) for t in tags[:-1]):
        return "revoked"
    return "wrong"


# -- rendering ------------------------------------------------------------------------------


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules for ``url`` (error correction M, 4-module quiet zone included)."""
    import qrcode  # type: ignore[import-untyped]
    from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def render_png(url: str, label: str, *, module_px: int = 10) -> bytes:
    """A PNG of the QR code with ``label`` (the item id) printed readably under it."""
    from PIL import Image, ImageDraw, ImageFont

    matrix = qr_matrix(url)
    n = len(matrix)
    text_h = module_px * 5
    img = Image.new("L", (n * module_px, n * module_px + text_h), 255)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    [
                        x * module_px,
                        y * module_px,
                        (x + 1) * module_px - 1,
                        (y + 1) * module_px - 1,
                    ],
                    fill=0,
                )
    font: Any = ImageFont.load_default(size=module_px * 3)
    width = draw.textlength(label, font=font)
    draw.text(((img.width - width) / 2, n * module_px), label, fill=0, font=font)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg_fragment(url: str, label: str, *, x: float = 0, y: float = 0, size: float = 100) -> str:
    """SVG elements drawing the tag in a ``size``-wide box at (x, y) (height 1.15 × size)."""
    matrix = qr_matrix(url)
    n = len(matrix)
    m = size / n
    path = "".join(
        f"M{x + c * m:.3f} {y + r * m:.3f}h{m:.3f}v{m:.3f}h-{m:.3f}z"
        for r, row in enumerate(matrix)
        for c, dark in enumerate(row)
        if dark
    )
    font = size * 0.075
    return (
        f'<rect x="{x:.3f}" y="{y:.3f}" width="{size:.3f}" height="{size * 1.15:.3f}" '
        f'fill="#fff"/><path d="{path}" fill="#000"/>'
        f'<text x="{x + size / 2:.3f}" y="{y + size + font * 0.6:.3f}" font-family="monospace" '
        f'font-size="{font:.3f}" text-anchor="middle" fill="#000">{escape(label)}</text>'
    )


def render_svg(url: str, label: str) -> str:
    """A standalone SVG of the tag (QR code, item id under it)."""
    size = 100.0
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size * 1.15}" '
        f'width="{size * 4}" height="{size * 4 * 1.15}">'
        f"{svg_fragment(url, label, size=size)}</svg>\n"
    )


# -- issuing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedTag:
    """A freshly issued tag: its code (shown once, never stored) and URL."""

    item: str
    code: str
    url: str
    log_index: int
    seq: int


def issue_tag(ledger: Ledger, *, signer: SigningKey, item: str, base_url: str) -> IssuedTag:
    """Issue (or re-issue) the item's tag: a signed ``tag`` event with the code's commitment.
    Earlier tags of the item are revoked by it."""
    item_id = parse_item_id(item)
    code = new_tag_code()
    url = tag_url(base_url, item_id, code)  # checks the base URL before anything is written
    stored = ledger.append(
        signer=signer,
        item=item_id,
        event_type=EventType.TAG,
        data={"commitment": tag_commitment(item_id, code)},
    )
    return IssuedTag(item_id, code, url, stored.log_index, stored.event.seq)
