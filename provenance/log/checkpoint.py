"""Signed checkpoints in the C2SP tlog-checkpoint format, as C2SP signed notes.

A checkpoint's note text is three lines (c2sp.org/tlog-checkpoint): the log origin, the tree
size in decimal, the root hash in standard base64; each ends in a newline. It is followed by a
blank line and signature lines ``— <key name> base64(key ID || Ed25519 signature)``
(c2sp.org/signed-note), where key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].

Key names follow signed-note: non-empty, with no Unicode space or other white space, no ``+``
and (as the whole note) no control character. A signature line naming any other kind of key
makes the note malformed, whichever key it claims to be.

Verifiers take plain values (the note text, the expected key name, public key and origin) and
raise :class:`~provenance.errors.CheckpointError`; they never return a bool.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from ..errors import CheckpointError, SignatureError
from ..keys.signing import SigningKey, verify_signature

__all__ = [
    "Checkpoint",
    "key_id",
    "origin_for",
    "parse_checkpoint",
    "parse_verifier_key",
    "sign_checkpoint",
    "verifier_key",
    "verify_checkpoint",
]

_ED25519_TYPE = b"\x01"  # c2sp.org/signed-note, "Signature types"
_SIG_PREFIX = "— "  # em dash U+2014, space
_MAX_NOTE_BYTES = 16 * 1024  # a verifier SHOULD bound a note's size (signed-note)
_HASH_BYTES = 32
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,19})$")


@dataclass(frozen=True)
class Checkpoint:
    """A log's claim: the tree of ``size`` leaves has root hash ``root``."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The note text that is signed (three lines, each ending in a newline)."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def origin_for(store_name: str) -> str:
    """A log origin from a store name: a schema-less, space-free name, per tlog-checkpoint."""
    slug = re.sub(r"[^a-z0-9]+", "-", store_name.lower()).strip("-") or "store"
    return f"provenance.log/{slug}"


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte signed-note key ID of an Ed25519 key."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519_TYPE + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The key in signed-note verifier-key form: ``name+hex(key ID)+base64(0x01 ‖ key)``."""
    encoded = base64.b64encode(_ED25519_TYPE + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """Parse a verifier key into ``(name, public key)``; raise :class:`CheckpointError`."""
    # The name has no '+', but the base64 key may: split at the first two only.
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise CheckpointError("a verifier key looks like name+1a2b3c4d+AQ...")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise CheckpointError("verifier key is not valid base64") from exc
    if len(raw) != 33 or raw[:1] != _ED25519_TYPE:
        raise CheckpointError("verifier key is not an Ed25519 signed-note key")
    if key_id(name, raw[1:]).hex() != hex_id.lower():
        raise CheckpointError("verifier key's ID does not match its name and key")
    return name, raw[1:]


def sign_checkpoint(checkpoint: Checkpoint, *, name: str, key: SigningKey) -> str:
    """Return the signed note for ``checkpoint``, signed by ``key`` under ``name``."""
    _check_name(name)
    text = checkpoint.text()
    signature = key_id(name, key.public) + key.sign(text.encode())
    return f"{text}\n{_SIG_PREFIX}{name} {base64.b64encode(signature).decode()}\n"


def parse_checkpoint(note: str) -> tuple[Checkpoint, list[tuple[str, bytes, bytes]]]:
    """Split a signed note into its checkpoint and its ``(name, key ID, signature)`` lines.

    Checks the format only (no signature is verified); raises :class:`CheckpointError`.
    """
    if len(note.encode()) > _MAX_NOTE_BYTES:
        raise CheckpointError(f"checkpoint note is larger than {_MAX_NOTE_BYTES} bytes")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise CheckpointError("checkpoint note contains control characters")
    text, sep, sig_block = note.partition("\n\n")
    if not sep or not sig_block.endswith("\n"):
        raise CheckpointError("checkpoint note has no signature block")
    lines = text.split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint text needs origin, size and root hash lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin or any(ch.isspace() or ch == "+" for ch in origin):
        raise CheckpointError(f"checkpoint origin {origin!r} is empty or has spaces or '+'")
    if not _SIZE.match(size_text):
        raise CheckpointError(f"checkpoint size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise CheckpointError("checkpoint root hash is not valid base64") from exc
    if len(root) != _HASH_BYTES:
        raise CheckpointError(f"checkpoint root hash is {len(root)} bytes, want {_HASH_BYTES}")
    signatures = [_parse_signature_line(line) for line in sig_block[:-1].split("\n")]
    return Checkpoint(origin=origin, size=int(size_text), root=root), signatures


def verify_checkpoint(note: str, *, name: str, public_key: bytes, origin: str | None) -> Checkpoint:
    """Verify the note's signature by the given key and return its checkpoint.

    ``origin`` is the log the caller expects (its origin line, c2sp.org/tlog-checkpoint): a
    note with another origin is rejected even if the key signed it, since one key may sign
    for several logs. ``None`` skips that comparison; pass it only when the caller compares
    the origin itself.

    Following signed-note: signatures by other keys are ignored; a signature that names this
    key (name and key ID) but does not verify rejects the note; no such signature rejects it.
    """
    checkpoint, signatures = parse_checkpoint(note)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            f"checkpoint origin is {checkpoint.origin!r}, expected the log {origin!r}"
        )
    wanted = key_id(name, public_key)
    text = note[: note.index("\n\n") + 1].encode()
    found = False
    for sig_name, sig_id, signature in signatures:
        if sig_name != name or sig_id != wanted:
            continue
        try:
            verify_signature(public_key=public_key, signature=signature, message=text)
        except SignatureError as exc:
            raise CheckpointError(f"checkpoint signature by {name} does not verify") from exc
        found = True
    if not found:
        raise CheckpointError(f"checkpoint carries no signature by {name} ({wanted.hex()})")
    return checkpoint


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(_SIG_PREFIX):
        raise CheckpointError("signature line must start with an em dash and a space")
    name, sep, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep or not name or " " in encoded:
        raise CheckpointError("signature line must be '— <name> <base64>'")
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise CheckpointError("signature is not valid base64") from exc
    if len(raw) < 5:
        raise CheckpointError("signature is too short")
    return name, raw[:4], raw[4:]


def _check_name(name: str) -> None:
    # c2sp.org/signed-note: "Key names MUST be non-empty and MUST NOT contain any Unicode
    # spaces or plus (U+002B) characters"; str.isspace covers the Unicode White_Space set
    # (U+00A0, U+2009, U+3000, U+2028...), category Cc the C0 and C1 controls and DEL.
    bad = [ch for ch in name if ch.isspace() or ch == "+" or unicodedata.category(ch) == "Cc"]
    if not name or bad:
        raise CheckpointError(
            f"key name {name!r} must be non-empty, without spaces, '+' or control characters"
        )
