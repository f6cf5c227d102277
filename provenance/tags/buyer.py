"""What the buyer's verification page shows, computed from the ledger (no HTML here).

The checks, each ✓ / ✗ / pending:

* **signatures** and **history chain**: every event of the item re-verified (hash, signature,
  signer's key valid with the right role at that log position, links from seq 0), by the
  audit's own :func:`~provenance.ledger.chain_audit.check_rows`;
* **in the log**: the newest event covered by the anchored checkpoint has an inclusion proof
  into that checkpoint's root, and the checkpoint's signature verifies under the log key.
  Because each event links to the previous one by hash, that one proof commits the whole
  history up to it;
* **anchored on chain**: the store's record of the anchor transaction (chain, block, tx) of
  that checkpoint, and its finality. The page links the proof bundle, which anyone can check
  against the chain themselves (``provenance verify --rpc``);
* the **tag** verdict (genuine / not this item's tag / revoked) from the scanned code.

Newer events than the anchored checkpoint are reported as pending, honestly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from ..chain.anchored import AnchoredCheckpoint, anchored_checkpoint
from ..errors import NotFoundError, SignatureError, VerificationError
from ..ledger.chain_audit import Row, build_keyring, check_rows
from ..ledger.events import KEY_CHAIN, SignedEvent
from ..ledger.itemid import parse_item_id
from ..ledger.state import ItemSummary, summarise
from ..log import merkle
from ..log.checkpoint import verify_checkpoint
from ..log.tree import event_leaf_hash, inclusion_proof
from ..storage.tables import events, log_head, store
from .codes import Verdict, tag_verdict

__all__ = ["CheckLine", "ItemView", "item_view"]


@dataclass(frozen=True)
class CheckLine:
    """One line of the page's checklist: ``ok`` True (✓), False (✗) or None (pending)."""

    name: str
    ok: bool | None
    detail: str


@dataclass
class ItemView:
    """Everything the page shows about one item."""

    summary: ItemSummary
    checks: list[CheckLine]
    verdict: Verdict
    grading: list[tuple[str, str]]
    anchor: dict[str, Any] | None
    pending_events: int
    warnings: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """No check failed."""
        return all(c.ok is not False for c in self.checks)


def _rows(engine: Engine, item: str) -> tuple[list[Row], list[Row], int]:
    with engine.connect() as conn:
        cols = (
            events.c.log_index,
            events.c.item,
            events.c.seq,
            events.c.type,
            events.c.signer,
            events.c.hash,
            events.c.body,
            events.c.signature,
        )
        item_rows = conn.execute(
            select(*cols).where(events.c.item == item).order_by(events.c.seq)
        ).all()
        if not item_rows:
            raise NotFoundError(f"no item {item} in this ledger")
        last = item_rows[-1].log_index
        key_rows = conn.execute(
            select(*cols)
            .where(events.c.item == KEY_CHAIN, events.c.log_index < last)
            .order_by(events.c.seq)
        ).all()
        size = int(conn.execute(select(log_head.c.size)).scalar_one())
    return [_as_row(r) for r in item_rows], [_as_row(r) for r in key_rows], size


def _as_row(r: Any) -> Row:
    return Row(
        int(r.log_index), r.item, int(r.seq), r.type, r.signer, r.hash, r.body, bytes(r.signature)
    )


def _anchored(engine: Engine) -> AnchoredCheckpoint | None:
    with engine.connect() as conn:
        return anchored_checkpoint(conn)


def item_view(engine: Engine, item: str, tag_code: str | None) -> ItemView:
    """Build the page's view of ``item`` for a scan carrying ``tag_code``."""
    item_id = parse_item_id(item)
    item_rows, key_rows, tree_size = _rows(engine, item_id)
    signed = [SignedEvent.parse(r.body, r.signature) for r in item_rows]
    summary = summarise([s.event for s in signed])
    checks: list[CheckLine] = []

    # Signatures, keys and chain links: the audit's own checks.
    try:
        ring = build_keyring(
            [(r.log_index, SignedEvent.parse(r.body, r.signature)) for r in key_rows]
        )
        results = check_rows(item_rows, ring)
        failures = [(row, exc) for row, exc in results if exc is not None]
    except VerificationError as exc:
        failures = [(key_rows[0] if key_rows else item_rows[0], exc)]
    sig_fail = [f for f in failures if isinstance(f[1], SignatureError)]
    other_fail = [f for f in failures if f not in sig_fail]
    checks.append(
        CheckLine(
            "Signatures",
            not sig_fail,
            f"all {len(item_rows)} events signed by staff keys valid at the time"
            if not sig_fail
            else f"event {sig_fail[0][0].seq}: {sig_fail[0][1]}",
        )
    )
    checks.append(
        CheckLine(
            "History chain",
            not other_fail,
            "unbroken from registration to the latest event"
            if not other_fail
            else f"event {other_fail[0][0].seq}: {other_fail[0][1]}",
        )
    )

    # In the log: one inclusion proof of the newest covered event into the anchored checkpoint.
    anchored = _anchored(engine)
    anchor: dict[str, Any] | None = None
    size = anchored.size if anchored is not None else 0
    covered = [r for r in item_rows if r.log_index < size]
    if anchored is None or not covered:
        checks.append(
            CheckLine("In the public log", None, "pending: not yet in an anchored checkpoint")
        )
        checks.append(CheckLine("Anchored on chain", None, "pending: not anchored yet"))
    else:
        newest = covered[-1]
        with engine.connect() as conn:
            identity = conn.execute(select(store.c.origin, store.c.log_public_key)).first()
            proof = inclusion_proof(conn, index=newest.log_index, size=size, tree_size=tree_size)
        try:
            if identity is None or not identity.log_public_key:
                raise VerificationError("the store has no log key")
            cp = verify_checkpoint(
                anchored.note,
                name=identity.origin,
                public_key=bytes.fromhex(identity.log_public_key),
                origin=identity.origin,
            )
            merkle.verify_inclusion(
                index=newest.log_index,
                size=cp.size,
                leaf_hash=event_leaf_hash(newest.hash, newest.signature),
                proof=proof.path,
                root=cp.root,
            )
            checks.append(
                CheckLine(
                    "In the public log",
                    True,
                    f"events up to #{newest.seq} proven in the signed log of {cp.size:,} events",
                )
            )
        except VerificationError as exc:
            checks.append(CheckLine("In the public log", False, str(exc)))
        anchor = {
            "chain_id": anchored.chain_id,
            "contract": anchored.address,
            "tx_hash": anchored.tx_hash,
            "block_number": anchored.block_number,
            "state": anchored.state,
            "ephemeral": anchored.ephemeral,
            "tree_size": size,
        }
        where = (
            f"chain {anchor['chain_id']}, block {anchor['block_number']}, tx {anchor['tx_hash']}"
        )
        if anchor["ephemeral"]:
            checks.append(CheckLine("Anchored on chain", None, f"only on a test chain ({where})"))
        else:
            checks.append(CheckLine("Anchored on chain", True, where))
            final = anchor["state"] == "final"
            checks.append(
                CheckLine(
                    "Finality",
                    True if final else None,
                    "final" if final else "waiting for confirmations",
                )
            )
    pending = sum(1 for r in item_rows if r.log_index >= size)

    verdict = tag_verdict(item_id, [s.event for s in signed], tag_code)
    warnings = []
    if summary.status in ("stolen", "missing", "destroyed"):
        warnings.append(f"This item is recorded as {summary.status.upper()}.")
    grading = [(g["at"], describe_grade(g)) for g in summary.grades]
    return ItemView(
        summary=summary,
        checks=checks,
        verdict=verdict,
        grading=grading,
        anchor=anchor,
        pending_events=pending,
        warnings=warnings,
    )


def describe_grade(grade: dict[str, Any]) -> str:
    """One line for a grade payload."""
    if grade.get("kind") == "vinyl":
        return f"media {grade['media']} / sleeve {grade['sleeve']} ({grade['method']})"
    return (
        f"A-D {grade['ad_level']}, shrinkage {grade['shrinkage_permille']}‰, "
        f"{grade['splices']} splices, fading {grade['fading']}, scratches {grade['scratches']}"
    )
