"""Make the bundle conformance vectors in this directory (see README.md here).

    .venv/bin/python docs/vectors/make_vectors.py            # rewrite docs/vectors/
    .venv/bin/python docs/vectors/make_vectors.py --out DIR  # write elsewhere (the test does)

A real ledger is built with the library on a temporary SQLite file: the store "Vector
Records" with fixed staff and log keys (Ed25519 private keys = SHA-256 of a label, so the
signatures are fixed too: RFC 8032 signing is deterministic), a fixed item id and a fixed
clock. Its own export gives the valid bundles; each invalid one is a valid bundle with one
change. Where a change would break several checks at once, the vector is resealed: its
events re-linked and re-signed with the generator's keys, the Merkle tree recomputed from
the bundle's leaves (the store holds only this item and its key chain, so the bundle holds
every leaf) and the checkpoint re-signed with the log key, so that the check named in the
vector is the one that fails. Every vector is run through the project's verifier before it
is written; a disagreement stops the script.

Each vector below is a function of the store (:class:`World`) returning the bundle (a dict,
or text for changes below JSON); its docstring is the vector's description.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from provenance import Ledger, Role, SigningKey
from provenance.errors import InputError
from provenance.ledger.canonical import EVENT_DOMAIN
from provenance.ledger.events import Event
from provenance.ledger.itemid import parse_item_id
from provenance.ledger.schemas import validate_payload
from provenance.log import merkle
from provenance.log.checkpoint import Checkpoint, key_id, sign_checkpoint, verifier_key
from provenance.log.transparency import TransparencyLog
from provenance.proof.bundle import build_bundle
from provenance.proof.verifier import verify_bundle
from provenance.storage import make_engine, upgrade
from provenance.types import KeyId
from provenance.vocab import CROCKFORD_ALPHABET, EventType

HERE = Path(__file__).resolve().parent
STORE = "Vector Records"
CREATED_AT = "2026-03-01T12:00:00Z"
VINYL = {
    "kind": "vinyl",
    "title": "Blue Train",
    "artist": "John Coltrane",
    "label": "Blue Note",
    "catalog_number": "BLP 1577",
    "matrix": {"A": "BN-LP-1577-A", "B": "BN-LP-1577-B"},
    "country": "US",
    "year": 1957,
}
GRADE = {"kind": "vinyl", "media": "VG+", "sleeve": "VG", "method": "play"}
TABLE_START, TABLE_END = "<!-- vectors: begin -->", "<!-- vectors: end -->"

Document = dict[str, Any]


def seeded_key(label: str) -> SigningKey:
    """An Ed25519 key whose private key is SHA-256("provenance/vectors/" + label)."""
    seed = hashlib.sha256(f"provenance/vectors/{label}".encode()).digest()
    return SigningKey.from_private(Ed25519PrivateKey.from_private_bytes(seed))


def valid_item_id(ten: str) -> str:
    """The item id of ten Crockford symbols with its check symbol (found by trying each)."""
    for symbol in CROCKFORD_ALPHABET:
        try:
            return str(parse_item_id(ten + symbol))
        except InputError:
            continue
    raise AssertionError(f"no check symbol for {ten}")


RECORD = valid_item_id("7KQ2M9XDPA")
OTHER_ITEM = valid_item_id("0VECT0R5X0")


class Clock:
    """The time the ledger sees, set by the script before each step."""

    def __init__(self) -> None:
        self.now = "2026-03-01T09:00:00Z"

    def __call__(self) -> str:
        return self.now


@contextmanager
def fixed_world(clock: Clock, item_ids: list[str]) -> Iterator[None]:
    """Patch the clock (wherever a module imported ``utc_now``) and the item-id draw."""
    import provenance.clock

    real = provenance.clock.utc_now
    ids = iter(item_ids)
    with ExitStack() as stack:
        for name, module in list(sys.modules.items()):
            if name.startswith("provenance") and getattr(module, "utc_now", None) is real:
                stack.enter_context(mock.patch.object(module, "utc_now", clock))
        stack.enter_context(mock.patch("provenance.ledger.ledger.new_item_id", lambda: next(ids)))
        yield


@dataclass
class World:
    """The store's keys and bundles, and everything a mutation needs."""

    keys: dict[str, SigningKey]
    log_key: SigningKey
    origin: str
    proven: Document  # every event in the checkpoint
    newer: Document  # the same store later: two events newer than its checkpoint
    by_id: dict[str, SigningKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {k.key_id: k for k in [*self.keys.values(), self.log_key]}

    @property
    def pin(self) -> str:
        return verifier_key(self.origin, self.log_key.public)


def build_world() -> World:
    """The store, built through :class:`Ledger` and exported with :func:`build_bundle`."""
    keys = {
        name: seeded_key(name)
        for name in ("admin", "rick", "anna", "gus", "rita", "forger-admin", "forger-rick")
    }
    log_key = seeded_key("log")
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'ledger.db'}", create=True)
        try:
            upgrade(engine)
            with fixed_world(clock, [RECORD]):
                world = _history(engine, clock, keys, log_key)
        finally:
            engine.dispose()
    return world


def _history(engine: Any, clock: Clock, keys: dict[str, SigningKey], log_key: SigningKey) -> World:
    ledger = Ledger(engine)
    log = TransparencyLog(engine)
    admin, rick, anna, gus, rita = (keys[n] for n in ("admin", "rick", "anna", "gus", "rita"))

    def at(minute: int) -> None:
        clock.now = f"2026-03-01T09:{minute:02d}:00Z"

    at(0)
    ledger.initialise(store_name=STORE, admin=admin, admin_name="admin")  # log index 0
    identity = log.set_identity(log_key, store_name=STORE)
    at(1)
    ledger.add_key(signer=admin, new_key=rick, role=Role.REGISTRAR, name="rick")  # 1
    at(2)
    ledger.add_key(signer=admin, new_key=anna, role=Role.GRADER, name="anna")  # 2
    at(3)
    ledger.add_key(signer=admin, new_key=gus, role=Role.GRADER, name="gus")  # 3
    at(10)
    item = ledger.register(signer=rick, data=VINYL).event.item  # 4: seq 0
    at(11)
    ledger.append(signer=anna, item=item, event_type=EventType.GRADE, data=GRADE)  # 5: seq 1
    at(12)
    note = {"text": "Plays through without skips."}
    ledger.append(signer=gus, item=item, event_type=EventType.NOTE, data=note)  # 6: seq 2
    at(20)
    ledger.rotate_key(signer=admin, old=rick.key_id, new_key=rita, name="rita")  # 7
    at(21)
    correction = {
        "supersedes": 1,
        "reason": "Sleeve re-examined.",
        "data": {**GRADE, "sleeve": "VG+"},
    }
    ledger.append(signer=anna, item=item, event_type=EventType.CORRECT, data=correction)  # 8
    at(30)
    ledger.revoke_key(signer=admin, key_id=gus.key_id, reason="Left the shop.")  # 9
    at(31)
    tag = {"commitment": hashlib.sha256(b"provenance/vectors/tag").hexdigest()}
    ledger.append(signer=rita, item=item, event_type=EventType.TAG, data=tag)  # 10: seq 4
    at(40)
    log.checkpoint(log_key)  # size 11: every event above
    clock.now = CREATED_AT
    proven = build_bundle(engine, item)
    at(50)
    ledger.append(signer=anna, item=item, event_type=EventType.NOTE, data={"text": "Cleaned."})
    at(51)
    status = {"status": "missing", "note": "Not on the shelf at stock-take."}
    ledger.append(signer=rita, item=item, event_type=EventType.STATUS, data=status)
    clock.now = CREATED_AT
    newer = build_bundle(engine, item)
    return World(keys, log_key, identity.origin, proven, newer)


# -- resealing --------------------------------------------------------------------------------

Edit = Callable[[Document], Document]


def body_bytes(obj: Document) -> bytes:
    """RFC 8785 bytes (rfc8785 itself, so that a float can be written where one is wanted)."""
    return rfc8785.dumps(obj)


def reseal(
    w: World,
    bundle: Document,
    *,
    edits: dict[tuple[str, int], Edit] | None = None,
    sign_as: dict[tuple[str, int], SigningKey] | None = None,
    relink: bool = True,
) -> Document:
    """``bundle`` with ``edits`` applied to event bodies (by list and position), every event
    re-linked (``prev``) and re-signed by the key its ``by`` names (or ``sign_as``), and the
    tree, proofs and checkpoint recomputed and re-signed."""
    b = copy.deepcopy(bundle)
    for part in ("keys", "events"):
        prev: str | None = None
        for pos, e in enumerate(b[part]):
            obj = json.loads(e["body"])
            if relink and pos > 0:
                obj["prev"] = prev
            if edits and (part, pos) in edits:
                obj = edits[(part, pos)](obj)
            body = body_bytes(obj)
            digest = hashlib.sha256(EVENT_DOMAIN + body).hexdigest()
            key = (sign_as or {}).get((part, pos)) or w.by_id[obj["by"]]
            e.update(
                item=obj["item"],
                seq=obj["seq"],
                type=obj["type"],
                signer=obj["by"],
                hash=digest,
                body=body.decode(),
                signature=key.sign(bytes.fromhex(digest)).hex(),
            )
            prev = digest
    return prove(w, b)


def leaf(e: Document) -> bytes:
    """RFC 9162 leaf hash of an event: SHA-256(0x00 || hash || signature)."""
    return merkle.leaf_hash(bytes.fromhex(e["hash"]) + bytes.fromhex(e["signature"]))


def prove(w: World, bundle: Document, *, size: int | None = None) -> Document:
    """Recompute the tree over the bundle's leaves, its proofs and a signed checkpoint."""
    b = copy.deepcopy(bundle)
    everything = sorted([*b["keys"], *b["events"]], key=lambda e: e["log_index"])
    assert [e["log_index"] for e in everything] == list(range(len(everything)))
    size = size if size is not None else b["checkpoint"]["size"]
    leaves = [leaf(e) for e in everything][:size]
    root = merkle.root_from_leaves(leaves)
    b["checkpoint"] = {
        "size": size,
        "root": root.hex(),
        "note": sign_checkpoint(Checkpoint(w.origin, size, root), name=w.origin, key=w.log_key),
    }
    b["proofs"] = [
        {"log_index": e["log_index"], "path": [h.hex() for h in merkle.inclusion_path(i, leaves)]}
        for e in [*b["keys"], *b["events"]]
        if (i := e["log_index"]) < size
    ]
    b["unproven"] = [e["log_index"] for e in b["events"] if e["log_index"] >= size]
    return b


def flip(text: str, index: int = 0) -> str:
    """``text`` with the low bit of the hex digit at ``index`` flipped."""
    return text[:index] + format(int(text[index], 16) ^ 1, "x") + text[index + 1 :]


def note_with_line(note: str, name: str, key: SigningKey) -> str:
    """A checkpoint note with one more signature line, by ``key`` under ``name`` (written by
    hand: sign_checkpoint refuses names signed-note forbids)."""
    text = note.split("\n\n")[0] + "\n"
    raw = key_id(name, key.public) + key.sign(text.encode())
    return f"{note}\u2014 {name} {base64.b64encode(raw).decode()}\n"


def forged_from_scratch(w: World, *, item: str, log: bool) -> Document:
    """A bundle made from nothing for ``item``: the forger's own admin and registrar keys,
    and (with ``log``) the forger's own log key and checkpoint; else no checkpoint at all."""
    fa, fr = w.keys["forger-admin"], w.keys["forger-rick"]
    signed = []
    rows: list[tuple[str, EventType, SigningKey, Document]] = [
        (
            "keys",
            EventType.KEY,
            fa,
            {"action": "add", "key": fa.key_id, "public_key": fa.public.hex(), "role": "admin"},
        ),
        (
            "keys",
            EventType.KEY,
            fa,
            {"action": "add", "key": fr.key_id, "public_key": fr.public.hex(), "role": "registrar"},
        ),
        (item, EventType.REGISTER, fr, VINYL),
    ]
    heads: dict[str, tuple[int, Any]] = {}
    for index, (chain, etype, key, data) in enumerate(rows):
        seq, prev = heads.get(chain, (-1, None))
        normal = validate_payload(etype, data, kind=None)  # as the ledger stores it
        event = Event(
            chain, seq + 1, prev, etype, "2026-03-01T09:00:00Z", KeyId(key.key_id), normal
        )
        s = event.sign(key)
        heads[chain] = (seq + 1, s.hash)
        signed.append(
            {
                "log_index": index,
                "item": chain,
                "seq": seq + 1,
                "type": str(etype),
                "signer": key.key_id,
                "hash": s.hash,
                "body": s.body,
                "signature": s.signature.hex(),
            }
        )
    bundle: Document = {
        "format": "provenance.bundle",
        "version": 1,
        "item": item,
        "created_at": CREATED_AT,
        "log": None,
        "events": [e for e in signed if e["item"] == item],
        "keys": [e for e in signed if e["item"] == "keys"],
        "checkpoint": None,
        "proofs": [],
        "anchor": None,
        "unproven": [2],
        "notes": [],
    }
    if not log:
        return bundle
    forger_log = seeded_key("forger-log")
    fw = World(w.keys, forger_log, w.origin, bundle, bundle)
    bundle["log"] = {
        "origin": w.origin,
        "public_key": forger_log.public.hex(),
        "verifier_key": verifier_key(w.origin, forger_log.public),
    }
    return prove(fw, bundle, size=3)


def anchored(bundle: Document, *, ephemeral: bool = False) -> Document:
    """``bundle`` with anchor coordinates (illustrative: no chain holds them; offline the
    anchor check is not_checked)."""
    b = copy.deepcopy(bundle)
    b["anchor"] = {
        "chain_id": 31337,
        "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "tx_hash": "0x" + hashlib.sha256(b"provenance/vectors/anchor-tx").hexdigest(),
        "block_number": 2,
        "tree_size": b["checkpoint"]["size"],
        "state": "final",
        "ephemeral": ephemeral,
    }
    b["notes"] = [n for n in b["notes"] if "not anchored" not in n]
    return b


# -- the vectors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vector:
    """One vector: how to make its bundle, and what a verifier must say of it."""

    name: str
    outcome: str
    check: str | None  # the check that must fail (failed vectors only)
    make: Callable[[World], Document | str]
    pinned: bool  # pin the store's log key

    @property
    def description(self) -> str:
        return " ".join((self.make.__doc__ or "").split())

    def document(self, w: World) -> dict[str, Any]:
        """The vector file's content, checked against the project's verifier."""
        made = self.make(w)
        doc: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "log_key": w.pin if self.pinned else None,
            "expected": {"outcome": self.outcome, "check": self.check},
        }
        doc["bundle_text" if isinstance(made, str) else "bundle"] = made
        report = verify_bundle(made, log_key=doc["log_key"])
        if self.outcome != "failed":
            doc["expected"]["unproven"] = report.unproven
            doc["expected"]["log_key_pinned"] = self.pinned
        failed = [c.name for c in report.checks if c.status == "failed"]
        doc["project_verifier"] = {"failed": failed, "summary": report.summary}
        wrong_check = self.check is not None and self.check not in failed
        if report.outcome != self.outcome or wrong_check:
            raise SystemExit(f"{self.name}: the project's verifier says {report.summary}")
        return doc


VECTORS: list[Vector] = []


def vector(
    name: str, outcome: str, check: str | None = None, *, pinned: bool = True
) -> Callable[[Callable[[World], Any]], Callable[[World], Any]]:
    """Register the decorated function as the vector ``name``."""

    def register(make: Callable[[World], Any]) -> Callable[[World], Any]:
        VECTORS.append(Vector(name, outcome, check, make, pinned))
        return make

    return register


def proven(w: World) -> Document:
    """A copy of the fully proven export."""
    return copy.deepcopy(w.proven)


def text(w: World) -> str:
    """The fully proven export as JSON text."""
    return json.dumps(w.proven, indent=2, sort_keys=True)


def resealed(w: World, part: str, pos: int, edit: Edit, key: str | None = None) -> Document:
    """The proven export with one event's body edited, resealed (signed by ``key`` if named)."""
    sign_as = {(part, pos): w.keys[key]} if key else None
    return reseal(w, w.proven, edits={(part, pos): edit}, sign_as=sign_as)


def with_data(**fields: Any) -> Edit:
    """An edit replacing payload fields."""
    return lambda o: {**o, "data": {**o["data"], **fields}}


# verified ------------------------------------------------------------------------------------


@vector("verified-proven", "verified")
def v_proven(w: World) -> Document:
    """The store's own export: every event and key event is in the signed checkpoint; the
    store's log key is pinned."""
    return proven(w)


@vector("verified-anchor-recorded", "verified")
def v_anchor_recorded(w: World) -> Document:
    """As verified-proven, with the anchor's coordinates. Offline the anchor is not_checked,
    which still allows verified (the coordinates are illustrative: no chain holds them)."""
    return anchored(w.proven)


@vector("verified-anchor-ephemeral", "verified")
def v_anchor_ephemeral(w: World) -> Document:
    """Anchored only on an ephemeral chain: the anchor is not_checked; the log proof stands."""
    return anchored(w.proven, ephemeral=True)


@vector("verified-witness-cosigned", "verified")
def v_witness(w: World) -> Document:
    """The checkpoint note carries a second, valid signature line by a witness key: signers
    other than the log key are ignored."""
    b = proven(w)
    cp = b["checkpoint"]
    cp["note"] = note_with_line(cp["note"], "witness.example/w1", seeded_key("witness"))
    return b


@vector("verified-unpinned", "verified", pinned=False)
def v_unpinned(w: World) -> Document:
    """The store's own export checked without a pinned key: verified, log_key_pinned false."""
    return proven(w)


@vector("verified-unpinned-forgery", "verified", pinned=False)
def v_unpinned_forgery(w: World) -> Document:
    """Forged from scratch with the forger's own staff keys, log key and checkpoint: it
    verifies when the log key is not pinned, which is why a verifier must pin it (see
    failed-checkpoint-forged-from-scratch)."""
    return forged_from_scratch(w, item=w.proven["item"], log=True)


# unproven ------------------------------------------------------------------------------------


@vector("unproven-newest-events", "unproven")
def u_newest(w: World) -> Document:
    """The store's own export after two more events: they are not yet in a signed
    checkpoint (the other events are)."""
    return copy.deepcopy(w.newer)


@vector("unproven-no-checkpoint", "unproven")
def u_no_checkpoint(w: World) -> Document:
    """An export from before any checkpoint: checkpoint null, no proofs, every item event
    listed as unproven."""
    b = proven(w)
    b.update(checkpoint=None, proofs=[], unproven=[e["log_index"] for e in b["events"]])
    return b


@vector("unproven-forged-from-scratch", "unproven")
def u_forged(w: World) -> Document:
    """Forged from scratch for the real item id with the forger's own admin and registrar
    keys, checkpoint null: every signature and link holds, and nothing is proven."""
    return forged_from_scratch(w, item=w.proven["item"], log=False)


# failed: format ------------------------------------------------------------------------------


@vector("failed-format-trailing-garbage", "failed", "format")
def f_trailing(w: World) -> str:
    """Valid JSON followed by more text."""
    return text(w) + "\nx"


@vector("failed-format-duplicate-key", "failed", "format")
def f_duplicate_key(w: World) -> str:
    """The top-level 'item' given twice: parsers disagree on which one wins."""
    return text(w).replace('\n  "item": ', '\n  "item": "00000-00000-0",\n  "item": ', 1)


@vector("failed-format-nan", "failed", "format")
def f_nan(w: World) -> str:
    """NaN where an integer belongs: not JSON."""
    return text(w).replace('"version": 1', '"version": NaN', 1)


@vector("failed-format-version-2", "failed", "format")
def f_version(w: World) -> Document:
    """Version 2 of the format."""
    return {**proven(w), "version": 2}


@vector("failed-format-extra-field", "failed", "format")
def f_extra(w: World) -> Document:
    """An unknown top-level field."""
    return {**proven(w), "extra": True}


@vector("failed-format-extra-event-field", "failed", "format")
def f_extra_event(w: World) -> Document:
    """An unknown field in an event."""
    b = proven(w)
    b["events"][0]["comment"] = "hello"
    return b


@vector("failed-format-hash-upper-case", "failed", "format")
def f_upper(w: World) -> Document:
    """An event hash in upper-case hex."""
    b = proven(w)
    b["events"][1]["hash"] = b["events"][1]["hash"].upper()
    return b


@vector("failed-format-signature-short", "failed", "format")
def f_short_signature(w: World) -> Document:
    """A signature of 127 hex digits."""
    b = proven(w)
    b["events"][1]["signature"] = b["events"][1]["signature"][:-1]
    return b


@vector("failed-format-seq-as-string", "failed", "format")
def f_seq_string(w: World) -> Document:
    """seq as the string "1" (a JSON integer is required)."""
    b = proven(w)
    b["events"][1]["seq"] = "1"
    return b


@vector("failed-format-item-lower-case", "failed", "format")
def f_item_lower(w: World) -> Document:
    """The bundle's item id in lower case (the printed form is upper case)."""
    b = proven(w)
    b["item"] = b["item"].lower()
    return b


@vector("failed-format-item-check-symbol", "failed", "format")
def f_item_check(w: World) -> Document:
    """The bundle's item id with a wrong check symbol (a typo no store would print)."""
    b = proven(w)
    last = b["item"][-1]
    b["item"] = b["item"][:-1] + ("0" if last != "0" else "1")
    return b


@vector("failed-format-signer-short", "failed", "format")
def f_signer_short(w: World) -> Document:
    """A signer key id of 31 hex digits."""
    b = proven(w)
    b["events"][0]["signer"] = b["events"][0]["signer"][:-1]
    return b


# failed: hashes ------------------------------------------------------------------------------


@vector("failed-hashes-hash-bit-flip", "failed", "hashes")
def h_flip(w: World) -> Document:
    """One bit of an event's hash flipped."""
    b = proven(w)
    b["events"][1]["hash"] = flip(b["events"][1]["hash"])
    return b


@vector("failed-hashes-body-edited", "failed", "hashes")
def h_edited(w: World) -> Document:
    """The grade's signed text edited (VG+ to NM); hash and signature left as they were."""
    b = proven(w)
    b["events"][1]["body"] = b["events"][1]["body"].replace('"VG+"', '"NM"')
    return b


@vector("failed-hashes-body-not-canonical", "failed", "hashes")
def h_not_canonical(w: World) -> Document:
    """A space added to the signed text: not RFC 8785 canonical."""
    b = proven(w)
    b["events"][1]["body"] = b["events"][1]["body"].replace(",", ", ", 1)
    return b


@vector("failed-hashes-envelope-type", "failed", "hashes")
def h_envelope_type(w: World) -> Document:
    """The envelope says 'note' where the signed text says 'grade'."""
    b = proven(w)
    b["events"][1]["type"] = "note"
    return b


@vector("failed-hashes-envelope-signer", "failed", "hashes")
def h_envelope_signer(w: World) -> Document:
    """The envelope names another signer than the signed text."""
    b = proven(w)
    b["events"][1]["signer"] = flip(b["events"][1]["signer"], 5)
    return b


@vector("failed-hashes-invalid-payload", "failed", "hashes")
def h_payload(w: World) -> Document:
    """A grade whose media grade is not on the Goldmine scale (resealed)."""
    return resealed(w, "events", 1, with_data(media="XX"))


@vector("failed-hashes-impossible-date", "failed", "hashes")
def h_date(w: World) -> Document:
    """An event dated 30 February (resealed)."""
    return resealed(w, "events", 1, lambda o: {**o, "at": "2026-02-30T09:11:00Z"})


@vector("failed-hashes-float", "failed", "hashes")
def h_float(w: World) -> Document:
    """A float in a payload (resealed): signed data carries integers only."""
    return resealed(w, "events", 1, with_data(media=1.5))


# failed: chain -------------------------------------------------------------------------------


@vector("failed-chain-wrong-seq", "failed", "chain")
def c_seq(w: World) -> Document:
    """Item event 2 claims seq 3 (resealed)."""
    return resealed(w, "events", 2, lambda o: {**o, "seq": 3})


@vector("failed-chain-wrong-prev", "failed", "chain")
def c_prev(w: World) -> Document:
    """Item event 2 links to event 0 instead of event 1 (resealed)."""
    first = w.proven["events"][0]["hash"]
    return resealed(w, "events", 2, lambda o: {**o, "prev": first})


@vector("failed-chain-missing-event", "failed", "chain")
def c_missing(w: World) -> Document:
    """Item event 2 left out."""
    b = proven(w)
    b["events"].pop(2)
    return b


@vector("failed-chain-duplicate-event", "failed", "chain")
def c_duplicate(w: World) -> Document:
    """Item event 1 given twice."""
    b = proven(w)
    b["events"].insert(2, copy.deepcopy(b["events"][1]))
    return b


@vector("failed-chain-reordered", "failed", "chain")
def c_reordered(w: World) -> Document:
    """Item events 1 and 2 swapped."""
    b = proven(w)
    b["events"].insert(1, b["events"].pop(2))
    return b


@vector("failed-chain-wrong-item", "failed", "chain")
def c_item(w: World) -> Document:
    """The bundle names another (valid) item id than its events do."""
    return {**proven(w), "item": OTHER_ITEM}


@vector("failed-chain-key-event-removed", "failed", "chain")
def c_key_removed(w: World) -> Document:
    """A key event in the middle of the key chain left out."""
    b = proven(w)
    b["keys"].pop(2)
    return b


@vector("failed-chain-duplicate-log-index", "failed", "chain")
def c_log_index(w: World) -> Document:
    """Two events claim the same log index."""
    b = proven(w)
    b["events"][1]["log_index"] = b["events"][0]["log_index"]
    return b


@vector("failed-chain-register-later", "failed", "chain")
def c_register(w: World) -> Document:
    """A second register event, at seq 4 (resealed)."""
    return resealed(w, "events", 4, lambda o: {**o, "type": "register", "data": VINYL})


@vector("failed-chain-key-event-on-item", "failed", "chain")
def c_key_on_item(w: World) -> Document:
    """A key event on the item's chain (resealed, signed by the admin)."""
    data = {**json.loads(w.proven["keys"][1]["body"])["data"]}
    edit: Edit = lambda o: {**o, "type": "key", "by": w.keys["admin"].key_id, "data": data}  # noqa: E731
    return resealed(w, "events", 4, edit, key="admin")


# failed: signatures --------------------------------------------------------------------------


@vector("failed-signatures-bit-flip", "failed", "signatures")
def s_flip(w: World) -> Document:
    """One bit of an item event's signature flipped."""
    b = proven(w)
    b["events"][1]["signature"] = flip(b["events"][1]["signature"], 10)
    return b


@vector("failed-signatures-key-event", "failed", "signatures")
def s_key_event(w: World) -> Document:
    """One bit of a key event's signature flipped."""
    b = proven(w)
    b["keys"][1]["signature"] = flip(b["keys"][1]["signature"], 3)
    return b


@vector("failed-signatures-other-key", "failed", "signatures")
def s_other_key(w: World) -> Document:
    """The grade signed by the admin key while it names the grader as its signer
    (resealed)."""
    return resealed(w, "events", 1, lambda o: o, key="admin")


# failed: keys --------------------------------------------------------------------------------


@vector("failed-keys-revoked-signer", "failed", "keys")
def k_revoked(w: World) -> Document:
    """The last event signed by gus after gus's key was revoked (resealed)."""
    gus = w.keys["gus"].key_id
    edit: Edit = lambda o: {**o, "by": gus, "type": "note", "data": {"text": "Late note."}}  # noqa: E731
    return resealed(w, "events", 4, edit, key="gus")


@vector("failed-keys-rotated-out", "failed", "keys")
def k_rotated(w: World) -> Document:
    """The last event signed by rick's key after it was rotated to rita's (resealed)."""
    return resealed(w, "events", 4, lambda o: {**o, "by": w.keys["rick"].key_id}, key="rick")


@vector("failed-keys-wrong-role", "failed", "keys")
def k_role(w: World) -> Document:
    """The grade signed by the registrar, whose role may not grade (resealed)."""
    return resealed(w, "events", 1, lambda o: {**o, "by": w.keys["rick"].key_id}, key="rick")


@vector("failed-keys-unknown-signer", "failed", "keys")
def k_unknown(w: World) -> Document:
    """The last event signed by a key the key chain never added (resealed)."""
    stranger = seeded_key("stranger")
    edit: Edit = lambda o: {**o, "by": stranger.key_id}  # noqa: E731
    return reseal(w, w.proven, edits={("events", 4): edit}, sign_as={("events", 4): stranger})


@vector("failed-keys-key-events-dropped", "failed", "keys")
def k_dropped(w: World) -> Document:
    """The rotation and the revocation left out of the key chain with their proofs (the
    chain stays gapless): the tag's signer is unknown."""
    b = proven(w)
    dropped = {e["log_index"] for e in b["keys"][4:]}
    b["keys"] = b["keys"][:4]
    b["proofs"] = [p for p in b["proofs"] if p["log_index"] not in dropped]
    return b


@vector("failed-keys-not-admin", "failed", "keys")
def k_not_admin(w: World) -> Document:
    """Gus's key added by the registrar, not by an admin (resealed)."""
    return resealed(w, "keys", 3, lambda o: {**o, "by": w.keys["rick"].key_id}, key="rick")


@vector("failed-keys-key-id-mismatch", "failed", "keys")
def k_key_id(w: World) -> Document:
    """A key event whose key id is not the first 16 bytes of SHA-256 of its public key
    (resealed)."""
    key = flip(json.loads(w.proven["keys"][3]["body"])["data"]["key"])
    return resealed(w, "keys", 3, with_data(key=key))


@vector("failed-keys-genesis-not-admin", "failed", "keys")
def k_genesis(w: World) -> Document:
    """The first key event adds a registrar key, not an admin key (resealed)."""
    return resealed(w, "keys", 0, with_data(role="registrar"))


@vector("failed-keys-genesis-revoke", "failed", "keys")
def k_genesis_revoke(w: World) -> Document:
    """The first key event revokes a key instead of adding the admin key (resealed)."""
    return resealed(w, "keys", 0, lambda o: {**o, "data": {"action": "revoke", "key": o["by"]}})


# failed: checkpoint --------------------------------------------------------------------------


@vector("failed-checkpoint-wrong-pinned-key", "failed", "checkpoint")
def p_wrong_key(w: World) -> Document:
    """The log block and the checkpoint are the forger's own (re-signed with the forger's
    log key); the pinned key is the store's."""
    forger = seeded_key("forger-log")
    b = proven(w)
    b["log"] = {
        "origin": w.origin,
        "public_key": forger.public.hex(),
        "verifier_key": verifier_key(w.origin, forger.public),
    }
    return prove(World(w.keys, forger, w.origin, b, b), b)


@vector("failed-checkpoint-forged-from-scratch", "failed", "checkpoint")
def p_forged(w: World) -> Document:
    """Forged from scratch with the forger's own staff and log keys; the store's log key is
    pinned."""
    return forged_from_scratch(w, item=w.proven["item"], log=True)


@vector("failed-checkpoint-wrong-origin", "failed", "checkpoint")
def p_origin(w: World) -> Document:
    """The checkpoint re-signed by the log key for another origin line."""
    b = proven(w)
    cp = b["checkpoint"]
    other = Checkpoint("provenance.log/other-records", cp["size"], bytes.fromhex(cp["root"]))
    cp["note"] = sign_checkpoint(other, name=w.origin, key=w.log_key)
    return b


@vector("failed-checkpoint-root-field", "failed", "checkpoint")
def p_root_field(w: World) -> Document:
    """The checkpoint's root field differs from its signed note."""
    b = proven(w)
    b["checkpoint"]["root"] = flip(b["checkpoint"]["root"])
    return b


@vector("failed-checkpoint-size-field", "failed", "checkpoint")
def p_size_field(w: World) -> Document:
    """The checkpoint's size field differs from its signed note."""
    b = proven(w)
    b["checkpoint"]["size"] -= 1
    return b


@vector("failed-checkpoint-note-root-edited", "failed", "checkpoint")
def p_note_root(w: World) -> Document:
    """The root line of the signed note changed, the signature left."""
    b = proven(w)
    lines = b["checkpoint"]["note"].split("\n")
    lines[2] = ("B" if lines[2][0] != "B" else "C") + lines[2][1:]
    b["checkpoint"]["note"] = "\n".join(lines)
    return b


@vector("failed-checkpoint-signature-bit-flip", "failed", "checkpoint")
def p_signature(w: World) -> Document:
    """One bit of the log key's signature flipped."""
    b = proven(w)
    body, block = b["checkpoint"]["note"].split("\n\n")
    prefix, encoded = block.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    b["checkpoint"]["note"] = f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    return b


@vector("failed-checkpoint-plus-in-key-name", "failed", "checkpoint")
def p_plus(w: World) -> Document:
    """A second signature line whose key name contains '+' (signed-note forbids it)."""
    b = proven(w)
    cp = b["checkpoint"]
    cp["note"] = note_with_line(cp["note"], "witness+example", seeded_key("witness"))
    return b


@vector("failed-checkpoint-nbsp-in-key-name", "failed", "checkpoint")
def p_nbsp(w: World) -> Document:
    """A second signature line whose key name contains U+00A0 NO-BREAK SPACE (signed-note
    forbids Unicode spaces)."""
    b = proven(w)
    cp = b["checkpoint"]
    cp["note"] = note_with_line(cp["note"], "witness\u00a0example", seeded_key("witness"))
    return b


@vector("failed-checkpoint-verifier-key-mismatch", "failed", "checkpoint")
def p_verifier_key(w: World) -> Document:
    """log.public_key is not the key in log.verifier_key."""
    b = proven(w)
    b["log"]["public_key"] = flip(b["log"]["public_key"])
    return b


@vector("failed-checkpoint-log-null", "failed", "checkpoint", pinned=False)
def p_log_null(w: World) -> Document:
    """A checkpoint, but no log block and no pinned key to check it with."""
    return {**proven(w), "log": None}


@vector("failed-checkpoint-witness-only", "failed", "checkpoint")
def p_witness_only(w: World) -> Document:
    """The note is signed by a witness only, not by the log key."""
    b = proven(w)
    bare = b["checkpoint"]["note"].split("\n\n")[0] + "\n\n"
    b["checkpoint"]["note"] = note_with_line(bare, "witness.example/w1", seeded_key("witness"))
    return b


# failed: inclusion ---------------------------------------------------------------------------

#: proofs[5] proves the revocation (log index 9), proofs[6] the registration (log index 4).


@vector("failed-inclusion-path-truncated", "failed", "inclusion")
def i_truncated(w: World) -> Document:
    """The last hash of a proof's path removed."""
    b = proven(w)
    b["proofs"][5]["path"].pop()
    return b


@vector("failed-inclusion-path-extended", "failed", "inclusion")
def i_extended(w: World) -> Document:
    """A hash appended to a proof's path."""
    b = proven(w)
    b["proofs"][5]["path"].append("00" * 32)
    return b


@vector("failed-inclusion-path-bit-flip", "failed", "inclusion")
def i_flip(w: World) -> Document:
    """One bit of a proof hash flipped."""
    b = proven(w)
    b["proofs"][5]["path"][0] = flip(b["proofs"][5]["path"][0])
    return b


@vector("failed-inclusion-proof-indices-swapped", "failed", "inclusion")
def i_swapped(w: World) -> Document:
    """Two proofs' log indices swapped."""
    b = proven(w)
    p = b["proofs"]
    p[5]["log_index"], p[6]["log_index"] = p[6]["log_index"], p[5]["log_index"]
    return b


@vector("failed-inclusion-proof-index-minus-one", "failed", "inclusion")
def i_minus_one(w: World) -> Document:
    """A proof's log index one lower: two proofs for one index, none for another."""
    b = proven(w)
    b["proofs"][5]["log_index"] -= 1
    return b


@vector("failed-inclusion-event-index-plus-one", "failed", "inclusion")
def i_plus_one(w: World) -> Document:
    """The last event's log index one higher: outside the tree, so 'unproven' does not list
    it, and its proof now proves no event of the bundle."""
    b = proven(w)
    b["events"][4]["log_index"] += 1
    return b


@vector("failed-inclusion-proof-missing", "failed", "inclusion")
def i_missing(w: World) -> Document:
    """One event's proof left out."""
    b = proven(w)
    b["proofs"].pop(5)
    return b


@vector("failed-inclusion-proof-duplicate", "failed", "inclusion")
def i_duplicate(w: World) -> Document:
    """One proof given twice."""
    b = proven(w)
    b["proofs"].append(copy.deepcopy(b["proofs"][5]))
    return b


@vector("failed-inclusion-stray-proof", "failed", "inclusion")
def i_stray(w: World) -> Document:
    """A proof for a log index no event of the bundle has."""
    b = proven(w)
    b["proofs"].append({"log_index": 999, "path": []})
    return b


@vector("failed-inclusion-unproven-hidden", "failed", "inclusion")
def i_hidden(w: World) -> Document:
    """The export with two events newer than its checkpoint, its 'unproven' list emptied."""
    return {**copy.deepcopy(w.newer), "unproven": []}


@vector("failed-inclusion-unproven-extra", "failed", "inclusion")
def i_extra(w: World) -> Document:
    """A fully proven bundle listing a proven event as unproven."""
    b = proven(w)
    b["unproven"] = [b["events"][4]["log_index"]]
    return b


@vector("failed-inclusion-proofs-without-checkpoint", "failed", "inclusion")
def i_no_checkpoint(w: World) -> Document:
    """Checkpoint null, yet proofs are given."""
    b = proven(w)
    b.update(checkpoint=None, unproven=[e["log_index"] for e in b["events"]])
    return b


# failed: anchor (offline) --------------------------------------------------------------------


@vector("failed-anchor-size-mismatch", "failed", "anchor")
def a_size(w: World) -> Document:
    """The anchor is recorded for another tree size than the checkpoint's."""
    b = anchored(w.proven)
    b["anchor"]["tree_size"] += 1
    return b


# -- writing ----------------------------------------------------------------------------------


def render(doc: dict[str, Any]) -> str:
    """A vector file's text: sorted keys, two-space indent, ASCII (escapes show invisibles)."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def table(docs: list[dict[str, Any]]) -> str:
    """The README's table of vectors."""
    rows = ["| vector | outcome | check that fails | what |", "|---|---|---|---|"]
    for d in docs:
        e = d["expected"]
        rows.append(f"| `{d['name']}` | {e['outcome']} | {e['check'] or ''} | {d['description']} |")
    return "\n".join(rows)


def generate(out: Path, readme: Path | None = None) -> list[dict[str, Any]]:
    """Write every vector to ``out`` (and the table into ``readme``); return the vectors."""
    world = build_world()
    assert prove(world, world.proven) == world.proven, "the script's tree is not the store's"
    docs = [v.document(world) for v in VECTORS]
    names = [d["name"] for d in docs]
    assert len(set(names)) == len(names), "two vectors share a name"
    out.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (out / f"{d['name']}.json").write_text(render(d), encoding="utf-8")
    if readme is not None:
        current = readme.read_text(encoding="utf-8")
        before, _, rest = current.partition(TABLE_START)
        _, _, after = rest.partition(TABLE_END)
        readme.write_text(f"{before}{TABLE_START}\n{table(docs)}\n{TABLE_END}{after}", "utf-8")
    return docs


def main() -> None:
    """Rewrite the vectors (and README.md's table) here, or write them to --out."""
    parser = argparse.ArgumentParser(description="Make the bundle conformance vectors.")
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write to")
    args = parser.parse_args()
    readme = HERE / "README.md" if args.out.resolve() == HERE else None
    docs = generate(args.out, readme)
    sys.stdout.write(f"wrote {len(docs)} vectors to {args.out}\n")


if __name__ == "__main__":
    main()
