"""Ed25519 keys: RFC 8032 vectors, key ids, signature checks and encrypted key files."""

from __future__ import annotations

import base64
import inspect
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from provenance.errors import (
    ConfigurationError,
    InputError,
    NotFoundError,
    PassphraseError,
    SignatureError,
)
from provenance.keys import _pkcs8
from provenance.keys.signing import (
    KeyFiles,
    SigningKey,
    key_id_for,
    public_key_from_hex,
    validate_key_name,
    verify_signature,
)

from ...samples import load_vector

RFC8032 = load_vector("ed25519")["cases"]


def _key(case: dict[str, Any]) -> SigningKey:
    seed = bytes.fromhex(case["secret_key"])
    return SigningKey.from_private(Ed25519PrivateKey.from_private_bytes(seed))


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # 600,000 PBKDF2 rounds per key file would dominate the suite; the structure and the
    # decryption path are the same at any count (one test below keeps the real default).
    monkeypatch.setattr(
        "provenance.keys.signing.encrypt_pkcs8_pem",
        lambda key, passphrase: _pkcs8.encrypt_pkcs8_pem(key, passphrase, iterations=1_000),
    )


@pytest.mark.parametrize("case", RFC8032, ids=lambda c: str(c["name"]))
def test_rfc8032_vectors(case: dict[str, Any]) -> None:
    key = _key(case)
    assert key.public.hex() == case["public_key"]
    assert key.key_id == case["key_id"] == key_id_for(key.public)
    message = bytes.fromhex(case["message"])
    assert key.sign(message).hex() == case["signature"]
    verify_signature(
        public_key=key.public, signature=bytes.fromhex(case["signature"]), message=message
    )


@pytest.mark.parametrize("case", RFC8032, ids=lambda c: str(c["name"]))
def test_tampered_signatures_and_messages_fail(case: dict[str, Any]) -> None:
    public = bytes.fromhex(case["public_key"])
    signature = bytearray.fromhex(case["signature"])
    message = bytes.fromhex(case["message"])
    flipped = bytes(signature[:10]) + bytes([signature[10] ^ 1]) + bytes(signature[11:])
    with pytest.raises(SignatureError, match="does not verify under the signer's key"):
        verify_signature(public_key=public, signature=flipped, message=message)
    with pytest.raises(SignatureError, match="does not verify under the signer's key"):
        verify_signature(public_key=public, signature=bytes(signature), message=message + b"x")


def test_signature_from_another_key_fails() -> None:
    one, two = _key(RFC8032[0]), _key(RFC8032[1])
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(public_key=two.public, signature=one.sign(b"m"), message=b"m")


@pytest.mark.parametrize("length", [0, 63, 65])
def test_signature_length_is_checked(length: int) -> None:
    with pytest.raises(SignatureError, match=f"signature is {length} bytes, expected 64"):
        verify_signature(public_key=_key(RFC8032[0]).public, signature=b"\0" * length, message=b"")


def test_malformed_public_key_is_a_signature_error() -> None:
    # 32 bytes that are not a point on the curve: cryptography raises, we wrap.
    not_a_point = bytes.fromhex("02" + "00" * 31)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(public_key=not_a_point, signature=b"\0" * 64, message=b"")


@pytest.mark.parametrize("length", [0, 31, 33])
def test_key_id_needs_32_bytes(length: int) -> None:
    with pytest.raises(InputError, match=f"must be 32 bytes, got {length}"):
        key_id_for(b"\1" * length)


def test_public_key_from_hex() -> None:
    case = RFC8032[0]
    assert public_key_from_hex(case["public_key"]).hex() == case["public_key"]
    with pytest.raises(InputError, match="public key is not hex"):
        public_key_from_hex("zz" * 32)
    with pytest.raises(InputError, match="must be 32 bytes, got 31"):
        public_key_from_hex("00" * 31)


@pytest.mark.parametrize("name", ["admin", "rick", "a", "key-2.old_1", "0" * 63])
def test_valid_key_names(name: str) -> None:
    assert validate_key_name(name) == name


@pytest.mark.parametrize("name", ["", "Admin", "-x", ".x", "a b", "a/b", "../x", "0" * 64, "é"])
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(InputError, match="must be 1-63 lower-case letters"):
        validate_key_name(name)


def test_generated_keys_differ_and_sign() -> None:
    a, b = SigningKey.generate(), SigningKey.generate()
    assert a.key_id != b.key_id
    verify_signature(public_key=a.public, signature=a.sign(b"hello"), message=b"hello")


def test_encrypted_pem_round_trip() -> None:
    key = _key(RFC8032[0])
    pem = key.to_encrypted_pem("correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert b"PRIVATE KEY-----" in pem and key.public.hex().encode() not in pem
    again = SigningKey.from_encrypted_pem(pem, "correct horse")
    assert again.key_id == key.key_id
    assert again.sign(b"m") == key.sign(b"m")


def test_key_file_is_standard_pbes2_with_the_strong_default() -> None:
    # The default work factor (bound when the function was defined, so the fixture's
    # stand-in does not hide it) is OWASP's 600,000 rounds; any PKCS#8 reader opens the file.
    default = inspect.signature(_pkcs8.encrypt_pkcs8_pem).parameters["iterations"].default
    assert default == _pkcs8.PBKDF2_ITERATIONS == 600_000
    pem = _pkcs8.encrypt_pkcs8_pem(_key(RFC8032[0]).private, "pw")
    loaded = serialization.load_pem_private_key(pem, password=b"pw")
    assert isinstance(loaded, Ed25519PrivateKey)
    der = _der(pem)
    assert (600_000).to_bytes(3, "big") in der
    assert bytes.fromhex("2a864886f70d01050d") in der  # PBES2
    assert bytes.fromhex("60864801650304012a") in der  # AES-256-CBC


def _der(pem: bytes) -> bytes:
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    return base64.b64decode(body)


def test_wrong_passphrase() -> None:
    pem = _key(RFC8032[0]).to_encrypted_pem("right")
    with pytest.raises(PassphraseError, match="cannot unlock key 'x': wrong passphrase"):
        SigningKey.from_encrypted_pem(pem, "wrong", label="key 'x'")


def test_damaged_key_file() -> None:
    with pytest.raises(PassphraseError, match="wrong passphrase or damaged key file"):
        SigningKey.from_encrypted_pem(b"-----BEGIN nonsense", "pw")


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(InputError, match="passphrase must not be empty"):
        _key(RFC8032[0]).to_encrypted_pem("")


def test_non_ed25519_key_file_is_refused() -> None:
    other = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(ConfigurationError, match="is not an Ed25519 key"):
        SigningKey.from_encrypted_pem(other, "pw")


def test_key_files(tmp_path: Path) -> None:
    files = KeyFiles(tmp_path / "keys")
    key = SigningKey.generate()
    assert not files.exists("rick")
    path = files.write("rick", key, "pw")
    assert path == tmp_path / "keys" / "rick.pem"
    assert files.exists("rick")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert files.load("rick", "pw").key_id == key.key_id
    with pytest.raises(InputError, match="a key file for 'rick' already exists"):
        files.write("rick", SigningKey.generate(), "pw")
    assert files.load("rick", "pw").key_id == key.key_id  # not overwritten
    with pytest.raises(PassphraseError, match="cannot unlock key 'rick'"):
        files.load("rick", "nope")


def test_key_files_errors(tmp_path: Path) -> None:
    files = KeyFiles(tmp_path)
    with pytest.raises(NotFoundError, match="no key file for 'ghost'"):
        files.load("ghost", "pw")
    with pytest.raises(InputError, match=r"key name '\.\./evil' must be"):
        files.path("../evil")
    (tmp_path / "dir.pem").mkdir()
    with pytest.raises(ConfigurationError, match="cannot read key file"):
        files.load("dir", "pw")
