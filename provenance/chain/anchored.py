"""Which signed checkpoint an item's history is proved against: the newest one with a live
anchor (``anchored`` or ``final``) on a deployment that still exists, a lasting chain
preferred over the ephemeral embedded one. Proof bundles, the buyer's page and the partner
API's item status all use this one choice.

The read walks ``anchors`` by tree size, newest first, on an index (``ix_anchors_tree_size``)
and stops at the first live one, once for lasting chains and once for ephemeral ones: its
cost does not grow with the years of anchors a store accumulates (a scan of every anchor,
sorted by chain kind first, would).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection

from ..storage.engine import driver_query

__all__ = ["AnchoredCheckpoint", "anchored_checkpoint", "anchored_conflict"]

_BRANCH = (
    "SELECT * FROM (SELECT c.size, c.root, c.note, an.tx_hash, an.state, an.block_number, "
    "d.chain_id, d.address, d.ephemeral FROM anchors an "
    "JOIN deployments d ON d.id = an.deployment_id "
    "JOIN checkpoints c ON c.size = an.tree_size AND c.root = an.root "
    "WHERE an.state IN ('anchored', 'final') AND d.vanished_at IS NULL AND {which} "
    "ORDER BY an.tree_size DESC LIMIT 1) {name}"
)
_SQL = (
    _BRANCH.replace("{which}", "NOT d.ephemeral").replace("{name}", "lasting")
    + " UNION ALL "
    + _BRANCH.replace("{which}", "d.ephemeral").replace("{name}", "passing")
    + " ORDER BY ephemeral LIMIT 1"
)


class AnchoredCheckpoint(NamedTuple):
    """A signed checkpoint and the anchor that put its root on chain."""

    size: int
    root: str  # hex
    note: str  # the signed note
    tx_hash: str
    state: str  # anchored or final
    block_number: int | None
    chain_id: int
    address: str
    ephemeral: bool


def anchored_checkpoint(conn: Connection) -> AnchoredCheckpoint | None:
    """The checkpoint to prove against (see the module docstring), or ``None``."""
    found = driver_query(conn, _SQL)
    if not found:
        return None
    size, root, note, tx_hash, state, block, chain_id, address, ephemeral = found[0]
    return AnchoredCheckpoint(
        size=int(size),
        root=root,
        note=note,
        tx_hash=tx_hash,
        state=state,
        block_number=None if block is None else int(block),
        chain_id=int(chain_id),
        address=address,
        ephemeral=bool(ephemeral),
    )


_CONFLICT_SQL = (
    "SELECT an.tree_size, an.root, c.root, d.chain_id, d.address FROM anchors an "
    "JOIN deployments d ON d.id = an.deployment_id "
    "LEFT JOIN checkpoints c ON c.size = an.tree_size "
    "WHERE an.state IN ('anchored', 'final') AND d.vanished_at IS NULL "
    "AND (c.root IS NULL OR c.root <> an.root) ORDER BY an.tree_size DESC LIMIT 1"
)


def anchored_conflict(conn: Connection) -> str | None:
    """Why the anchored checkpoint cannot be chosen honestly, or ``None``.

    A live anchor whose tree size has no stored checkpoint, or one with another root, means
    the log was rewritten or its checkpoints deleted after anchoring. Proving an item against
    an older checkpoint then would hide that, so exporters refuse instead.
    """
    found = driver_query(conn, _CONFLICT_SQL)
    if not found:
        return None
    size, root, stored, chain_id, address = found[0]
    if stored is None:
        what = "no checkpoint of that size is stored"
    else:
        what = f"the checkpoint stored at that size has root {stored}"
    return (
        f"tree size {size} is anchored on contract {address} (chain {chain_id}) with root "
        f"{root}, but {what}; run 'provenance audit'"
    )
