"""A tap on an item's NFC tag, judged against the store: genuine, copied, other item, revoked
or malformed.

:func:`check_tap` is what ``GET /n/{item}?picc_data=...&cmac=...`` and ``provenance nfc verify``
run. Its steps (docs/nfc.md, "What the server checks"):

1. the query is exactly ``picc_data`` and ``cmac`` (:func:`.query.parse_tap_query`);
2. PICCData decrypts under the store's meta-read key and the SDM MAC verifies under the
   UID's file-read key (:func:`.verify.verify_tap`); failing 1 or 2 is *malformed*, and
   the verdict never says which value would have been right;
3. the UID's commitment is looked up in the signed NFC ``tag`` events (:func:`.binding.resolve`):
   bound to no item is *malformed*, to another item *other-item*, to an earlier tag of this
   item *revoked*;
4. for the item's current tag, the counter against the highest accepted so far: above it is
   *genuine*, else *copied*. With ``record=True`` (the buyer's tap) a genuine counter is
   accepted in the same step, atomically (:func:`._counters.accept_counter`), so of two taps
   carrying one counter exactly one is genuine; ``record=False`` (staff checking a tag)
   only compares.

The verdict carries no UID: only the counter, the dates of the binding, and the first digits
of the UID commitment, which the signed record shows anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine

from ...errors import InputError, TagError
from ...ledger.itemid import parse_item_id
from ...ledger.ledger import Ledger
from ...types import ItemId
from . import _counters
from .binding import resolve
from .provision import TAP_PATH
from .query import parse_tap_query
from .uid import uid_commitment
from .verify import judge_counter, verify_tap

__all__ = ["VERDICT_TEXT", "NfcVerdict", "NfcVerdictName", "check_tap", "split_tap_url"]

NfcVerdictName = Literal["genuine", "copied", "other-item", "revoked", "malformed"]

#: What each verdict means, in the buyer's words (docs/nfc.md, "What the buyer sees").
VERDICT_TEXT: dict[NfcVerdictName, str] = {
    "genuine": "This tag is the one the store bound to this item.",
    "copied": (
        "This URL was read from the tag earlier: someone is showing you a copy (a screenshot, "
        "a forwarded link, a cloned URL on another chip)."
    ),
    "other-item": "This is a real tag of this store, but it belongs to another item.",
    "revoked": "The store replaced this tag; ask the seller why.",
    "malformed": "This is not a message from any tag of this store.",
}
_PREFIX = 12  # hex digits of the UID commitment shown


@dataclass(frozen=True)
class NfcVerdict:
    """The verdict on one tap, with details safe to show (never the UID)."""

    verdict: NfcVerdictName
    item: ItemId
    detail: str  # why, for staff: which check failed, or what was compared
    counter: int | None = None  # the tap's read counter (once the tap verified)
    last_counter: int | None = None  # the highest counter accepted before this tap
    provisioned_at: str | None = None  # when the tag was bound (its tag event)
    replaced_at: str | None = None  # revoked: when the item's next NFC tag was bound
    bound_item: ItemId | None = None  # other-item: the item the tag is bound to
    tag: str | None = None  # the first digits of the UID commitment
    recorded: bool = False  # whether this tap raised the stored counter

    @property
    def genuine(self) -> bool:
        """Whether the verdict is ``genuine``."""
        return self.verdict == "genuine"

    @property
    def text(self) -> str:
        """What the verdict means, in plain words."""
        return VERDICT_TEXT[self.verdict]

    def to_json(self) -> dict[str, object]:
        """The verdict as JSON-ready data."""
        return {
            "verdict": self.verdict,
            "item": self.item,
            "text": self.text,
            "detail": self.detail,
            "counter": self.counter,
            "last_counter": self.last_counter,
            "provisioned_at": self.provisioned_at,
            "replaced_at": self.replaced_at,
            "bound_item": self.bound_item,
            "tag": self.tag,
            "recorded": self.recorded,
        }


def split_tap_url(url: str) -> tuple[ItemId, str]:
    """The item and the query of a tap URL ``.../n/{item}?picc_data=...&cmac=...``."""
    parts = urlsplit(url.strip())
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if parts.scheme not in ("http", "https") or len(segments) < 2 or segments[-2] != TAP_PATH:
        raise InputError(f"not a tag URL (https://host/{TAP_PATH}/ITEM?picc_data=...&cmac=...)")
    return parse_item_id(segments[-1]), parts.query


def _query(item: ItemId, url_or_query: str) -> str:
    if "://" not in url_or_query:
        return url_or_query.strip()
    named, query = split_tap_url(url_or_query)
    if named != item:
        raise InputError(f"the tap URL is for item {named}, not {item}")
    return query


def check_tap(
    engine: Engine, *, item: str, url_or_query: str, master_key: bytes, record: bool
) -> NfcVerdict:
    """Judge one tap on ``item``'s NFC tag (see the module); ``url_or_query`` is the whole tap
    URL or only its query. Raises :class:`~provenance.errors.NotFoundError` for an unknown
    item and :class:`InputError` for a URL naming another item; every fault of the tap
    itself is a verdict, not an exception."""
    item_id = parse_item_id(item)
    history = Ledger(engine).history(item_id)
    query = _query(item_id, url_or_query)
    # 1. The query's shape.
    try:
        params = parse_tap_query(query)
    except TagError as exc:
        return NfcVerdict("malformed", item_id, str(exc))
    # 2. PICCData and the SDM MAC. One message for both: which one failed would tell a
    #    forger nothing useful, and a buyer nothing at all.
    try:
        tap = verify_tap(master_key=master_key, params=params)
    except TagError:
        return NfcVerdict("malformed", item_id, "the tap does not verify under this store's keys")
    # 3. Where the UID is bound, from the signed tag events.
    commitment = uid_commitment(tap.uid)
    binding = resolve(engine, item=item_id, history=history, commitment=commitment)
    if binding.event is None:
        detail = "a tag made with this store's keys, but bound to no item"
        return NfcVerdict("malformed", item_id, detail, counter=tap.counter)
    facts = _Facts(counter=tap.counter, at=binding.event.at, tag=commitment[:_PREFIX])
    if binding.state == "other-item":
        other = binding.event.item
        return facts.verdict("other-item", item_id, f"the tag is bound to {other}", bound=other)
    if binding.state == "revoked":
        replaced = binding.replaced_by.at if binding.replaced_by is not None else None
        detail = f"the item's tag was replaced on {replaced}"
        return facts.verdict("revoked", item_id, detail, replaced_at=replaced)
    # 4. The counter of the item's current tag.
    if record:
        accepted, last = _counters.accept_counter(
            engine, tag=commitment, item=item_id, counter=tap.counter
        )
    else:
        row = _counters.read_row(engine, commitment)
        last = row.counter if row is not None and row.counter > 0 else None
        accepted = judge_counter(last, tap.counter) == "fresh"
    if accepted:
        seen = "the first read accepted" if last is None else f"above {last}, the last accepted"
        detail = f"read counter {tap.counter}, {seen}"
        return facts.verdict("genuine", item_id, detail, last=last, recorded=record)
    if last is None:
        detail = f"read counter {tap.counter} was accepted just now for another tap"
    else:
        detail = f"read counter {tap.counter} is not above {last}, the last accepted"
    return facts.verdict("copied", item_id, detail, last=last)


@dataclass(frozen=True)
class _Facts:
    """What every verdict on a verified, bound tap shows."""

    counter: int
    at: str
    tag: str

    def verdict(
        self,
        name: NfcVerdictName,
        item: ItemId,
        detail: str,
        *,
        last: int | None = None,
        replaced_at: str | None = None,
        bound: ItemId | None = None,
        recorded: bool = False,
    ) -> NfcVerdict:
        return NfcVerdict(
            verdict=name,
            item=item,
            detail=detail,
            counter=self.counter,
            last_counter=last,
            provisioned_at=self.at,
            replaced_at=replaced_at,
            bound_item=bound,
            tag=self.tag,
            recorded=recorded,
        )
