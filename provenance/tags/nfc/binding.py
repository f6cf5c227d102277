"""NFC tags bound to items by signed ``tag`` events, and which item a tag's UID is bound to.

An NFC tag is bound to an item by a ``tag`` event whose payload is ``{"kind": "nfc",
"commitment": uid_commitment(uid)}``, signed by a registrar or admin key. QR and NFC tags are
independent: an item may carry one of each, and a new NFC tag revokes only the item's earlier
NFC tags (a new QR tag only its earlier QR tags, :func:`provenance.tags.codes.tag_verdict`).

Where a UID is bound is the newest NFC ``tag`` event, over all items, carrying its commitment.
Reading every item's events for it would cost a scan of the ledger on every tap, so the
``nfc_counters`` row of the tag names the item it was last provisioned for, and the answer is
taken from the signed events of that item and of the item the tap names (:func:`resolve`);
the row is only a pointer to where to look. It is written *before* the ``tag`` event (and
put back if the event is refused), so a crash between the two leaves it pointing at an item
without the event, which the events then overrule, never at an item the tag has left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine

from ...errors import NotFoundError
from ...keys.signing import SigningKey
from ...ledger.itemid import parse_item_id
from ...ledger.ledger import Ledger, StoredEvent
from ...types import ItemId, Sha256Hex
from ...vocab import EventType
from . import _counters
from .provision import Provisioning, provision

__all__ = [
    "NFC_KIND",
    "Binding",
    "BindingState",
    "NfcBinding",
    "NfcTagEvent",
    "NfcTagListing",
    "bind_tag",
    "check_signer",
    "nfc_tag_events",
    "nfc_tags",
    "resolve",
    "store_has_nfc_tags",
]

NFC_KIND = "nfc"  # the ``kind`` of an NFC tag event; absent or "qr" is a QR tag
BindingState = Literal["current", "revoked", "other-item", "unbound"]
ListingState = Literal["current", "revoked", "moved"]
_PREFIX = 12  # hex digits of a commitment shown to people, as ``show`` does


@dataclass(frozen=True)
class NfcTagEvent:
    """One signed NFC ``tag`` event: which item, where in the log, when, which UID commitment."""

    item: ItemId
    seq: int
    log_index: int
    at: str
    commitment: Sha256Hex


def nfc_tag_events(stored: Sequence[StoredEvent]) -> list[NfcTagEvent]:
    """The NFC ``tag`` events among ``stored`` (one item's history), in chain order."""
    return [
        NfcTagEvent(
            item=ItemId(s.event.item),
            seq=s.event.seq,
            log_index=s.log_index,
            at=s.event.at,
            commitment=Sha256Hex(s.event.data["commitment"]),
        )
        for s in stored
        if s.event.type is EventType.TAG and s.event.data.get("kind") == NFC_KIND
    ]


@dataclass(frozen=True)
class Binding:
    """Where a UID commitment stands with respect to one item.

    ``current``: the item's newest NFC tag; ``revoked``: an earlier NFC tag of the item,
    replaced by ``replaced_by``; ``other-item``: bound (last) to another item; ``unbound``: no
    signed event carries it. ``event`` is the newest event carrying the commitment.
    """

    state: BindingState
    event: NfcTagEvent | None = None
    replaced_by: NfcTagEvent | None = None


def resolve(
    engine: Engine, *, item: ItemId, history: Sequence[StoredEvent], commitment: str
) -> Binding:
    """Where ``commitment`` is bound, seen from ``item`` (whose ``history`` is given)."""
    own = nfc_tag_events(history)
    candidates = [e for e in own if e.commitment == commitment]
    row = _counters.read_row(engine, commitment)
    if row is not None and row.item != item:
        try:
            elsewhere = Ledger(engine).history(row.item)
        except (NotFoundError, ValueError):
            elsewhere = []  # a pointer to no item: the events overrule it
        candidates += [e for e in nfc_tag_events(elsewhere) if e.commitment == commitment]
    if not candidates:
        return Binding("unbound")
    newest = max(candidates, key=lambda e: e.log_index)
    if newest.item != item:
        return Binding("other-item", newest)
    if own[-1] == newest:
        return Binding("current", newest)
    later = next(e for e in own if e.log_index > newest.log_index)
    return Binding("revoked", newest, replaced_by=later)


def check_signer(ledger: Ledger, signer: SigningKey) -> None:
    """Raise (:class:`~provenance.errors.AuthorizationError` and kin) unless ``signer`` may
    sign a ``tag`` event now: the ledger checks it again when it appends."""
    ledger.keyring().authorise(
        key_id=signer.key_id, event_type=EventType.TAG, log_index=ledger.size()
    )


@dataclass(frozen=True)
class NfcBinding:
    """A tag just bound: what to write to it, and the signed event that binds it."""

    provisioning: Provisioning
    seq: int
    log_index: int
    at: str
    last_counter: int | None  # the tag was provisioned before and has been tapped up to this


def bind_tag(
    ledger: Ledger,
    *,
    signer: SigningKey,
    item: str,
    uid: bytes,
    master_key: bytes,
    base_url: str,
) -> NfcBinding:
    """Bind the NTAG 424 DNA with ``uid`` to ``item``; revoke the item's earlier NFC tag.

    Checks everything (item, UID, base URL) before writing; the signer's role is checked by
    the ledger (registrar or admin). A UID bound before, to this item or another, moves here,
    and keeps its counter: URLs read from the tag earlier stay copies.
    """
    item_id = parse_item_id(item)
    ledger.history(item_id)  # NotFoundError before anything is written
    check_signer(ledger, signer)
    provisioning = provision(base_url=base_url, item=item_id, uid=uid, master_key=master_key)
    tag = provisioning.uid_commitment
    before = _counters.set_hint(ledger.engine, tag=tag, item=item_id)
    try:
        stored = ledger.append(
            signer=signer,
            item=item_id,
            event_type=EventType.TAG,
            data={"kind": NFC_KIND, "commitment": tag},
        )
    except BaseException:
        _counters.restore_hint(ledger.engine, tag=tag, item=item_id, before=before)
        raise
    return NfcBinding(
        provisioning=provisioning,
        seq=stored.event.seq,
        log_index=stored.log_index,
        at=stored.event.at,
        last_counter=before.counter if before is not None and before.counter > 0 else None,
    )


def store_has_nfc_tags(engine: Engine) -> bool:
    """Whether this store has ever provisioned an NFC tag (then its master key exists
    somewhere, and a new one would orphan those tags)."""
    return _counters.any_rows(engine)


@dataclass(frozen=True)
class NfcTagListing:
    """One NFC tag event of an item, as ``provenance nfc list`` shows it (never the UID)."""

    seq: int
    at: str
    commitment: Sha256Hex
    state: ListingState  # current; revoked (replaced on this item); moved (to bound_item)
    bound_item: ItemId | None
    last_counter: int | None

    @property
    def prefix(self) -> str:
        """The first hex digits of the UID commitment, enough to tell tags apart."""
        return self.commitment[:_PREFIX]

    def to_json(self) -> dict[str, object]:
        """The listing as JSON-ready data."""
        return {
            "seq": self.seq,
            "at": self.at,
            "commitment": self.commitment,
            "state": self.state,
            "bound_item": self.bound_item,
            "last_counter": self.last_counter,
        }


def nfc_tags(ledger: Ledger, item: str) -> list[NfcTagListing]:
    """The item's NFC tags in chain order: the newest is current unless its UID has moved to
    another item since; the earlier ones are revoked."""
    item_id = parse_item_id(item)
    history = ledger.history(item_id)
    own = nfc_tag_events(history)
    listings = []
    for event in own:
        state: ListingState = "revoked"
        bound: ItemId | None = None
        if event == own[-1]:
            binding = resolve(
                ledger.engine, item=item_id, history=history, commitment=event.commitment
            )
            if binding.state == "other-item" and binding.event is not None:
                state, bound = "moved", binding.event.item
            else:
                state = "current"
        row = _counters.read_row(ledger.engine, event.commitment)
        listings.append(
            NfcTagListing(
                seq=event.seq,
                at=event.at,
                commitment=event.commitment,
                state=state,
                bound_item=bound,
                last_counter=row.counter if row is not None and row.counter > 0 else None,
            )
        )
    return listings
