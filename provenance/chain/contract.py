"""The ``ProvenanceAnchor`` contract: the shipped artifact, deployment, reads, and checking a
checkpoint against what the chain holds.

Partners code against this interface (``contracts/ProvenanceAnchor.sol``)::

    anchor(uint64 treeSize, bytes32 root)          // authorised anchoring accounts only
    rootAt(uint64 treeSize) view returns (bytes32)
    latestTreeSize() view returns (uint64)
    event Anchored(uint64 indexed treeSize, bytes32 root, address indexed by)
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import AnchorError, ChainError
from .endpoints import Chain
from .transactions import FeePolicy, require_funds, sign

__all__ = [
    "AnchorContract",
    "Deployed",
    "deploy",
    "error_names",
    "explain_revert",
    "verify_anchor",
]

DEPLOY_GAS_MARGIN = 1.2
_RECEIPT_TIMEOUT = 300.0


@cache
def _artifact() -> dict[str, Any]:
    from ..contracts import load_artifact

    return load_artifact()


@cache
def error_names() -> dict[str, str]:
    """Custom-error selectors (``0x1234abcd``) to their signatures, from the ABI."""
    from eth_utils.crypto import keccak

    out = {}
    for item in _artifact()["abi"]:
        if item.get("type") == "error":
            sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            out["0x" + keccak(text=sig)[:4].hex()] = sig
    return out


def _revert_texts(exc: BaseException) -> list[str]:
    """Hex renderings of whatever revert data the exception carries (web3 puts a hex string
    in ``data``; eth-tester puts a bytes literal in its message)."""
    texts: list[str] = []
    for value in (getattr(exc, "data", None), *exc.args):
        if isinstance(value, bytes | bytearray):
            texts.append(bytes(value).hex())
        elif isinstance(value, str):
            texts.append(value.lower())
            literal = re.search(r"b(['\"]).*\1", value)
            if literal:
                try:
                    parsed = ast.literal_eval(literal.group(0))
                except (ValueError, SyntaxError):
                    continue
                if isinstance(parsed, bytes):
                    texts.append(parsed.hex())
    return texts


def explain_revert(exc: BaseException) -> str | None:
    """Name the contract's custom error inside a revert exception, if there is one."""
    for text in _revert_texts(exc):
        for selector, sig in error_names().items():
            if selector[2:] in text:
                return sig
    return None


class AnchorContract:
    """A deployed ``ProvenanceAnchor`` on a connected chain."""

    def __init__(self, chain: Chain, address: str) -> None:
        from eth_utils.address import to_checksum_address

        self.chain = chain
        self.address = str(to_checksum_address(address))
        self._contract = chain.w3.eth.contract(address=self.address, abi=_artifact()["abi"])

    def has_code(self) -> bool:
        """Whether contract code exists at the address (a dev chain may have been reset)."""
        code = self.chain.call(
            "read the contract code", lambda: self.chain.w3.eth.get_code(self.address)
        )
        return len(bytes(code)) > 0

    def root_at(self, tree_size: int) -> bytes:
        """The root anchored at exactly ``tree_size`` (32 zero bytes if none)."""
        fn = self._contract.functions.rootAt(tree_size)
        return bytes(self.chain.call("read rootAt", fn.call))

    def latest_tree_size(self) -> int:
        """The largest tree size anchored so far (0 if none)."""
        fn = self._contract.functions.latestTreeSize()
        return int(self.chain.call("read latestTreeSize", fn.call))

    def owner(self) -> str:
        """The contract owner (who adds and removes anchoring accounts)."""
        return str(self.chain.call("read owner", self._contract.functions.owner().call))

    def is_anchorer(self, account: str) -> bool:
        """Whether ``account`` may anchor."""
        fn = self._contract.functions.isAnchorer(account)
        return bool(self.chain.call("read isAnchorer", fn.call))

    def anchor_data(self, tree_size: int, root: bytes) -> bytes:
        """Call data of ``anchor(treeSize, root)``."""
        encoded = self._contract.encode_abi("anchor", args=[tree_size, root])
        return bytes.fromhex(str(encoded).removeprefix("0x"))

    def estimate_anchor_gas(self, sender: str, tree_size: int, root: bytes) -> int:
        """Gas the anchor call needs; :class:`ChainError` naming the contract's objection."""
        fn = self._contract.functions.anchor(tree_size, root)
        try:
            return int(self.chain.call("estimate gas", lambda: fn.estimate_gas({"from": sender})))
        except ChainError:
            raise
        except Exception as exc:
            reason = explain_revert(exc) or str(exc).splitlines()[0][:160]
            raise ChainError(
                f"the contract at {self.address} refuses this anchor: {reason}"
            ) from exc

    def anchored_in(self, tx_hash: str) -> tuple[int, list[dict[str, Any]]]:
        """The block number of transaction ``tx_hash`` and the ``Anchored`` events this
        contract emitted in it; :class:`AnchorError` if the chain has no such transaction."""
        from web3.exceptions import TransactionNotFound

        try:
            receipt = self.chain.call(
                "read the anchor receipt",
                lambda: self.chain.w3.eth.get_transaction_receipt(tx_hash),
            )
        except TransactionNotFound as exc:
            raise AnchorError(f"chain {self.chain.chain_id} has no transaction {tx_hash}") from exc
        logs = [
            log for log in receipt["logs"] if str(log["address"]).lower() == self.address.lower()
        ]
        event = self._contract.events.Anchored()
        found = []
        for log in logs:
            try:
                decoded = event.process_log(log)
            except Exception:  # noqa: S112 - another event of this contract
                continue
            found.append(
                {
                    "tree_size": int(decoded["args"]["treeSize"]),
                    "root": bytes(decoded["args"]["root"]).hex(),
                    "by": str(decoded["args"]["by"]),
                }
            )
        return int(receipt["blockNumber"]), found

    def anchored_events(self, from_block: int = 0) -> list[dict[str, Any]]:
        """Every ``Anchored`` event since ``from_block`` (for status pages and tests)."""
        event = self._contract.events.Anchored()
        logs = self.chain.call(
            "read Anchored events", lambda: event.get_logs(from_block=from_block)
        )
        return [
            {
                "tree_size": int(e["args"]["treeSize"]),
                "root": bytes(e["args"]["root"]).hex(),
                "by": str(e["args"]["by"]),
                "tx_hash": "0x" + bytes(e["transactionHash"]).hex(),
                "block_number": int(e["blockNumber"]),
            }
            for e in logs
        ]


@dataclass(frozen=True)
class Deployed:
    """Where a deployment landed."""

    address: str
    tx_hash: str
    block_number: int
    gas_used: int


def deploy(chain: Chain, account: Any, policy: FeePolicy) -> Deployed:
    """Deploy the shipped bytecode from ``account`` (signed locally) and wait for it."""
    artifact = _artifact()
    data = bytes.fromhex(str(artifact["bytecode"]).removeprefix("0x"))
    w3 = chain.w3
    require_funds(chain, account.address)
    estimate = chain.call(
        "estimate the deployment gas",
        lambda: w3.eth.estimate_gas({"from": account.address, "data": data}),
    )
    nonce = chain.call(
        "read the nonce", lambda: w3.eth.get_transaction_count(account.address, "pending")
    )
    tx = sign(
        chain,
        account,
        to=None,
        data=data,
        gas=int(estimate * DEPLOY_GAS_MARGIN),
        nonce=int(nonce),
        policy=policy,
    )
    chain.call("send the deployment", lambda: w3.eth.send_raw_transaction(tx.raw))
    receipt = chain.call(
        "wait for the deployment",
        lambda: w3.eth.wait_for_transaction_receipt(tx.tx_hash, timeout=_RECEIPT_TIMEOUT),
    )
    if int(receipt["status"]) != 1 or not receipt.get("contractAddress"):
        raise ChainError(f"the deployment transaction {tx.tx_hash} failed")
    return Deployed(
        address=str(receipt["contractAddress"]),
        tx_hash=tx.tx_hash,
        block_number=int(receipt["blockNumber"]),
        gas_used=int(receipt["gasUsed"]),
    )


def verify_anchor(contract: AnchorContract, *, tree_size: int, root: bytes) -> None:
    """Raise :class:`AnchorError` unless the chain holds ``root`` for ``tree_size``."""
    onchain = contract.root_at(tree_size)
    if onchain == bytes(32):
        raise AnchorError(
            f"no root anchored for tree size {tree_size} at {contract.address} "
            f"on chain {contract.chain.chain_id}"
        )
    if onchain != root:
        raise AnchorError(
            f"chain {contract.chain.chain_id} holds root {onchain.hex()} for tree size "
            f"{tree_size}, the checkpoint says {root.hex()}"
        )
