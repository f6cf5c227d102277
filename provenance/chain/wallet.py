"""The anchoring account: an Ethereum key in an encrypted keystore (eth-account, scrypt).

Transactions are signed here, in the process, never by a node. The keystore is the standard
JSON format (what geth, Foundry and MetaMask import and export), so a store can bring the key
of an account it already funds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import ChainError, InputError, PassphraseError

__all__ = ["create_keystore", "keystore_address", "load_account"]


def create_keystore(path: Path, passphrase: str) -> str:
    """Create a new account in an encrypted keystore at ``path``; return its address."""
    from eth_account import Account

    if path.exists():
        raise InputError(f"{path} already exists; an anchoring keystore is never overwritten")
    if len(passphrase) < 8:
        raise InputError("the keystore passphrase needs at least 8 characters")
    account = Account.create()
    keystore = Account.encrypt(account.key, passphrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(keystore, fh)
    return str(account.address)


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ChainError(
            f"no anchoring keystore at {path}; run 'provenance chain account' to create one "
            "or set PROVENANCE_KEYSTORE to an existing keystore file"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ChainError(f"{path} is not a readable keystore file: {exc}") from exc
    if not isinstance(data, dict) or ("crypto" not in data and "Crypto" not in data):
        raise ChainError(f"{path} is not an Ethereum keystore (no 'crypto' section)")
    return data


def keystore_address(path: Path) -> str:
    """The account's address, read without decrypting the key."""
    from eth_utils.address import to_checksum_address

    data = _read(path)
    if "address" not in data:
        raise ChainError(f"{path} does not name its address; unlock it to learn it")
    return str(to_checksum_address("0x" + str(data["address"]).removeprefix("0x")))


def load_account(path: Path, passphrase: str) -> Any:
    """Decrypt the keystore; :class:`PassphraseError` on a wrong passphrase."""
    from eth_account import Account

    data = _read(path)
    try:
        key = Account.decrypt(data, passphrase)
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise PassphraseError(f"wrong passphrase for the anchoring keystore {path}") from exc
        raise ChainError(f"cannot decrypt {path}: {exc}") from exc
    return Account.from_key(key)
