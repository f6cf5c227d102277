"""Locally signed EIP-1559 transactions, with a fee cap and a funds check.

``maxFeePerGas`` is twice the latest base fee plus the priority fee (room for six full blocks
of base-fee rises), never above the cap. If even the current base fee plus the tip is above the
cap, nothing is sent: the error says so and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ChainError
from .endpoints import Chain

__all__ = [
    "GWEI",
    "FeePolicy",
    "SignedTx",
    "check_funds",
    "current_fees",
    "require_funds",
    "sign",
]

GWEI = 10**9
_DEFAULT_TIP = 1 * GWEI


@dataclass(frozen=True)
class FeePolicy:
    """The most the store pays per gas, and an optional fixed tip."""

    max_fee_wei: int = 100 * GWEI
    priority_wei: int | None = None


@dataclass(frozen=True)
class SignedTx:
    """A signed transaction, ready to send (and to re-send, byte for byte)."""

    raw: str  # 0x-hex
    tx_hash: str  # 0x-hex
    nonce: int
    gas: int
    max_fee_wei: int


def current_fees(chain: Chain, policy: FeePolicy) -> tuple[int, int]:
    """``(maxFeePerGas, maxPriorityFeePerGas)`` for a transaction sent now."""
    block = chain.call("read the latest block", lambda: chain.w3.eth.get_block("latest"))
    base = int(block.get("baseFeePerGas") or 0)
    tip = policy.priority_wei
    if tip is None:
        try:
            tip = int(chain.call("read the priority fee", lambda: chain.w3.eth.max_priority_fee))
        except ChainError:
            raise
        except Exception:  # a node without eth_maxPriorityFeePerGas
            tip = _DEFAULT_TIP
    tip = min(tip, policy.max_fee_wei)
    if base + tip > policy.max_fee_wei:
        raise ChainError(
            f"the network asks {(base + tip) / GWEI:.2f} gwei per gas, above the cap of "
            f"{policy.max_fee_wei / GWEI:.2f} gwei; raise --max-fee-gwei "
            "(PROVENANCE_MAX_FEE_GWEI) or try again later"
        )
    return min(2 * base + tip, policy.max_fee_wei), tip


def check_funds(chain: Chain, address: str, *, gas: int, max_fee_wei: int) -> int:
    """The account's balance; :class:`ChainError` if it cannot pay ``gas`` at ``max_fee``."""
    balance = int(chain.call("read the balance", lambda: chain.w3.eth.get_balance(address)))
    needed = gas * max_fee_wei
    if balance < needed:
        hint = (
            "'provenance chain deploy' funds it on a dev chain"
            if chain.dev
            else "send it some ETH first"
        )
        raise ChainError(
            f"account {address} has {balance / 10**18:.6f} ETH on chain {chain.chain_id}; a "
            f"transaction may cost up to {needed / 10**18:.6f} ETH; {hint}"
        )
    return balance


def require_funds(chain: Chain, address: str) -> None:
    """Refuse an account with no ETH at all, before gas estimates fail obscurely on it."""
    check_funds(chain, address, gas=1, max_fee_wei=1)


def sign(
    chain: Chain,
    account: Any,
    *,
    to: str | None,
    data: bytes,
    gas: int,
    nonce: int,
    policy: FeePolicy,
) -> SignedTx:
    """Build and sign a type-2 transaction locally (the node never holds the key)."""
    max_fee, tip = current_fees(chain, policy)
    check_funds(chain, account.address, gas=gas, max_fee_wei=max_fee)
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain.chain_id,
        "nonce": nonce,
        "gas": gas,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": tip,
        "value": 0,
        "data": data,
    }
    if to is not None:
        tx["to"] = to
    signed = account.sign_transaction(tx)
    return SignedTx(
        raw="0x" + bytes(signed.raw_transaction).hex(),
        tx_hash="0x" + bytes(signed.hash).hex(),
        nonce=nonce,
        gas=gas,
        max_fee_wei=max_fee,
    )
