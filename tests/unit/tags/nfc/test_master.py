"""The NFC master key file: sealed under a passphrase, refused when wrong or damaged, made once."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from provenance.errors import ConfigurationError, InputError, NotFoundError, PassphraseError
from provenance.keys._pkcs8 import PBKDF2_ITERATIONS
from provenance.tags.nfc.master import (
    FORMAT,
    MasterKeyFile,
    decrypt_master_key,
    encrypt_master_key,
    master_key_path,
)

KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
FAST = 100_000  # the fewest iterations a file may claim; the default is the staff keys' 600,000


def test_round_trip_and_format() -> None:
    data = encrypt_master_key(KEY, "correct horse", iterations=FAST)
    document = json.loads(data)
    assert document["format"] == FORMAT
    assert (document["kdf"], document["cipher"], document["iterations"]) == (
        "pbkdf2-hmac-sha256",
        "aes-256-gcm",
        FAST,
    )
    assert len(bytes.fromhex(document["ciphertext"])) == 32  # key + GCM tag
    assert KEY.hex() not in data.decode() and KEY.hex().upper() not in data.decode()
    assert decrypt_master_key(data, "correct horse") == KEY
    # A fresh salt and nonce every time.
    assert encrypt_master_key(KEY, "correct horse", iterations=FAST) != data


def test_the_default_work_factor_is_the_staff_keys() -> None:
    document = json.loads(encrypt_master_key(KEY, "pw"))
    assert document["iterations"] == PBKDF2_ITERATIONS == 600_000


def _edit(data: bytes, **changes: object) -> bytes:
    document = json.loads(data)
    document.update(changes)
    return json.dumps(document).encode()


def test_wrong_passphrase_and_altered_files() -> None:
    data = encrypt_master_key(KEY, "correct horse", iterations=FAST)
    sealed = json.loads(data)["ciphertext"]
    with pytest.raises(PassphraseError, match="wrong passphrase or damaged key file"):
        decrypt_master_key(data, "wrong horse")
    flipped = f"{int(sealed[0], 16) ^ 1:x}" + sealed[1:]
    with pytest.raises(PassphraseError):
        decrypt_master_key(_edit(data, ciphertext=flipped), "correct horse")
    with pytest.raises(PassphraseError):
        decrypt_master_key(_edit(data, iterations=FAST + 1), "correct horse")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "not a key file"),
        (b"[]", "not a key file"),
        (b'{"format": "x"}', "not a key file"),
    ],
)
def test_what_is_not_a_key_file(data: bytes, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        decrypt_master_key(data, "pw")


def test_damaged_fields() -> None:
    data = encrypt_master_key(KEY, "pw", iterations=FAST)
    for changes, message in (
        ({"format": "other/v9"}, "format this version does not read"),
        ({"iterations": 10}, "iterations out of range"),
        ({"iterations": True}, "iterations out of range"),
        ({"salt": "zz"}, "salt is not hex"),
        ({"nonce": "00"}, "nonce is 1 bytes, not 12"),
        ({"ciphertext": 5}, "ciphertext is missing"),
    ):
        with pytest.raises(ConfigurationError, match=message):
            decrypt_master_key(_edit(data, **changes), "pw")


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="16 bytes"):
        encrypt_master_key(bytes(15), "pw")
    with pytest.raises(InputError, match="must not be empty"):
        encrypt_master_key(KEY, "")
    with pytest.raises(InputError, match="iterations"):
        encrypt_master_key(KEY, "pw", iterations=1)


def test_the_file_in_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    files = MasterKeyFile.in_home(home)
    assert files.path == master_key_path(home) == home / "nfc-key" / "master"
    assert not files.exists()
    with pytest.raises(NotFoundError, match="no NFC master key"):
        files.load("pw")
    key, created = files.load_or_create("pw", iterations=FAST)
    assert created and len(key) == 16
    assert stat.S_IMODE(files.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in files.path.parent.iterdir()] == ["master"]  # no temporary left
    assert files.load_or_create("pw", iterations=FAST) == (key, False)
    assert files.load("pw") == key
    with pytest.raises(InputError, match="already exists"):
        files.create("pw", iterations=FAST)
    assert files.load("pw") == key  # the refused create changed nothing
    with pytest.raises(PassphraseError):
        files.load("other")


def test_two_processes_making_the_key_get_the_same_one(tmp_path: Path) -> None:
    files = MasterKeyFile.in_home(tmp_path)
    barrier = threading.Barrier(4)
    keys: list[bytes] = []

    def make() -> None:
        barrier.wait(timeout=10)
        keys.append(files.load_or_create("pw", iterations=FAST)[0])

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(keys) == 4 and len(set(keys)) == 1
    assert files.load("pw") == keys[0]
