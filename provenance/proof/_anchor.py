"""The verifier's ``anchor`` check: does the contract on chain hold the checkpoint's root?

A check that could not run (no anchor recorded, no RPC given, an ephemeral chain, the RPC
unreachable or answering nonsense) is ``not_checked`` and says why; a chain that answers and
disagrees (no root, another root, another transaction or block) is ``failed``. web3 is
imported only when an RPC is given.
"""

from __future__ import annotations

from ..errors import AnchorError, ChainUnavailableError, ProvenanceError
from ..log.checkpoint import Checkpoint
from .report import Check
from .schema import Bundle

__all__ = ["check_anchor"]


def check_anchor(
    bundle: Bundle, cp: Checkpoint | None, rpc_url: str | None, chain_id: int | None
) -> Check:
    """The anchor check of ``bundle`` against its verified checkpoint ``cp``."""
    anchor = bundle.anchor
    if anchor is None:
        return Check("anchor", "not_checked", "the checkpoint is not anchored yet")
    if cp is None:
        return Check("anchor", "not_checked", "no verified checkpoint to compare with")
    if anchor.tree_size != cp.size:
        wrong = AnchorError(f"anchor is for size {anchor.tree_size}, checkpoint for {cp.size}")
        return Check("anchor", "failed", str(wrong), wrong)
    if rpc_url is None:
        # A served devnet can still be asked while it runs; the in-process one is gone.
        ephemeral = (
            "; an ephemeral dev chain, which ends with its process" if anchor.ephemeral else ""
        )
        return Check(
            "anchor",
            "not_checked",
            f"no RPC URL given (chain {anchor.chain_id}, contract {anchor.contract}{ephemeral})",
        )
    if chain_id is not None and chain_id != anchor.chain_id:
        other = AnchorError(f"the bundle is anchored on chain {anchor.chain_id}, not {chain_id}")
        return Check("anchor", "failed", str(other), other)
    from ..chain.contract import AnchorContract, verify_anchor
    from ..chain.endpoints import ChainSpec, connect

    try:
        chain = connect(ChainSpec.parse(rpc_url, anchor.chain_id), retries=2)
        contract = AnchorContract(chain, anchor.contract)
        if not contract.has_code():
            raise AnchorError(f"no contract at {anchor.contract} on chain {anchor.chain_id}")
        # rootAt(uint64) must hold exactly this root for exactly this size.
        verify_anchor(contract, tree_size=cp.size, root=cp.root)
        block, emitted = contract.anchored_in(anchor.tx_hash)
        if block != anchor.block_number:
            raise AnchorError(
                f"transaction {anchor.tx_hash} is in block {block}, "
                f"the bundle says {anchor.block_number}"
            )
        if {"tree_size": cp.size, "root": cp.root.hex()} not in [
            {"tree_size": e["tree_size"], "root": e["root"]} for e in emitted
        ]:
            raise AnchorError(
                f"transaction {anchor.tx_hash} did not anchor size {cp.size} with this root"
            )
        head = int(chain.call("read the head", lambda: chain.w3.eth.block_number))
    except AnchorError as exc:
        return Check("anchor", "failed", str(exc), exc)
    except ChainUnavailableError as exc:  # the RPC is down: cannot tell either way
        return Check("anchor", "not_checked", f"could not read the chain: {exc}")
    except ProvenanceError as exc:  # e.g. the RPC serves another chain than the anchor's
        wrong = AnchorError(f"cannot check the anchor on that RPC: {exc}")
        return Check("anchor", "failed", str(wrong), wrong)
    except Exception as exc:  # web3 surfaces a node's odd answers as they are
        return Check(
            "anchor",
            "not_checked",
            f"the RPC's answer could not be read ({type(exc).__name__}: {exc})",
        )
    return Check(
        "anchor",
        "passed",
        f"chain {anchor.chain_id} contract {anchor.contract} holds the root "
        f"(tx {anchor.tx_hash}, block {anchor.block_number}, "
        f"{head - anchor.block_number + 1} confirmations)",
    )
