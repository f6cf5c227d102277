"""The shipped ``ProvenanceAnchor`` artifact: it is what the pinned solc-js builds from the
source, its ABI is the interface partners code against, and its bytecode behaves as specified
on an in-process chain (eth-tester with py-evm), at a constant gas cost per anchor.

The rebuild check needs ``node`` and ``hardhat_local/node_modules`` (``npm ci``). Without them
it is skipped, unless ``PROVENANCE_REQUIRE_NODE=1``, where it fails: a suite meant to check the
build must not pass by skipping it.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_tester.exceptions import TransactionFailed  # type: ignore[import-untyped]
from eth_utils.crypto import keccak
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import TxReceipt

from provenance.contracts import CONTRACT_NAME, abi, bytecode, load_artifact

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "contracts" / "ProvenanceAnchor.sol"
BUILD_SCRIPT = ROOT / "contracts" / "build.mjs"
SOLC_PACKAGE = ROOT / "hardhat_local" / "node_modules" / "solc" / "package.json"
REQUIRE_NODE_ENV = "PROVENANCE_REQUIRE_NODE"

SOLC_VERSION = "0.8.28"
SETTINGS = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 10000},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
    },
}

# name -> (input types, output types, state mutability)
FUNCTIONS: dict[str, tuple[list[str], list[str], str]] = {
    "anchor": (["uint64", "bytes32"], [], "nonpayable"),
    "rootAt": (["uint64"], ["bytes32"], "view"),
    "latestTreeSize": ([], ["uint64"], "view"),
    "addAnchorer": (["address"], [], "nonpayable"),
    "removeAnchorer": (["address"], [], "nonpayable"),
    "isAnchorer": (["address"], ["bool"], "view"),
    "owner": ([], ["address"], "view"),
}
# name -> [(parameter name, type, indexed)]
EVENTS: dict[str, list[tuple[str, str, bool]]] = {
    "Anchored": [("treeSize", "uint64", True), ("root", "bytes32", False), ("by", "address", True)],
    "AnchorerAdded": [("account", "address", True)],
    "AnchorerRemoved": [("account", "address", True)],
}
# name -> [(parameter name, type)]
ERRORS: dict[str, list[tuple[str, str]]] = {
    "NotOwner": [("caller", "address")],
    "NotAnchorer": [("caller", "address")],
    "TreeSizeNotIncreasing": [("treeSize", "uint64"), ("latestTreeSize", "uint64")],
    "ZeroRoot": [],
    "ZeroAddress": [],
}

ROOT_A = b"\xa1" * 32
ROOT_B = b"\xb2" * 32
# Per-anchor gas budget on the embedded chain (measured: 51,209 at a one-byte tree size).
ANCHOR_GAS_BUDGET = 52_000


# -- the artifact ---------------------------------------------------------------------------


def test_artifact_matches_fresh_solcjs_build() -> None:
    """``node contracts/build.mjs --check`` rebuilds with the pinned solc-js and finds the
    shipped ABI, creation and runtime bytecode identical."""
    node = shutil.which("node")
    required = os.environ.get(REQUIRE_NODE_ENV) == "1"
    if node is None or not SOLC_PACKAGE.is_file():
        reason = (
            "node is not on PATH"
            if node is None
            else "hardhat_local/node_modules is not installed (run `npm ci` in hardhat_local/)"
        )
        if required:
            pytest.fail(f"{REQUIRE_NODE_ENV}=1 but {reason}")
        pytest.skip(f"cannot rebuild the contract: {reason}")
    result = subprocess.run(
        [node, str(BUILD_SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"build.mjs --check failed:\n{result.stdout}{result.stderr}"


def test_artifact_metadata() -> None:
    """The artifact records its compiler, settings and the hash of the source it came from."""
    artifact = load_artifact()
    assert artifact["contractName"] == CONTRACT_NAME
    assert artifact["sourceName"] == "contracts/ProvenanceAnchor.sol"
    assert artifact["compiler"].startswith(f"solc-js {SOLC_VERSION}+commit.")
    assert artifact["settings"] == SETTINGS
    source = SOURCE.read_bytes().replace(b"\r\n", b"\n")
    assert artifact["sourceSha256"] == hashlib.sha256(source).hexdigest()
    for key in ("bytecode", "deployedBytecode"):
        code = artifact[key]
        assert code.startswith("0x") and len(code) > 2
        bytes.fromhex(code[2:])
    assert bytecode() == artifact["bytecode"]


def _types(params: list[dict[str, Any]]) -> list[str]:
    return [p["type"] for p in params]


def test_abi_is_the_published_interface() -> None:
    """Exactly the agreed functions, events and errors, with their types, names and indexing."""
    entries = abi()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_type.setdefault(entry["type"], []).append(entry)
    assert set(by_type) == {"constructor", "function", "event", "error"}

    (constructor,) = by_type["constructor"]
    assert constructor["inputs"] == []
    assert constructor["stateMutability"] == "nonpayable"

    functions = {
        f["name"]: (_types(f["inputs"]), _types(f["outputs"]), f["stateMutability"])
        for f in by_type["function"]
    }
    assert len(functions) == len(by_type["function"]), "overloaded functions"
    assert functions == FUNCTIONS

    events = {
        e["name"]: [(p["name"], p["type"], p["indexed"]) for p in e["inputs"]]
        for e in by_type["event"]
    }
    assert events == EVENTS
    assert not any(e["anonymous"] for e in by_type["event"])

    errors = {e["name"]: [(p["name"], p["type"]) for p in e["inputs"]] for e in by_type["error"]}
    assert errors == ERRORS


# -- the contract on an in-process chain ----------------------------------------------------


@dataclass
class Chain:
    """A fresh eth-tester chain with the shipped contract deployed by ``owner``."""

    w3: Web3
    contract: Contract
    owner: str
    others: list[str]


def _send(w3: Web3, call: ContractFunction, sender: str) -> TxReceipt:
    """Sends ``call`` from ``sender`` and returns the mined receipt (status checked)."""
    tx_hash = call.transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    return receipt


@pytest.fixture
def chain() -> Chain:
    """The shipped creation bytecode deployed on a fresh in-process chain."""
    w3 = Web3(EthereumTesterProvider())
    accounts: list[str] = list(w3.eth.accounts)
    owner, others = accounts[0], accounts[1:]
    factory = w3.eth.contract(abi=abi(), bytecode=bytecode())
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": owner}))
    assert receipt["status"] == 1
    address = receipt["contractAddress"]
    assert address is not None
    deployed = w3.eth.contract(address=address, abi=abi())
    return Chain(w3=w3, contract=deployed, owner=owner, others=others)


def _error_abi(name: str) -> dict[str, Any]:
    (entry,) = [e for e in abi() if e["type"] == "error" and e["name"] == name]
    return entry


def _error_selector(name: str) -> bytes:
    """The 4-byte selector of custom error ``name``, computed from the ABI."""
    entry = _error_abi(name)
    return keccak(text=f"{name}({','.join(_types(entry['inputs']))})")[:4]


def _revert_data(exc: BaseException) -> bytes:
    """The raw revert data carried by ``exc``.

    web3 raises ``ContractCustomError`` / ``ContractLogicError`` with the data as hex (or, from
    Hardhat, a dict holding it under ``data``). Through ``EthereumTesterProvider`` (web3 8.0.0,
    eth-tester 0.14) a custom error instead surfaces as eth-tester's ``TransactionFailed``, whose
    message is ``execution reverted: `` followed by the Python literal of the revert bytes.
    """
    if isinstance(exc, ContractLogicError):
        data: Any = exc.data
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
    if isinstance(exc, TransactionFailed) and exc.args:
        text = str(exc.args[0]).removeprefix("execution reverted: ")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, bytes):
            return value
    raise AssertionError(f"no revert data in {exc!r}")


def _error_name(selector: bytes) -> str:
    names = [e["name"] for e in abi() if e["type"] == "error"]
    return next((n for n in names if _error_selector(n) == selector), f"0x{selector.hex()}")


@contextmanager
def _reverts_with(name: str, *args: Any) -> Iterator[None]:
    """Expects the block to revert with custom error ``name(*args)``, decoded via the ABI."""
    with pytest.raises((ContractLogicError, TransactionFailed)) as info:
        yield
    data = _revert_data(info.value)
    assert data[:4] == _error_selector(name), f"reverted with {_error_name(data[:4])}, not {name}"
    decoded = decode(_types(_error_abi(name)["inputs"]), data[4:])
    normalised = tuple(Web3.to_checksum_address(v) if isinstance(v, str) else v for v in decoded)
    assert normalised == args


def test_owner_is_deployer_and_an_anchorer(chain: Chain) -> None:
    """The deployer owns the contract and may anchor; nothing is anchored yet."""
    c = chain.contract
    assert c.functions.owner().call() == chain.owner
    assert c.functions.isAnchorer(chain.owner).call() is True
    assert c.functions.isAnchorer(chain.others[0]).call() is False
    assert c.functions.latestTreeSize().call() == 0
    assert c.functions.rootAt(0).call() == b"\x00" * 32


def test_anchor_stores_root_and_emits_event(chain: Chain) -> None:
    """An anchor by the owner stores the root, advances the size and logs ``Anchored`` with
    ``treeSize`` and ``by`` as indexed topics and the root as data."""
    c = chain.contract
    receipt = _send(chain.w3, c.functions.anchor(7, ROOT_A), chain.owner)
    assert c.functions.rootAt(7).call() == ROOT_A
    assert c.functions.rootAt(6).call() == b"\x00" * 32
    assert c.functions.latestTreeSize().call() == 7

    (event,) = c.events.Anchored().process_receipt(receipt)
    assert dict(event["args"]) == {"treeSize": 7, "root": ROOT_A, "by": chain.owner}
    (log,) = receipt["logs"]
    signature = keccak(text="Anchored(uint64,bytes32,address)")
    assert [bytes(t) for t in log["topics"]] == [
        signature,
        (7).to_bytes(32, "big"),
        bytes(12) + bytes.fromhex(chain.owner[2:]),
    ]
    assert bytes(log["data"]) == ROOT_A

    # Slot 0 packs the owner (low 20 bytes) and the latest tree size (next 8 bytes).
    slot0 = int.from_bytes(chain.w3.eth.get_storage_at(c.address, 0), "big")
    assert slot0 == int(chain.owner, 16) | (7 << 160)


def test_tree_sizes_strictly_increase(chain: Chain) -> None:
    """Equal and smaller tree sizes revert with ``TreeSizeNotIncreasing``; state is kept."""
    c = chain.contract
    with _reverts_with("TreeSizeNotIncreasing", 0, 0):
        c.functions.anchor(0, ROOT_A).transact({"from": chain.owner})
    _send(chain.w3, c.functions.anchor(100, ROOT_A), chain.owner)
    with _reverts_with("TreeSizeNotIncreasing", 100, 100):
        c.functions.anchor(100, ROOT_B).transact({"from": chain.owner})
    with _reverts_with("TreeSizeNotIncreasing", 99, 100):
        c.functions.anchor(99, ROOT_B).transact({"from": chain.owner})
    assert c.functions.rootAt(100).call() == ROOT_A
    assert c.functions.rootAt(99).call() == b"\x00" * 32
    assert c.functions.latestTreeSize().call() == 100
    _send(chain.w3, c.functions.anchor(101, ROOT_B), chain.owner)
    assert c.functions.latestTreeSize().call() == 101
    assert c.functions.rootAt(100).call() == ROOT_A
    assert c.functions.rootAt(101).call() == ROOT_B


def test_zero_root_reverts(chain: Chain) -> None:
    """A zero root is refused with ``ZeroRoot``."""
    c = chain.contract
    with _reverts_with("ZeroRoot"):
        c.functions.anchor(1, b"\x00" * 32).transact({"from": chain.owner})
    assert c.functions.latestTreeSize().call() == 0


def test_non_anchorer_reverts(chain: Chain) -> None:
    """An account the owner has not authorised gets ``NotAnchorer(caller)``."""
    c = chain.contract
    stranger = chain.others[0]
    with _reverts_with("NotAnchorer", stranger):
        c.functions.anchor(1, ROOT_A).transact({"from": stranger})
    assert c.functions.latestTreeSize().call() == 0


def test_owner_manages_anchorers(chain: Chain) -> None:
    """The owner adds and removes anchoring accounts (with events); others get ``NotOwner``;
    the zero address is refused with ``ZeroAddress``."""
    c = chain.contract
    anchorer, stranger = chain.others[0], chain.others[1]

    receipt = _send(chain.w3, c.functions.addAnchorer(anchorer), chain.owner)
    (added,) = c.events.AnchorerAdded().process_receipt(receipt)
    assert added["args"]["account"] == anchorer
    assert c.functions.isAnchorer(anchorer).call() is True

    receipt = _send(chain.w3, c.functions.anchor(5, ROOT_A), anchorer)
    (event,) = c.events.Anchored().process_receipt(receipt)
    assert event["args"]["by"] == anchorer

    with _reverts_with("NotOwner", anchorer):
        c.functions.addAnchorer(stranger).transact({"from": anchorer})
    with _reverts_with("NotOwner", stranger):
        c.functions.removeAnchorer(anchorer).transact({"from": stranger})
    with _reverts_with("ZeroAddress"):
        c.functions.addAnchorer("0x" + "00" * 20).transact({"from": chain.owner})
    with _reverts_with("ZeroAddress"):
        c.functions.removeAnchorer("0x" + "00" * 20).transact({"from": chain.owner})

    receipt = _send(chain.w3, c.functions.removeAnchorer(anchorer), chain.owner)
    (removed,) = c.events.AnchorerRemoved().process_receipt(receipt)
    assert removed["args"]["account"] == anchorer
    assert c.functions.isAnchorer(anchorer).call() is False
    with _reverts_with("NotAnchorer", anchorer):
        c.functions.anchor(6, ROOT_B).transact({"from": anchorer})
    assert c.functions.isAnchorer(chain.owner).call() is True
    assert c.functions.latestTreeSize().call() == 5


def test_anchor_gas_is_constant(chain: Chain) -> None:
    """Gas per anchor does not depend on the tree size: the first anchor, then size 10 and size
    1,000,000, differ only by calldata bytes (well within 200 gas)."""
    c = chain.contract

    def gas(size: int, root: bytes) -> int:
        return int(_send(chain.w3, c.functions.anchor(size, root), chain.owner)["gasUsed"])

    first = gas(1, ROOT_A)
    at_10 = gas(10, ROOT_B)
    at_1m = gas(1_000_000, ROOT_A)
    print(f"\nanchor gas: first (size 1) {first}, size 10 {at_10}, size 1,000,000 {at_1m}")
    assert abs(at_10 - at_1m) <= 200
    assert abs(first - at_10) <= 200
    assert max(first, at_10, at_1m) <= ANCHOR_GAS_BUDGET, "anchor() got more expensive"
