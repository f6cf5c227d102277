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
    cp = verify_checkpoint(note, name=ORIGIN, public_key=key.public, origin=ORIGIN)
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
        (lambda n: _swap_line(n, 0, "provenance.log/other"), "origin is 'provenance.log/oth"),
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
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public, origin=ORIGIN)


def test_signature_bytes_flipped(note: str, key: SigningKey) -> None:
    text, sig_line = note.split("\n\n")
    prefix, encoded = sig_line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    bad = f"{text}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public, origin=ORIGIN)


def test_wrong_key_or_name(note: str, key: SigningKey) -> None:
    with pytest.raises(CheckpointError, match="no signature by"):
        verify_checkpoint(note, name=ORIGIN, public_key=SigningKey.generate().public, origin=ORIGIN)
    with pytest.raises(CheckpointError, match="no signature by"):
        verify_checkpoint(note, name="provenance.log/other", public_key=key.public, origin=None)


def test_other_signers_are_ignored(note: str, key: SigningKey) -> None:
    # A witness cosignature (another key) is allowed next to the log's own.
    witness = SigningKey.generate()
    cosigned = sign_checkpoint(Checkpoint(ORIGIN, 20, ROOT), name="witness.example", key=witness)
    both = note + cosigned.split("\n\n")[1]
    assert verify_checkpoint(both, name=ORIGIN, public_key=key.public, origin=ORIGIN).size == 20
    witnessed = verify_checkpoint(
        both, name="witness.example", public_key=witness.public, origin=ORIGIN
    )
    assert witnessed.size == 20


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


def test_a_swapped_origin_line_also_breaks_the_signature(note: str, key: SigningKey) -> None:
    # Without an expected origin the signature still covers the origin line.
    bad = _swap_line(note, 0, "provenance.log/other")
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public, origin=None)


def test_the_origin_must_be_the_expected_log(key: SigningKey) -> None:
    # The log key itself signed a checkpoint for another origin: valid as a note, but not a
    # checkpoint of the log the caller asked about (one key may sign for several logs).
    other = sign_checkpoint(Checkpoint("provenance.log/other", 20, ROOT), name=ORIGIN, key=key)
    assert verify_checkpoint(other, name=ORIGIN, public_key=key.public, origin=None).size == 20
    with pytest.raises(
        CheckpointError,
        match=r"origin is 'provenance\.log/other', expected the log 'provenance\.log/test",
    ):
        verify_checkpoint(other, name=ORIGIN, public_key=key.public, origin=ORIGIN)


def test_origin_is_keyword_only_and_required(note: str, key: SigningKey) -> None:
    with pytest.raises(TypeError, match="origin"):
        verify_checkpoint(note, name=ORIGIN, public_key=key.public)  # type: ignore[call-arg]


def _cosigned(note: str, name: str) -> str:
    """``note`` with one more signature line, by a witness called ``name`` (sign_checkpoint
    refuses such names, so the line is written by hand)."""
    witness = SigningKey.generate()
    text = note.split("\n\n")[0] + "\n"
    raw = key_id(name, witness.public) + witness.sign(text.encode())
    return f"{note}\u2014 {name} {base64.b64encode(raw).decode()}\n"


@pytest.mark.parametrize(
    "name",
    [
        "witness+example",  # '+' separates the parts of a verifier key
        "+",
        "witness\u00a0example",  # NO-BREAK SPACE
        "witness\u2009example",  # THIN SPACE
        "witness\u3000example",  # IDEOGRAPHIC SPACE
        "witness\u2028example",  # LINE SEPARATOR
        "witness\u0085example",  # NEXT LINE (a C1 control and white space)
        "witness\u007fexample",  # DELETE
        "witness\u009bexample",  # a C1 control
    ],
)
def test_signature_lines_with_bad_key_names_are_refused(
    note: str, key: SigningKey, name: str
) -> None:
    bad = _cosigned(note, name)
    with pytest.raises(CheckpointError, match=r"key name .* must be non-empty, without spaces"):
        parse_checkpoint(bad)
    with pytest.raises(CheckpointError, match=r"key name .* must be non-empty, without spaces"):
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public, origin=ORIGIN)


def test_a_signature_line_with_an_empty_name_is_refused(note: str, key: SigningKey) -> None:
    bad = _cosigned(note, "witness").replace("\u2014 witness ", "\u2014  ")
    with pytest.raises(CheckpointError, match="must be '\u2014 <name> <base64>'"):
        verify_checkpoint(bad, name=ORIGIN, public_key=key.public, origin=ORIGIN)


def test_a_good_witness_name_is_fine(note: str, key: SigningKey) -> None:
    good = _cosigned(note, "witness.example/w\u00e9")  # non-ASCII letters are allowed
    assert verify_checkpoint(good, name=ORIGIN, public_key=key.public, origin=ORIGIN).size == 20


@pytest.mark.parametrize("name", ["a b", "a\u00a0b", "a\u3000b", "a\u007fb"])
def test_verifier_keys_with_bad_names_are_refused(key: SigningKey, name: str) -> None:
    encoded = base64.b64encode(b"\x01" + key.public).decode()
    with pytest.raises(CheckpointError, match=r"key name .* must be non-empty"):
        parse_verifier_key(f"{name}+{key_id(name, key.public).hex()}+{encoded}")


@pytest.mark.parametrize("name", ["has\u00a0nbsp", "has+plus", "has\u0085nel", ""])
def test_sign_checkpoint_refuses_bad_names(key: SigningKey, name: str) -> None:
    with pytest.raises(CheckpointError, match="must be non-empty, without spaces"):
        sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), name=name, key=key)
