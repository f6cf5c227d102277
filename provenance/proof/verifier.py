"""The standalone verifier: check a proof bundle with no database, only (optionally) an
Ethereum RPC endpoint.

:func:`verify_bundle` runs every check it can and reports each by name (``passed``,
``failed``, or ``not_checked`` and why); it never raises on a bad bundle.
:func:`verify_bundle_strict` is the library form: it raises the first failure as a
:class:`~provenance.errors.VerificationError` subclass.

The checks, in order:

``format``      the document parses as a bundle of this version, within the size bounds;
``hashes``      each event's text is canonical and hashes to the hash it claims;
``chain``       the item's events (and the key chain) start at 0 and link, gaplessly;
``signatures``  each event's Ed25519 signature verifies under its signer's key;
``keys``        each signer's key was valid at that log position, with a role allowed to sign it;
``checkpoint``  the checkpoint note is signed by the log key (the bundle's, or a pinned one);
``inclusion``   each event (and key event) older than the checkpoint has an inclusion proof
                into its root;
``anchor``      the contract on chain holds the checkpoint's root for its size (needs an RPC).

Signatures, chain links and key rules are checked by the very code the ledger's audit uses
(:class:`~provenance.ledger.chain_audit.ChainChecker`), so the two cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import (
    AnchorError,
    AuthorizationError,
    ChainBreakError,
    ChainUnavailableError,
    CheckpointError,
    EventFormatError,
    HashMismatchError,
    ProofError,
    ProvenanceError,
    SignatureError,
    UnknownKeyError,
    VerificationError,
)
from ..ledger.chain_audit import ChainChecker, Row
from ..ledger.events import KEY_CHAIN
from ..log import merkle
from ..log.checkpoint import parse_verifier_key, verify_checkpoint
from ..log.tree import event_leaf_hash
from .bundle import BUNDLE_FORMAT, BUNDLE_VERSION, MAX_BUNDLE_BYTES, MAX_EVENTS

__all__ = [
    "CHECKS",
    "Check",
    "VerificationReport",
    "parse_bundle",
    "verify_bundle",
    "verify_bundle_strict",
]

CHECKS = ("format", "hashes", "chain", "signatures", "keys", "checkpoint", "inclusion", "anchor")

Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Hex = Annotated[str, Field(pattern=r"^[0-9a-f]*$", max_length=512)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BundleEvent(_Strict):
    log_index: int = Field(ge=0)
    item: str = Field(max_length=40)
    seq: int = Field(ge=0)
    type: str = Field(max_length=16)
    signer: str = Field(max_length=64)
    hash: str = Field(max_length=128)
    body: str = Field(max_length=256 * 1024)
    signature: Hex


class BundleLog(_Strict):
    origin: str = Field(max_length=256)
    public_key: Hex32
    verifier_key: str = Field(max_length=512)


class BundleCheckpoint(_Strict):
    size: int = Field(ge=1)
    root: Hex32
    note: str = Field(max_length=16 * 1024)


class BundleProof(_Strict):
    log_index: int = Field(ge=0)
    path: list[Hex32] = Field(max_length=64)


class BundleAnchor(_Strict):
    chain_id: int = Field(ge=1)
    contract: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    tx_hash: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    block_number: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    state: str = Field(max_length=16)
    ephemeral: bool


class Bundle(_Strict):
    """The bundle document (``docs/bundle.schema.json`` is generated from this model)."""

    format: Literal["provenance.bundle"]
    version: Literal[1]
    item: str = Field(max_length=40)
    created_at: str = Field(max_length=40)
    log: BundleLog | None
    events: list[BundleEvent] = Field(min_length=1, max_length=MAX_EVENTS)
    keys: list[BundleEvent] = Field(max_length=MAX_EVENTS)
    checkpoint: BundleCheckpoint | None
    proofs: list[BundleProof] = Field(max_length=2 * MAX_EVENTS)
    anchor: BundleAnchor | None
    unproven: list[int] = Field(max_length=MAX_EVENTS)
    notes: list[Annotated[str, Field(max_length=400)]] = Field(max_length=20)


Status = Literal["passed", "failed", "not_checked"]


@dataclass
class Check:
    """One named check and how it went."""

    name: str
    status: Status
    detail: str = ""
    error: VerificationError | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class VerificationReport:
    """Every check, in order."""

    item: str | None
    checks: list[Check]

    @property
    def ok(self) -> bool:
        """No check failed (some may not have been run: see :attr:`complete`)."""
        return all(c.status != "failed" for c in self.checks)

    @property
    def complete(self) -> bool:
        """Every check ran and passed."""
        return all(c.status == "passed" for c in self.checks)

    def check(self, name: str) -> Check:
        """The check called ``name``."""
        return next(c for c in self.checks if c.name == name)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "complete": self.complete,
            "item": self.item,
            "checks": [c.to_json() for c in self.checks],
        }


def parse_bundle(document: Any) -> Bundle:
    """Parse a bundle from bytes, text or an already-decoded object; :class:`EventFormatError`
    if it is not one (or is larger than :data:`MAX_BUNDLE_BYTES`)."""
    if isinstance(document, bytes | str):
        raw = document.encode() if isinstance(document, str) else document
        if len(raw) > MAX_BUNDLE_BYTES:
            raise EventFormatError(f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise EventFormatError(f"bundle is not valid JSON: {exc}") from exc
    if isinstance(document, dict) and (
        document.get("format") != BUNDLE_FORMAT or document.get("version") != BUNDLE_VERSION
    ):
        raise EventFormatError(
            f"not a {BUNDLE_FORMAT} version {BUNDLE_VERSION} document "
            f"(format {document.get('format')!r}, version {document.get('version')!r})"
        )
    try:
        return Bundle.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EventFormatError(f"bundle field {where}: {first['msg']}") from exc


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
    try:
        signature = bytes.fromhex(e.signature)
    except ValueError:  # odd length: pattern allows it
        signature = b""
    return Row(e.log_index, e.item, e.seq, e.type, e.signer, e.hash, e.body, signature)


def _check_events(bundle: Bundle) -> dict[str, Check]:
    failures: dict[str, list[tuple[str, VerificationError]]] = {}

    def fail(name: str, where: str, exc: VerificationError) -> None:
        failures.setdefault(name, []).append((where, exc))

    # The chains must be complete from seq 0, each event in its own chain, in log order.
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
        try:
            checker.check(_row(e))
        except VerificationError as exc:
            fail(_category(exc), f"{e.item} event {e.seq}", exc)
        except ProvenanceError as exc:  # an input error while parsing a doctored payload
            fail("hashes", f"{e.item} event {e.seq}", EventFormatError(str(exc)))
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


def _check_checkpoint(bundle: Bundle, pinned_key: str | None) -> tuple[Check, Any]:
    if bundle.checkpoint is None:
        return Check("checkpoint", "not_checked", "the bundle has no checkpoint yet"), None
    if bundle.log is None:
        exc = CheckpointError("the bundle names no log key to check the checkpoint with")
        return Check("checkpoint", "failed", str(exc), exc), None
    try:
        name, key = parse_verifier_key(bundle.log.verifier_key)
        if key.hex() != bundle.log.public_key or name != bundle.log.origin:
            raise CheckpointError("the bundle's verifier key does not match its log key")
        if pinned_key is not None:
            pin_name, pin_key = parse_verifier_key(pinned_key)
            if (pin_name, pin_key) != (name, key):
                raise CheckpointError(
                    f"the bundle's log key {bundle.log.verifier_key} is not the pinned one"
                )
        cp = verify_checkpoint(bundle.checkpoint.note, name=name, public_key=key)
        if (cp.size, cp.root.hex()) != (bundle.checkpoint.size, bundle.checkpoint.root):
            raise CheckpointError("the checkpoint fields differ from its signed note")
        if cp.origin != name:
            raise CheckpointError(f"checkpoint origin {cp.origin!r} is not the log's {name!r}")
    except VerificationError as exc:
        return Check("checkpoint", "failed", str(exc), exc), None
    how = "the pinned log key" if pinned_key else "the bundle's log key (pin it with --log-key)"
    return Check("checkpoint", "passed", f"size {cp.size}, signed by {how}"), cp


def _check_inclusion(bundle: Bundle, cp: Any) -> Check:
    if cp is None:
        return Check("inclusion", "not_checked", "no verified checkpoint to prove against")
    proofs = {p.log_index: p for p in bundle.proofs}
    proven = 0
    try:
        for e in [*bundle.keys, *bundle.events]:
            if e.log_index >= cp.size:
                continue
            proof = proofs.get(e.log_index)
            if proof is None:
                raise ProofError(f"no inclusion proof for {e.item} event {e.seq}")
            try:
                leaf = event_leaf_hash(e.hash, bytes.fromhex(e.signature))
            except ValueError as exc:
                raise ProofError(f"{e.item} event {e.seq} has a malformed hash") from exc
            try:
                merkle.verify_inclusion(
                    index=e.log_index,
                    size=cp.size,
                    leaf_hash=leaf,
                    proof=[bytes.fromhex(h) for h in proof.path],
                    root=cp.root,
                )
            except VerificationError as exc:
                return Check("inclusion", "failed", f"{e.item} event {e.seq}: {exc}", exc)
            proven += 1
    except VerificationError as exc:
        return Check("inclusion", "failed", str(exc), exc)
    newer = [e.seq for e in bundle.events if e.log_index >= cp.size]
    if set(bundle.unproven) != {e.log_index for e in bundle.events if e.log_index >= cp.size}:
        listed = ProofError("the bundle's 'unproven' list does not match its checkpoint")
        return Check("inclusion", "failed", str(listed), listed)
    detail = f"{proven} events in the tree of {cp.size}"
    if newer:
        detail += f"; {len(newer)} newest event(s) not yet in a checkpoint"
    return Check("inclusion", "passed", detail)


def _check_anchor(bundle: Bundle, cp: Any, rpc_url: str | None, chain_id: int | None) -> Check:
    anchor = bundle.anchor
    if anchor is None:
        return Check("anchor", "not_checked", "the checkpoint is not anchored yet")
    if cp is None:
        return Check("anchor", "not_checked", "no verified checkpoint to compare with")
    if anchor.tree_size != cp.size:
        wrong = AnchorError(f"anchor is for size {anchor.tree_size}, checkpoint for {cp.size}")
        return Check("anchor", "failed", str(wrong), wrong)
    if anchor.ephemeral:
        return Check(
            "anchor", "not_checked", "anchored on an ephemeral embedded chain, gone by now"
        )
    if rpc_url is None:
        return Check(
            "anchor",
            "not_checked",
            f"no RPC URL given (chain {anchor.chain_id}, contract {anchor.contract})",
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
    return Check(
        "anchor",
        "passed",
        f"chain {anchor.chain_id} contract {anchor.contract} holds the root "
        f"(tx {anchor.tx_hash}, block {anchor.block_number}, "
        f"{head - anchor.block_number + 1} confirmations)",
    )


def verify_bundle(
    document: Any,
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    log_key: str | None = None,
) -> VerificationReport:
    """Run every check the inputs allow; never raises on a bad bundle."""
    try:
        bundle = parse_bundle(document)
    except VerificationError as exc:
        checks = [Check("format", "failed", str(exc), exc)]
        checks += [Check(n, "not_checked", "the bundle could not be read") for n in CHECKS[1:]]
        return VerificationReport(None, checks)
    checks = [Check("format", "passed", f"{BUNDLE_FORMAT} v{BUNDLE_VERSION}")]
    events = _check_events(bundle)
    checks += [events[n] for n in ("hashes", "chain", "signatures", "keys")]
    cp_check, cp = _check_checkpoint(bundle, log_key)
    checks.append(cp_check)
    checks.append(_check_inclusion(bundle, cp))
    checks.append(_check_anchor(bundle, cp, rpc_url, chain_id))
    return VerificationReport(bundle.item, checks)


def verify_bundle_strict(
    document: Any,
    *,
    rpc_url: str | None = None,
    chain_id: int | None = None,
    log_key: str | None = None,
    require_anchor: bool = False,
) -> VerificationReport:
    """Library form: raise the first failed check's error; return the report otherwise."""
    report = verify_bundle(document, rpc_url=rpc_url, chain_id=chain_id, log_key=log_key)
    for check in report.checks:
        if check.status == "failed":
            raise check.error or VerificationError(f"{check.name}: {check.detail}")
    if require_anchor and report.check("anchor").status != "passed":
        raise AnchorError(f"anchor not verified: {report.check('anchor').detail}")
    return report
