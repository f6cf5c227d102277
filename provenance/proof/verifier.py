"""The standalone verifier: check a proof bundle with no database, only (optionally) an
Ethereum RPC endpoint and the store's published log key.

:func:`verify_bundle` runs every check it can and reports each by name (``passed``,
``failed``, or ``not_checked`` and why), and the outcome they add up to (``verified``,
``unproven``, ``failed``: see :mod:`provenance.proof.report`); it never raises on a bad
bundle. :func:`verify_bundle_strict` is the library form: it raises the first failure as a
:class:`~provenance.errors.VerificationError` subclass, and an unproven bundle as a
:class:`~provenance.errors.ProofError` unless told to allow it.

The checks, in order (docs/bundle.md specifies each step):

1. ``format``      the document is JSON (no duplicate keys, no NaN), within the size bounds,
                   a bundle of this version by :class:`~provenance.proof.schema.Bundle`, for
                   an item id whose check symbol holds;
2. ``hashes``      each event's text is RFC 8785 canonical, its envelope fields equal the
                   signed ones, its payload is valid, and it hashes to the hash it claims;
3. ``chain``       the item's events and the key chain each start at seq 0 and link by
                   ``prev``, gaplessly, each event in its own chain, log indices distinct;
4. ``signatures``  each event's Ed25519 signature over its hash verifies under its signer's
                   key;
5. ``keys``        the key chain is a valid history, and each signer's key was valid at that
                   log position with a role allowed to sign that event type;
6. ``checkpoint``  the checkpoint note is signed by the log key (the pinned one if given,
                   else the bundle's, reported as not pinned), for the log's origin, and says
                   the size and root the bundle says;
7. ``inclusion``   every event and key event inside the checkpoint's tree has exactly one
                   inclusion proof into its root, no other proof is given, and ``unproven``
                   lists exactly the item's events outside the tree;
8. ``anchor``      the contract on chain holds the checkpoint's root for its size (needs an
                   RPC; see :mod:`provenance.proof._anchor`).

Signatures, chain links and key rules are checked by the very code the ledger's audit uses
(:class:`~provenance.ledger.chain_audit.ChainChecker`), so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import (
    AnchorError,
    AuthorizationError,
    ChainBreakError,
    CheckpointError,
    EventFormatError,
    HashMismatchError,
    InputError,
    ProofError,
    ProvenanceError,
    SignatureError,
    UnknownKeyError,
    VerificationError,
)
from ..ledger.chain_audit import ChainChecker, Row
from ..ledger.itemid import parse_item_id
from ..log import merkle
from ..log.checkpoint import Checkpoint, parse_verifier_key, verify_checkpoint
from ..log.tree import event_leaf_hash
from ..vocab import KEY_CHAIN, EventType
from ._anchor import check_anchor
from .bundle import BUNDLE_FORMAT, BUNDLE_VERSION, MAX_BUNDLE_BYTES
from .report import CHECKS, Check, Outcome, VerificationReport, not_yet_checkpointed
from .schema import Bundle, BundleEvent
from .strictjson import loads_strict

__all__ = [
    "CHECKS",
    "Bundle",
    "Check",
    "Outcome",
    "VerificationReport",
    "parse_bundle",
    "parse_log_key",
    "verify_bundle",
    "verify_bundle_strict",
]


def parse_log_key(text: str) -> tuple[str, bytes]:
    """A log key to pin, in signed-note verifier-key form (``name+1a2b3c4d+AQ...``), as
    ``(name, public key)``; :class:`InputError` if it is not one (it is the caller's input,
    not the bundle's)."""
    try:
        return parse_verifier_key(text)
    except CheckpointError as exc:
        raise InputError(f"the log key to pin is not a verifier key: {exc}") from exc


def parse_bundle(document: Any) -> Bundle:
    """Parse a bundle from bytes, text or an already-decoded object; :class:`EventFormatError`
    if it is not one (or is larger than :data:`MAX_BUNDLE_BYTES`)."""
    if isinstance(document, bytes | str):
        raw = document.encode() if isinstance(document, str) else document
        if len(raw) > MAX_BUNDLE_BYTES:
            raise EventFormatError(f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
        document = loads_strict(raw)
    if isinstance(document, dict) and (
        document.get("format") != BUNDLE_FORMAT or document.get("version") != BUNDLE_VERSION
    ):
        raise EventFormatError(
            f"not a {BUNDLE_FORMAT} version {BUNDLE_VERSION} document "
            f"(format {document.get('format')!r}, version {document.get('version')!r})"
        )
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EventFormatError(f"bundle field {where}: {first['msg']}") from exc
    try:
        parse_item_id(bundle.item)  # the pattern holds; the check symbol must too
    except InputError as exc:
        raise EventFormatError(f"bundle field item: {exc}") from exc
    return bundle


# -- 2-5: the events, by the audit's own checker ---------------------------------------------

_CATEGORY: list[tuple[type[VerificationError], str]] = [
    (SignatureError, "signatures"),
    (HashMismatchError, "hashes"),
    (EventFormatError, "hashes"),
    (ChainBreakError, "chain"),
    (UnknownKeyError, "keys"),
    (AuthorizationError, "keys"),
]


def _category(exc: VerificationError) -> str:
    return next((name for cls, name in _CATEGORY if isinstance(exc, cls)), "keys")


def _row(e: BundleEvent) -> Row:
    return Row(
        e.log_index, e.item, e.seq, e.type, e.signer, e.hash, e.body, bytes.fromhex(e.signature)
    )


def _check_events(bundle: Bundle) -> dict[str, Check]:
    failures: dict[str, list[tuple[str, VerificationError]]] = {}

    def fail(name: str, where: str, exc: VerificationError) -> None:
        failures.setdefault(name, []).append((where, exc))

    # The chains must be complete from seq 0, each event in its own chain, in seq order.
    for chain_name, rows in ((bundle.item, bundle.events), (KEY_CHAIN, bundle.keys)):
        for expected, e in enumerate(rows):
            if e.item != chain_name or e.seq != expected:
                fail(
                    "chain",
                    f"{chain_name} event {expected}",
                    ChainBreakError(
                        f"expected {chain_name} event {expected}, found {e.item} event {e.seq}"
                    ),
                )
                break
    indices = [e.log_index for e in [*bundle.keys, *bundle.events]]
    if len(set(indices)) != len(indices):
        fail("chain", "log", ChainBreakError("two events claim the same log index"))
    checker = ChainChecker()
    for e in sorted([*bundle.keys, *bundle.events], key=lambda ev: ev.log_index):
        where = f"{e.item} event {e.seq}"
        try:
            checker.check(_row(e))
        except VerificationError as exc:
            fail(_category(exc), where, exc)
        except ProvenanceError as exc:  # an input error while parsing a doctored payload
            fail("hashes", where, EventFormatError(str(exc)))
        except (KeyError, TypeError, ValueError) as exc:  # a payload the rules did not foresee
            name = "keys" if e.type == EventType.KEY else "hashes"
            fail(name, where, EventFormatError(f"event cannot be checked: {exc!r}"))
    out: dict[str, Check] = {}
    counts = f"{len(bundle.events)} item and {len(bundle.keys)} key events"
    for name in ("hashes", "chain", "signatures", "keys"):
        if name in failures:
            where, first = failures[name][0]
            more = f" (and {len(failures[name]) - 1} more)" if len(failures[name]) > 1 else ""
            out[name] = Check(name, "failed", f"{where}: {first}{more}", first)
        else:
            out[name] = Check(name, "passed", counts)
    return out


# -- 6: the checkpoint ------------------------------------------------------------------------


def _check_checkpoint(
    bundle: Bundle, pinned: tuple[str, bytes] | None
) -> tuple[Check, Checkpoint | None]:
    if bundle.checkpoint is None:
        return Check(
            "checkpoint", "not_checked", "the bundle has no checkpoint (checkpoint: null)"
        ), None
    try:
        expected = pinned
        if bundle.log is not None:
            own = parse_verifier_key(bundle.log.verifier_key)
            if own != (bundle.log.origin, bytes.fromhex(bundle.log.public_key)):
                raise CheckpointError("the bundle's verifier key does not match its log key")
            if pinned is not None and pinned != own:
                raise CheckpointError(
                    f"the bundle's log key {bundle.log.verifier_key} is not the pinned one"
                )
            expected = own
        if expected is None:
            raise CheckpointError("the bundle names no log key to check the checkpoint with")
        name, key = expected
        # The log's origin is its key's name: one store, one log, one key.
        cp = verify_checkpoint(bundle.checkpoint.note, name=name, public_key=key, origin=name)
        if (cp.size, cp.root.hex()) != (bundle.checkpoint.size, bundle.checkpoint.root):
            raise CheckpointError("the checkpoint fields differ from its signed note")
    except VerificationError as exc:
        return Check("checkpoint", "failed", str(exc), exc), None
    how = "the pinned log key" if pinned else "the bundle's own log key (log key not pinned)"
    return Check("checkpoint", "passed", f"size {cp.size} of {name}, signed by {how}"), cp


# -- 7: inclusion -----------------------------------------------------------------------------


class _LocatedError(Exception):
    """A failure whose error keeps its own type and whose detail says where."""

    def __init__(self, detail: str, error: VerificationError) -> None:
        super().__init__(detail)
        self.detail = detail
        self.error = error


def _few(indices: list[int]) -> str:
    shown = ", ".join(map(str, indices[:5]))
    return (shown + f", ... {len(indices)} in all") if len(indices) > 5 else shown or "none"


def _unproven_claim(bundle: Bundle) -> ProofError | None:
    """With ``checkpoint: null`` nothing is proven, and the rest must say the same."""
    if bundle.proofs:
        return ProofError("the bundle has no checkpoint, yet carries inclusion proofs")
    listed = [e.log_index for e in bundle.events]
    if bundle.unproven != listed:
        return ProofError(
            f"the bundle has no checkpoint, so 'unproven' must list every item event "
            f"({_few(listed)}), not {_few(bundle.unproven)}"
        )
    return None


def _check_inclusion(bundle: Bundle, cp: Checkpoint | None) -> tuple[Check, list[int]]:
    everything = [*bundle.keys, *bundle.events]
    if cp is None:
        unproven = sorted(e.log_index for e in everything)
        wrong = _unproven_claim(bundle) if bundle.checkpoint is None else None
        if wrong is not None:
            return Check("inclusion", "failed", str(wrong), wrong), unproven
        return Check("inclusion", "not_checked", "no verified checkpoint to prove against"), (
            unproven
        )
    covered = [e for e in everything if e.log_index < cp.size]
    outside = sorted(e.log_index for e in everything if e.log_index >= cp.size)
    try:
        proofs: dict[int, list[str]] = {}
        for p in bundle.proofs:
            if p.log_index in proofs:
                raise ProofError(f"two inclusion proofs for log index {p.log_index}")
            proofs[p.log_index] = p.path
        stray = sorted(set(proofs) - {e.log_index for e in covered})
        if stray:
            raise ProofError(
                f"an inclusion proof for log index {stray[0]}, which is no event of the "
                f"bundle inside the tree of {cp.size}"
            )
        for e in covered:
            path = proofs.get(e.log_index)
            if path is None:
                raise ProofError(f"no inclusion proof for {e.item} event {e.seq}")
            try:
                merkle.verify_inclusion(
                    index=e.log_index,
                    size=cp.size,
                    leaf_hash=event_leaf_hash(e.hash, bytes.fromhex(e.signature)),
                    proof=[bytes.fromhex(h) for h in path],
                    root=cp.root,
                )
            except VerificationError as exc:
                raise _LocatedError(f"{e.item} event {e.seq}: {exc}", exc) from exc
        listed = [e.log_index for e in bundle.events if e.log_index >= cp.size]
        if bundle.unproven != listed:
            raise ProofError(
                f"the bundle's 'unproven' list ({_few(bundle.unproven)}) is not the log indices "
                f"of the item's events outside the checkpoint ({_few(listed)})"
            )
    except _LocatedError as failed:
        return Check("inclusion", "failed", failed.detail, failed.error), outside
    except VerificationError as exc:
        return Check("inclusion", "failed", str(exc), exc), outside
    detail = f"{len(covered)} events in the tree of {cp.size}"
    if outside:
        items = sum(1 for e in bundle.events if e.log_index >= cp.size)
        phrase = not_yet_checkpointed(items=items, keys=len(outside) - items)
        detail += f"; {phrase} not yet in a signed checkpoint"
    return Check("inclusion", "passed", detail), outside


def verify_bundle(
    document: Any,
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    log_key: str | None = None,
) -> VerificationReport:
    """Run every check the inputs allow; never raises on a bad bundle.

    ``log_key`` pins the store's published log key (signed-note verifier-key form); without
    it the checkpoint is checked against the key the bundle itself carries, which a forger
    can replace, and the report says ``log_key_pinned: false``. A malformed ``log_key`` is
    the caller's error: :class:`InputError`.
    """
    pinned = parse_log_key(log_key) if log_key is not None else None
    try:
        bundle = parse_bundle(document)
    except VerificationError as exc:
        checks = [Check("format", "failed", str(exc), exc)]
        checks += [Check(n, "not_checked", "the bundle could not be read") for n in CHECKS[1:]]
        return VerificationReport(None, checks, log_key_pinned=pinned is not None)
    checks = [Check("format", "passed", f"{BUNDLE_FORMAT} v{BUNDLE_VERSION}")]
    events = _check_events(bundle)
    checks += [events[n] for n in ("hashes", "chain", "signatures", "keys")]
    cp_check, cp = _check_checkpoint(bundle, pinned)
    checks.append(cp_check)
    inclusion, unproven = _check_inclusion(bundle, cp)
    checks.append(inclusion)
    checks.append(check_anchor(bundle, cp, rpc_url, chain_id))
    item_indices = {e.log_index for e in bundle.events}
    return VerificationReport(
        bundle.item,
        checks,
        log_key_pinned=pinned is not None,
        unproven=unproven,
        unproven_item_events=sum(1 for i in unproven if i in item_indices),
    )


def verify_bundle_strict(
    document: Any,
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    log_key: str | None = None,
    require_anchor: bool = False,
    allow_unproven: bool = False,
) -> VerificationReport:
    """Library form: raise the first failed check's error, :class:`ProofError` for an
    unproven bundle (unless ``allow_unproven``), :class:`AnchorError` for an anchor not
    verified (if ``require_anchor``); return the report otherwise."""
    report = verify_bundle(document, rpc_url=rpc_url, chain_id=chain_id, log_key=log_key)
    for check in report.checks:
        if check.status == "failed":
            raise check.error or VerificationError(f"{check.name}: {check.detail}")
    if report.outcome == "unproven" and not allow_unproven:
        raise ProofError(f"bundle is {report.summary}")
    if require_anchor and report.check("anchor").status != "passed":
        raise AnchorError(f"anchor not verified: {report.check('anchor').detail}")
    return report
