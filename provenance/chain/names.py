"""Chains by name: what a buyer reads instead of a chain id, and whether a seal there lasts.

A root anchored on a public main network is permanent. One on a public test network
(Sepolia, Hoodi) is public but worthless as a seal (test ether is free, test networks are
reset), and one on a development chain (the local Hardhat node, the embedded devnet) lives
only as long as the machine that runs it. Only the first kind may ever read as *final* to a
buyer. Chain ids from each network's own documentation (chainlist.org lists the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEVNET_CHAIN_ID", "KNOWN_CHAINS", "ChainName", "chain_name"]

Kind = Literal["mainnet", "testnet", "dev", "unknown"]

#: The embedded chain's id (eth-tester's default), also served by ``provenance chain devnet``.
DEVNET_CHAIN_ID = 131277322940537


@dataclass(frozen=True)
class ChainName:
    """A chain id with a name a person recognises, and what kind of network it is."""

    chain_id: int
    name: str
    kind: Kind

    @property
    def lasting(self) -> bool:
        """Whether a root anchored here is a permanent, public seal (a main network)."""
        return self.kind == "mainnet"

    @property
    def seal(self) -> str:
        """How a buyer should read an anchor here, in plain words."""
        if self.kind == "mainnet":
            return f"sealed on {self.name}"
        if self.kind == "testnet":
            return f"sealed on a test chain only ({self.name})"
        if self.kind == "dev":
            return f"sealed on a development chain only ({self.name})"
        return f"sealed on {self.name}, which is not a network this store vouches for"


KNOWN_CHAINS: dict[int, ChainName] = {
    c.chain_id: c
    for c in (
        ChainName(1, "Ethereum mainnet", "mainnet"),
        ChainName(8453, "Base", "mainnet"),
        ChainName(10, "OP Mainnet", "mainnet"),
        ChainName(42161, "Arbitrum One", "mainnet"),
        ChainName(137, "Polygon PoS", "mainnet"),
        ChainName(11155111, "Sepolia", "testnet"),
        ChainName(560048, "Hoodi", "testnet"),
        ChainName(31337, "the local Hardhat node", "dev"),
        ChainName(1337, "a local development node", "dev"),
        ChainName(DEVNET_CHAIN_ID, "the embedded dev chain", "dev"),
    )
}


def chain_name(chain_id: int) -> ChainName:
    """The chain's name and kind; an unlisted id is ``unknown`` (never read as lasting)."""
    return KNOWN_CHAINS.get(chain_id, ChainName(chain_id, f"chain {chain_id}", "unknown"))
