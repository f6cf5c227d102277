"""The chain is the judge: hold the local log against what a contract holds.

Whatever is anchored binds the store. :func:`judge` reads a contract's ``latestTreeSize`` and
its ``rootAt(size)`` for every size the store ever anchored there (its own ``anchors`` rows,
the contract's latest size, and the contract's ``Anchored`` events when the node serves
them). For each such size it then:

1. requires the local log to be at least that long (else a **shortfall**: anchored events
   are missing here);
2. computes the local root at that size from the stored tree nodes (never from a checkpoint
   row, which a rewrite could simply delete) and requires it to equal the root on chain (else
   a **mismatch**: the history was rewritten).

A contract that cannot be read is reported as ``unchecked`` with the reason, never as passed.
An ephemeral chain (the embedded one, or a dev chain that was reset) is labelled as such.
:func:`raise_alarms` stores what a judgement found (``chain_alarms``), which makes the ledger
refuse appends and the anchorer refuse to anchor until the store is restored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from sqlalchemy import Engine, insert, select

from ..clock import utc_now
from ..errors import ProvenanceError
from ..log.tree import root_at
from ..storage.tables import anchors, chain_alarms, deployments, log_head
from .contract import AnchorContract

if TYPE_CHECKING:
    from .anchorer import DeploymentRecord
    from .endpoints import Chain

__all__ = [
    "ChainJudgement",
    "Disagreement",
    "judge",
    "judge_all",
    "raise_alarms",
    "unchecked",
]

logger = logging.getLogger(__name__)

#: The zero root ``rootAt`` returns for a size that was never anchored (contract docs).
_NEVER = bytes(32)
#: How many ``Anchored`` events one judgement reads at most; beyond this the store's own
#: anchor rows and the latest size still name every size it anchored.
_MAX_EVENTS = 100_000

Status = Literal["consistent", "diverged", "unchecked"]


class _Where(TypedDict):
    chain_id: int
    address: str
    endpoint: str
    ephemeral: bool
    local_size: int


@dataclass(frozen=True)
class Disagreement:
    """One size at which the local log and the chain disagree."""

    kind: Literal["shortfall", "mismatch"]
    tree_size: int
    chain_root: str  # hex
    local_root: str | None  # hex; None for a shortfall
    local_size: int

    def describe(self, where: str) -> str:
        """One line naming the chain, the contract, the size and both roots."""
        if self.kind == "shortfall":
            return (
                f"{where} holds tree size {self.tree_size} (root {self.chain_root}) but the "
                f"local log has only {self.local_size} leaves: anchored events are missing"
            )
        return (
            f"{where} holds root {self.chain_root} at tree size {self.tree_size}, the local "
            f"log has {self.local_root}: the anchored history was rewritten"
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "tree_size": self.tree_size,
            "chain_root": self.chain_root,
            "local_root": self.local_root,
            "local_size": self.local_size,
        }


@dataclass(frozen=True)
class ChainJudgement:
    """What one contract says about the local log."""

    chain_id: int
    address: str
    endpoint: str
    ephemeral: bool
    status: Status
    local_size: int
    chain_size: int | None = None
    checked_sizes: tuple[int, ...] = ()
    problems: tuple[Disagreement, ...] = ()
    reason: str | None = None  # why it was not checked
    notes: tuple[str, ...] = field(default=())

    @property
    def where(self) -> str:
        """The chain and contract, as a person reads them."""
        kind = ", ephemeral" if self.ephemeral else ""
        return f"contract {self.address} on chain {self.chain_id} ({self.endpoint}{kind})"

    def lines(self) -> list[str]:
        """Plain-words report, one line per finding."""
        if self.status == "unchecked":
            return [f"{self.where}: NOT CHECKED: {self.reason}"]
        if self.status == "diverged":
            return [p.describe(self.where) for p in self.problems]
        sizes = ", ".join(str(s) for s in self.checked_sizes) or "none yet"
        return [
            f"{self.where}: the local log ({self.local_size} leaves) extends every root "
            f"anchored there (sizes {sizes})",
            *self.notes,
        ]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "chain_id": self.chain_id,
            "contract": self.address,
            "endpoint": self.endpoint,
            "ephemeral": self.ephemeral,
            "status": self.status,
            "local_size": self.local_size,
            "chain_size": self.chain_size,
            "checked_sizes": list(self.checked_sizes),
            "problems": [p.to_json() for p in self.problems],
            "reason": self.reason,
            "notes": list(self.notes),
        }


def unchecked(
    *, chain_id: int, address: str, endpoint: str, ephemeral: bool, local_size: int, reason: str
) -> ChainJudgement:
    """A judgement that could not be made, and why (never a pass)."""
    return ChainJudgement(
        chain_id=chain_id,
        address=address,
        endpoint=endpoint,
        ephemeral=ephemeral,
        status="unchecked",
        local_size=local_size,
        reason=reason,
    )


def judge(
    engine: Engine, contract: AnchorContract, *, deployment_id: int | None, ephemeral: bool
) -> ChainJudgement:
    """Hold the local log against ``contract`` (see the module docstring).

    ``deployment_id`` names the store's own record of this contract, whose anchor rows add
    the sizes the store anchored there; chain errors become an ``unchecked`` judgement.
    """
    chain = contract.chain
    endpoint = chain.spec.label
    with engine.connect() as conn:
        local_size = int(conn.execute(select(log_head.c.size)).scalar_one())
    base: _Where = {
        "chain_id": chain.chain_id,
        "address": contract.address,
        "endpoint": endpoint,
        "ephemeral": ephemeral,
        "local_size": local_size,
    }
    try:
        if not contract.has_code():
            why = "the contract is gone (a reset dev chain?); nothing there to hold the log to"
            return unchecked(**base, reason=why)
        chain_size = contract.latest_tree_size()
        sizes, notes = _anchored_sizes(engine, contract, deployment_id, chain_size)
        roots = {size: contract.root_at(size) for size in sorted(sizes)}
    except ProvenanceError as exc:
        return unchecked(**base, reason=str(exc))
    problems: list[Disagreement] = []
    checked: list[int] = []
    with engine.connect() as conn:
        for size, chain_root in roots.items():
            if chain_root == _NEVER:
                notes.append(f"tree size {size} was recorded here but the contract holds no root")
                continue
            checked.append(size)
            if size > local_size:
                problems.append(Disagreement("shortfall", size, chain_root.hex(), None, local_size))
                continue
            try:
                local = root_at(conn, size).hex()
            except ProvenanceError as exc:  # stored nodes missing: the tree lost leaves
                logger.info("no local root at %d: %s", size, exc)
                problems.append(Disagreement("shortfall", size, chain_root.hex(), None, local_size))
                continue
            if local != chain_root.hex():
                problems.append(Disagreement("mismatch", size, chain_root.hex(), local, local_size))
    return ChainJudgement(
        **base,
        status="diverged" if problems else "consistent",
        chain_size=chain_size,
        checked_sizes=tuple(checked),
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _anchored_sizes(
    engine: Engine, contract: AnchorContract, deployment_id: int | None, chain_size: int
) -> tuple[set[int], list[str]]:
    sizes: set[int] = {chain_size} if chain_size > 0 else set()
    notes: list[str] = []
    if deployment_id is not None:
        with engine.connect() as conn:
            rows = conn.execute(
                select(anchors.c.tree_size).where(
                    anchors.c.deployment_id == deployment_id,
                    anchors.c.state.in_(("anchored", "final")),
                )
            ).all()
        sizes |= {int(r.tree_size) for r in rows}
    try:
        events = contract.anchored_events()
    except ProvenanceError as exc:
        notes.append(f"the node does not serve the contract's events ({exc}); checked the sizes "
                     "this store recorded and the contract's latest")  # fmt: skip
        return sizes, notes
    except Exception as exc:  # a node without eth_getLogs support answers in its own way
        logger.info("Anchored events unreadable: %s", exc)
        notes.append("the node does not serve the contract's events; checked the sizes this "
                     "store recorded and the contract's latest")  # fmt: skip
        return sizes, notes
    sizes |= {int(e["tree_size"]) for e in events[:_MAX_EVENTS]}
    return sizes, notes


def raise_alarms(engine: Engine, judgements: Iterable[ChainJudgement]) -> int:
    """Store every disagreement found (once each); return how many are new.

    While any alarm exists the ledger refuses appends and the anchorer refuses to anchor.
    """
    new = 0
    now = utc_now()
    for j in judgements:
        for p in j.problems:
            with engine.begin() as conn:
                seen = conn.execute(
                    select(chain_alarms.c.id).where(
                        chain_alarms.c.chain_id == j.chain_id,
                        chain_alarms.c.address == j.address,
                        chain_alarms.c.kind == p.kind,
                        chain_alarms.c.tree_size == p.tree_size,
                    )
                ).first()
                if seen is not None:
                    continue
                conn.execute(
                    insert(chain_alarms).values(
                        chain_id=j.chain_id,
                        address=j.address,
                        kind=p.kind,
                        tree_size=p.tree_size,
                        chain_root=p.chain_root,
                        local_root=p.local_root,
                        local_size=p.local_size,
                        found_at=now,
                    )
                )
                new += 1
    return new


def judge_all(engine: Engine, connect: Callable[[DeploymentRecord], Chain]) -> list[ChainJudgement]:
    """Hold the local log against every contract this store deployed and anchored to.

    ``connect`` opens the chain a deployment lives on (it may raise; that deployment is then
    reported as not checked, with the reason). Contracts on the ephemeral embedded chain and
    contracts that vanished with a reset dev chain are reported as not checked, and why.
    """
    with engine.connect() as conn:
        local_size = int(conn.execute(select(log_head.c.size)).scalar_one())
        rows = conn.execute(select(deployments).order_by(deployments.c.id)).all()
    out: list[ChainJudgement] = []
    for row in rows:
        record = _deployment_record(row)
        base: _Where = {
            "chain_id": record.chain_id,
            "address": record.address,
            "endpoint": record.endpoint,
            "ephemeral": record.ephemeral,
            "local_size": local_size,
        }
        if record.endpoint == "embedded":
            why = "ephemeral embedded chain: it ended with the process that anchored there"
            out.append(unchecked(**base, reason=why))
            continue
        if record.vanished_at is not None:
            why = f"the dev chain was reset and the contract vanished ({record.vanished_at})"
            out.append(unchecked(**base, reason=why))
            continue
        try:
            chain = connect(record)
        except ProvenanceError as exc:
            out.append(unchecked(**base, reason=str(exc)))
            continue
        contract = AnchorContract(chain, record.address)
        out.append(judge(engine, contract, deployment_id=record.id, ephemeral=record.ephemeral))
    return out


def _deployment_record(row: Any) -> DeploymentRecord:
    from .anchorer import DeploymentRecord

    return DeploymentRecord(**{k: row._mapping[k] for k in DeploymentRecord.__dataclass_fields__})
