"""The log guard: a store that lost or rewrote anchored events stops writing and anchoring.

Two facts in the database say the local log no longer extends what was anchored:

1. an alarm (``chain_alarms``) that a check against the chain raised (``audit``, ``chain
   status`` or ``anchor`` found a shortfall or a mismatch on a contract);
2. an anchor this store recorded as mined, on a contract still in use, for a tree size larger
   than the log (the newest events were deleted together with their tree nodes).

Either way every append is refused, in its own write transaction, with one line that says
what is wrong and what to do. The check costs two indexed reads per write transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from ..errors import LogDivergedError, ProvenanceError
from ..findings import Finding
from ..storage.tables import anchors, chain_alarms, checkpoints, deployments
from .tree import root_at

__all__ = ["RESTORE_HINT", "anchor_findings", "refuse_if_diverged"]

RESTORE_HINT = (
    "new events and anchors are refused until the newer backup is restored "
    "(README: When the chain disagrees)"
)


def refuse_if_diverged(conn: Connection, log_size: int) -> None:
    """Raise :class:`LogDivergedError` if the log is known to be behind or off its anchors."""
    alarm = conn.execute(select(chain_alarms).order_by(chain_alarms.c.id).limit(1)).first()
    if alarm is not None:
        what = (
            f"holds tree size {alarm.tree_size} but the log had only {alarm.local_size} leaves"
            if alarm.kind == "shortfall"
            else f"holds a different root at tree size {alarm.tree_size} than this log"
        )
        raise LogDivergedError(
            f"contract {alarm.address} on chain {alarm.chain_id} {what} "
            f"(found {alarm.found_at}); {RESTORE_HINT}"
        )
    anchored = conn.execute(
        select(func.max(anchors.c.tree_size))
        .select_from(anchors.join(deployments, deployments.c.id == anchors.c.deployment_id))
        .where(anchors.c.state.in_(("anchored", "final")), deployments.c.vanished_at.is_(None))
    ).scalar()
    if anchored is not None and int(anchored) > log_size:
        raise LogDivergedError(
            f"tree size {anchored} was anchored on chain but the log has only {log_size} "
            f"leaves: anchored events are missing; {RESTORE_HINT}"
        )


def anchor_findings(conn: Connection, log_size: int) -> list[Finding]:
    """The local half of "the chain is the judge", for the audit (no chain needed).

    Every root this store recorded as mined on a contract (anchors in state anchored, final
    or vanished) must still be the root of the local log at that size, computed from the
    stored tree nodes, and a checkpoint stored at that size must carry the same root. The
    chain itself is read by :func:`provenance.chain.judge.judge`.
    """
    rows = conn.execute(
        select(anchors.c.tree_size, anchors.c.root, deployments.c.chain_id, deployments.c.address)
        .select_from(anchors.join(deployments, deployments.c.id == anchors.c.deployment_id))
        .where(anchors.c.state.in_(("anchored", "final", "vanished")))
        .order_by(anchors.c.tree_size)
    ).all()
    problems: list[str] = []
    for row in rows:
        size = int(row.tree_size)
        where = f"tree size {size} anchored on contract {row.address} (chain {row.chain_id})"
        if size > log_size:
            problems.append(
                f"{where}, but the log has only {log_size} leaves: anchored events are missing"
            )
            continue
        try:
            local = root_at(conn, size).hex()
        except ProvenanceError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if local != row.root:
            problems.append(f"{where} with root {row.root}; the local log's root there is {local}")
        stored = conn.execute(select(checkpoints.c.root).where(checkpoints.c.size == size)).scalar()
        if stored is not None and stored != row.root:
            problems.append(f"{where} with root {row.root}; the checkpoint there says {stored}")
    return [Finding("log", None, None, "anchor", problem) for problem in problems]
