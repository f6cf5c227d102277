"""Verification of stored events: the rules of the ledger, checked from the raw rows.

:class:`ChainChecker` takes events in global log order and, for each one:

1. parses the stored text: well-formed envelope, RFC 8785 canonical;
2. checks the row's index columns (item, seq, type, signer) against the signed text;
3. recomputes the event hash and compares it with the stored one;
4. checks the chain link: ``seq`` is one more than the item's previous event and ``prev`` is
   that event's hash (``seq`` 0 has ``prev`` null and is the item's ``register``);
5. validates the payload against its schema, in normal form, grades matching the item kind;
6. verifies the Ed25519 signature under the signer's key, and that the key was valid and its
   role allowed this event type at this log position (key events update the key ring);
7. checks the row's ``at`` column, where the reader has it, against the signed time.

It raises the precise :class:`~provenance.errors.VerificationError` subclass; :func:`audit`
collects those as findings that name the item, the event and the check, and goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from ..errors import (
    ChainBreakError,
    EventFormatError,
    HashMismatchError,
    InputError,
    KeyStateError,
    RevokedKeyError,
    RoleError,
    SignatureError,
    UnknownKeyError,
    VerificationError,
)
from ..findings import Finding
from ..keys.keyring import KeyRing
from ..log.guard import anchor_findings
from ..log.tree import event_leaf_hash
from ..storage.tables import events, log_head
from .events import KEY_CHAIN, SignedEvent
from .photo_audit import PhotoChecker
from .schemas import EventType, validate_correction, validate_payload

__all__ = ["AuditReport", "ChainChecker", "Finding", "Row", "audit", "build_keyring", "check_rows"]

logger = logging.getLogger(__name__)

# One character per event type keeps the per-item state small at a million items.
_TYPE_CODE = {t: chr(ord("a") + i) for i, t in enumerate(EventType)}
_CODE_TYPE = {c: t for t, c in _TYPE_CODE.items()}


@dataclass
class AuditReport:
    """What an audit saw and found."""

    events: int = 0
    items: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.findings


@dataclass
class _Head:
    seq: int
    hash: str
    kind: str | None
    types: str


@dataclass(frozen=True)
class Row:
    """The stored columns of one event row."""

    log_index: int
    item: str
    seq: int
    type: str
    signer: str
    hash: str
    body: str
    signature: bytes
    #: The ``at`` column, where the reader has it (bundles carry only the signed text).
    at: str | None = None


class ChainChecker:
    """Checks events given in log order; see the module docstring for the steps."""

    def __init__(self, ring: KeyRing | None = None) -> None:
        # With a ring given (already built from the key chain), key events are not re-applied.
        self.ring = ring if ring is not None else KeyRing()
        self._apply_keys = ring is None
        self._heads: dict[str, _Head] = {}

    @property
    def items(self) -> int:
        """Number of chains seen (items plus the key chain)."""
        return len(self._heads)

    def check(self, row: Row) -> SignedEvent:
        """Check one row; raise the first failed check's error."""
        # 1. well-formed, canonical text
        signed = SignedEvent.parse(row.body, bytes(row.signature))
        ev = signed.event
        head = self._heads.get(ev.item)
        try:
            # 2. row columns agree with what was signed
            columns = (row.item, row.seq, row.type, row.signer)
            if columns != (ev.item, ev.seq, str(ev.type), ev.by):
                raise EventFormatError(
                    f"row says item/seq/type/signer {columns}, signed text says "
                    f"{(ev.item, ev.seq, str(ev.type), ev.by)}"
                )
            # 3. stored hash
            if row.hash != signed.hash:
                raise HashMismatchError(
                    "stored event hash", expected=row.hash, calculated=signed.hash
                )
            # 4. chain link
            self._check_link(ev.item, ev.seq, ev.prev, ev.type, head)
            # 5. payload, held to the rules for signed events: the shapes every version
            # accepted, screened for personal data (schemas module docstring)
            kind = head.kind if head else None
            try:
                payload = validate_payload(ev.type, ev.data, kind=kind, rules="stored")
            except InputError as exc:
                raise EventFormatError(str(exc)) from exc
            if payload != ev.data:
                raise EventFormatError("payload is not in its normal form")
            # 6. signature, key validity, role
            self._check_signer(signed, row.log_index, head)
            # 7. the row's time column (a convenience copy) says what was signed
            if row.at is not None and row.at != ev.at:
                raise EventFormatError(f"row says at {row.at!r}, signed text says {ev.at!r}")
        finally:
            self._advance(signed, head)
        return signed

    def _check_link(
        self, item: str, seq: int, prev: str | None, etype: EventType, head: _Head | None
    ) -> None:
        want_seq = 0 if head is None else head.seq + 1
        if seq != want_seq:
            raise ChainBreakError(f"seq is {seq}, expected {want_seq} (event missing or reordered)")
        want_prev = None if head is None else head.hash
        if prev != want_prev:
            raise ChainBreakError(f"prev is {prev}, expected {want_prev}")
        first = EventType.KEY if item == KEY_CHAIN else EventType.REGISTER
        if seq == 0 and etype is not first:
            raise ChainBreakError(f"chain starts with {etype}, expected {first}")
        if seq > 0 and etype is EventType.REGISTER:
            raise ChainBreakError("register at a seq other than 0")

    def _check_signer(self, signed: SignedEvent, log_index: int, head: _Head | None) -> None:
        ev = signed.event
        if ev.type is EventType.KEY:
            if ev.item != KEY_CHAIN:
                raise ChainBreakError("key events belong on the key chain")
            genesis = len(self.ring) == 0
            if genesis and "public_key" not in ev.data:
                raise VerificationError("the first key event must add an admin key")
            public = (
                bytes.fromhex(ev.data["public_key"]) if genesis else self.ring.get(ev.by).public_key
            )
            signed.verify_signature(public)
            if self._apply_keys:
                try:
                    self.ring.apply(data=ev.data, signer=ev.by, log_index=log_index)
                except KeyStateError as exc:
                    raise VerificationError(
                        f"key event does not fit the key history: {exc}"
                    ) from exc
            return
        if ev.item == KEY_CHAIN:
            raise ChainBreakError(f"a {ev.type} event cannot be on the key chain")
        acting_as = None
        if ev.type is EventType.CORRECT:
            target = ev.data["supersedes"]
            types = head.types if head else ""
            if target >= len(types):
                raise ChainBreakError(
                    f"correct supersedes event {target}, which does not precede it"
                )
            acting_as = _CODE_TYPE[types[target]]
            try:
                replacement = validate_correction(
                    acting_as, ev.data, kind=head.kind if head else None, rules="stored"
                )
            except InputError as exc:
                raise EventFormatError(str(exc)) from exc
            if replacement != ev.data.get("data"):
                raise EventFormatError("correction data is not in its normal form")
        record = self.ring.get(ev.by)
        signed.verify_signature(record.public_key)
        self.ring.authorise(
            key_id=ev.by, event_type=ev.type, log_index=log_index, acting_as=acting_as
        )

    def _advance(self, signed: SignedEvent, head: _Head | None) -> None:
        ev = signed.event
        kind = head.kind if head else ev.data.get("kind") if ev.item != KEY_CHAIN else None
        types = (head.types if head else "") + _TYPE_CODE[ev.type]
        self._heads[ev.item] = _Head(seq=ev.seq, hash=signed.hash, kind=kind, types=types)


def build_keyring(stored: Iterable[tuple[int, SignedEvent]]) -> KeyRing:
    """Build the key ring from key-chain events in order, verifying each; raise on failure."""
    checker = ChainChecker()
    for log_index, signed in stored:
        ev = signed.event
        checker.check(
            Row(
                log_index,
                ev.item,
                ev.seq,
                str(ev.type),
                ev.by,
                signed.hash,
                signed.body,
                signed.signature,
            )
        )
    return checker.ring


def check_rows(rows: Iterable[Row], ring: KeyRing) -> list[tuple[Row, VerificationError | None]]:
    """Check one item's rows (in log order) against a complete key ring; report each row."""
    checker = ChainChecker(ring)
    results: list[tuple[Row, VerificationError | None]] = []
    for row in rows:
        try:
            checker.check(row)
        except VerificationError as exc:
            results.append((row, exc))
        else:
            results.append((row, None))
    return results


def audit(engine: Engine, *, progress: Callable[[int], None] | None = None) -> AuditReport:
    """Check every stored event and the log's bookkeeping; return all findings."""
    report = AuditReport()
    checker = ChainChecker()
    expected_index = 0
    with engine.connect() as conn, engine.connect() as tree_conn:
        from ..log.tree_audit import TreeChecker

        tree = TreeChecker(tree_conn)
        head_size = conn.execute(select(log_head.c.size)).scalar()
        total = conn.execute(select(func.count()).select_from(events)).scalar_one()
        result = conn.execution_options(stream_results=True, yield_per=5_000).execute(
            select(
                events.c.log_index,
                events.c.item,
                events.c.seq,
                events.c.type,
                events.c.signer,
                events.c.hash,
                events.c.body,
                events.c.signature,
                events.c.at,
            ).order_by(events.c.log_index)
        )
        photos = PhotoChecker()
        for raw in result:
            row = Row(*raw)
            if row.log_index != expected_index:
                report.findings.append(
                    Finding(
                        row.item,
                        row.seq,
                        row.log_index,
                        "log",
                        f"log index jumps from {expected_index - 1} to {row.log_index} "
                        "(events deleted?)",
                    )
                )
            expected_index = row.log_index + 1
            digest = row.hash
            try:
                signed = checker.check(row)
                digest = signed.hash
                photos.add(signed.event, row.log_index)
            except VerificationError as exc:
                report.findings.append(
                    Finding(row.item, row.seq, row.log_index, _check_name(exc), str(exc))
                )
            try:
                leaf = event_leaf_hash(digest, bytes(row.signature))
            except ValueError:  # a stored hash that is not even hex: the leaf cannot match
                leaf = bytes(32)
            report.findings.extend(
                tree.add(leaf=leaf, item=row.item, seq=row.seq, index=row.log_index)
            )
            report.events += 1
            if progress and report.events % 1_000 == 0:
                progress(report.events)
        report.findings.extend(tree.finish())
        report.findings.extend(photos.finish(conn))
        report.findings.extend(anchor_findings(conn, int(head_size or 0)))
    if head_size != total or (total and expected_index != total):
        report.findings.append(
            Finding(
                "log",
                None,
                None,
                "log",
                f"log head says {head_size} events, table holds {total} "
                f"(last index {expected_index - 1})",
            )
        )
    if progress:
        progress(report.events)
    report.items = max(checker.items - 1, 0)  # the key chain is not an item
    return report


_CHECK_NAMES: dict[type[VerificationError], str] = {
    EventFormatError: "format",
    HashMismatchError: "hash",
    ChainBreakError: "chain",
    SignatureError: "signature",
    UnknownKeyError: "key",
    RevokedKeyError: "key-revoked",
    RoleError: "role",
}


def _check_name(exc: VerificationError) -> str:
    for cls in type(exc).__mro__:
        if cls in _CHECK_NAMES:
            return _CHECK_NAMES[cls]
    return "key-history"
