"""C2SP tlog-checkpoint notes: the exact text format, signatures, verifier keys, and every way
a note can be malformed or forged (each raises :class:`CheckpointError`)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from provenance import SigningKey
from provenance.errors import CheckpointError, VerificationError
from provenance.log.checkpoint import (
    Checkpoint,
    key_id,
    origin_for,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)

ORIGIN = "provenance.log/test-records"
ROOT = bytes(range(32))


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def note(key: SigningKey) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, 20, ROOT), name=ORIGIN, key=key)


def test_text_format(note: str, key: SigningKey) -> None:
    text, sigs = note.split("\n\n")
    assert text == f"{ORIGIN}\n20\n{base64.b64encode(ROOT).decode()}"
    assert sigs.startswith(f"\u2014 {ORIGIN} ") and sigs.endswith("\n")
    raw = base64.b64decode(sigs.split(" ")[2])
    assert raw[:4] == key_id(ORIGIN, key.public) and len(raw) == 4 + 64


def test_sign_and_verify(note: str, key: SigningKey) -> None:
    cp = verify_checkpoint(note, name=ORIGIN, public_key=key.public)
    assert cp == Checkpoint(ORIGIN, 20, ROOT)
    assert parse_checkpoint(note)[0] == cp


def test_verifier_key_round_trip(key: SigningKey) -> None:
    vkey = verifier_key(ORIGIN, key.public)
    assert vkey.startswith(f"{ORIGIN}+{key_id(ORIGIN, key.public).hex()}+A")
    assert parse_verifier_key(vkey) == (ORIGIN, key.public)


def test_verifier_key_whose_base64_has_a_plus() -> None:
    # Found by chance in CI: a key whose base64 contains '+' must still parse.
    for seed in range(200):
        key = SigningKey.from_private(Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))
        vkey = verifier_key(ORIGIN, key.public)
        if "+" in vkey.split("+", 2)[2]:
            assert parse_verifier_key(vkey) == (ORIGIN, key.public)
            return
    pytest.fail("no seed gave a key with '+' in its base64")


def test_key_id_is_the_signed_note_one() -> None:
    # key ID = SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4], per c2sp.org/signed-note.
    import hashlib

    public = bytes(32)
    want = hashlib.sha256(b"example.com/log\n\x01" + public).digest()[:4]
    assert key_id("example.com/log", public) == want


@pytest.mark.parametrize(
    "bad",
    [
        "example.com+1a2b3c4d",
        "+00000000+AQ==",
        "n+00000000+not base64!",
        "n+00000000+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
        "n+00000000+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
        "n+ffffffff+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
    ],
)
def test_bad_verifier_keys(bad: str) -> None:
    with pytest.raises(CheckpointError):
        parse_verifier_key(bad)


def _swap_line(note: str, index: int, value: str) -> str:
    lines = note.split("\n")
    lines[index] = value
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda n: n.replace("\n20\n", "\n21\n"), "does not verify"),
        (lambda n: n.replace("\n20\n", "\n020\n"), "not a decimal number"),
        (lambda n: n.replace("\n20\n", "\n-1\n"), "not a decimal number"),
        (lambda n: _swap_line(n, 2, base64.b64encode(bytes(32)).decode()), "does not verify"),
        (lambda n: _swap_line(n, 2, base64.b64encode(bytes(31)).decode()), "31 bytes"),
        (lambda n: _swap_line(n, 2, "%%%"), "not valid base64"),
        (lambda n: _swap_line(n, 0, "provenance.log/other"), "does not verify"),
        (lambda n: _swap_line(n, 0, "has space"), "spaces"),
        (lambda n: n.replace("\n\n", "\n"), "no signature block"),
        (lambda n: n.rstrip("\n"), "no signature block"),
        (lambda n: n.replace("\u2014 ", "- "), "em dash"),
        (lambda n: n.replace("\x01", "\x02") + "\x07", "control characters"),
        (lambda n: n + "x" * 17_000, "larger than"),
        (lambda n: n.split("\n\n")[0].split("\n", 1)[0] + "\n\n" + n.split("\n\n")[1], "needs"),
    ],
)
def test_malformed_or_forged_notes(
    note: str, key: SigningKey, mutate: object, message: str
) -> None:
    bad = mutate(note)  # type: ignore[operator]
    with pytest.raises(CheckpointError, match=message):
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public)


def test_signature_bytes_flipped(note: str, key: SigningKey) -> None:
    text, sig_line = note.split("\n\n")
    prefix, encoded = sig_line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    bad = f"{text}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public)


def test_wrong_key_or_name(note: str, key: SigningKey) -> None:
    with pytest.raises(CheckpointError, match="no signature by"):
        verify_checkpoint(note, name=ORIGIN, public_key=SigningKey.generate().public)
    with pytest.raises(CheckpointError, match="no signature by"):
        verify_checkpoint(note, name="provenance.log/other", public_key=key.public)


def test_other_signers_are_ignored(note: str, key: SigningKey) -> None:
    # A witness cosignature (another key) is allowed next to the log's own.
    witness = SigningKey.generate()
    cosigned = sign_checkpoint(Checkpoint(ORIGIN, 20, ROOT), name="witness.example", key=witness)
    both = note + cosigned.split("\n\n")[1]
    assert verify_checkpoint(both, name=ORIGIN, public_key=key.public).size == 20
    assert verify_checkpoint(both, name="witness.example", public_key=witness.public).size == 20


def test_checkpoint_error_is_a_verification_error() -> None:
    assert issubclass(CheckpointError, VerificationError)


@pytest.mark.parametrize(
    ("store", "origin"),
    [
        ("Groove Vault", "provenance.log/groove-vault"),
        ("  Reel & Groove, Ltd. ", "provenance.log/reel-groove-ltd"),
        ("!!!", "provenance.log/store"),
    ],
)
def test_origin_for(store: str, origin: str) -> None:
    assert origin_for(store) == origin


def test_bad_key_name_refused(key: SigningKey) -> None:
    with pytest.raises(CheckpointError, match="without spaces"):
        sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), name="has space", key=key)
