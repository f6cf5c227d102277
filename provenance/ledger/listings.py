"""Discogs listings in the ledger: the import that registers and grades them, the store-private
mapping it keeps (table ``discogs_listings``), and the rows of the upload CSV.

Import, in two steps so a caller can show progress against what will really be written:

1. :func:`plan_import` sets aside the listings already in: a listing id in the mapping
   (``already imported as ITEM``), or an ``external_id`` naming an item of this ledger (a
   listing the store uploaded from here: ``already in the ledger as ITEM``);
2. :func:`import_listings` writes the rest in one transaction
   (:meth:`~provenance.ledger.ledger.Ledger.register_batch`): each listing's register event
   (signed by the registrar) and grade (signed by the grader), and its mapping row. The
   listing id is the mapping's primary key, so two imports of one listing racing each other
   cannot both win: the loser's whole transaction rolls back (:class:`ConflictError`).

The mapping holds the listing id, price, location, offers, weight and quantity: none of it is
signed, logged or in any bundle; only the release id is in the (public) register event.

Export: :func:`upload_rows` reads items (named, or every item whose registration names a
Discogs release) and gives each one's release, newest grade (corrections applied), comments
ending with the item's verification URL, and the private terms, if it was imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..clock import utc_now
from ..errors import ConflictError, InputError, NotFoundError
from ..keys.signing import SigningKey
from ..storage.tables import discogs_listings, events
from ..types import ItemId
from ..vocab import KEY_CHAIN
from .discogs import Inventory, Listing, ListingTerms, Skipped, UploadRow, listing_comments
from .events import Event, SignedEvent
from .itemid import parse_item_id
from .ledger import Ledger
from .state import ItemSummary, summarise

__all__ = [
    "ImportPlan",
    "Imported",
    "UploadPlan",
    "import_listings",
    "listing_terms",
    "plan_import",
    "upload_rows",
]

_CHUNK = 500  # ids per IN (...) query
_T = TypeVar("_T")


@dataclass(frozen=True)
class ImportPlan:
    """The listings to write, and every row that will not be (with why)."""

    listings: list[Listing]
    skipped: list[Skipped]


@dataclass(frozen=True)
class Imported:
    """A listing registered: the line it came from, its listing id, and the new item."""

    line: int
    listing_id: int
    item: ItemId


@dataclass(frozen=True)
class UploadPlan:
    """The upload CSV's rows, and the items left out of it (item, why)."""

    rows: list[UploadRow]
    skipped: list[tuple[str, str]]


def plan_import(engine: Engine, inventory: Inventory) -> ImportPlan:
    """Set aside the listings of ``inventory`` that are in the ledger already (see the
    module docstring); the format skips of the file come first, all in line order."""
    externals = {
        listing.line: item
        for listing in inventory.listings
        if (item := _item_id(listing.external_id)) is not None
    }
    with engine.connect() as conn:
        known: dict[int, str] = {}
        for ids in _chunks([listing.listing_id for listing in inventory.listings]):
            t = discogs_listings.c
            query = select(t.listing_id, t.item).where(t.listing_id.in_(ids))
            known.update((int(r.listing_id), r.item) for r in conn.execute(query))
        present: set[str] = set()
        for items in _chunks(sorted(set(externals.values()))):
            present.update(
                conn.execute(
                    select(events.c.item).where(events.c.seq == 0, events.c.item.in_(items))
                ).scalars()
            )
    fresh: list[Listing] = []
    skipped = list(inventory.skipped)
    for listing in inventory.listings:
        shown = str(listing.listing_id)
        if listing.listing_id in known:
            why = f"already imported as {known[listing.listing_id]}"
            skipped.append(Skipped(listing.line, shown, why))
        elif externals.get(listing.line) in present:
            why = f"already in the ledger as {externals[listing.line]} (its external_id)"
            skipped.append(Skipped(listing.line, shown, why))
        else:
            fresh.append(listing)
    return ImportPlan(fresh, sorted(skipped, key=lambda s: s.line))


def import_listings(
    ledger: Ledger,
    *,
    registrar: SigningKey,
    grader: SigningKey,
    listings: Sequence[Listing],
    progress: Callable[[int], None] | None = None,
) -> list[Imported]:
    """Register and grade ``listings`` and keep their mapping rows, in one transaction."""
    if not listings:
        return []
    at = utc_now()

    def keep(conn: Connection, items: list[ItemId]) -> None:
        conn.execute(
            insert(discogs_listings),
            [
                _mapping_row(listing, item, at)
                for listing, item in zip(listings, items, strict=True)
            ],
        )

    try:
        items = ledger.register_batch(
            registrar=registrar,
            grader=grader,
            rows=[(listing.register, listing.grade) for listing in listings],
            progress=progress,
            alongside=keep,
        )
    except IntegrityError as exc:
        raise ConflictError(
            "another import registered some of these listings meanwhile; nothing was written. "
            "Run the import again: it skips what is in."
        ) from exc
    return [
        Imported(listing.line, listing.listing_id, item)
        for listing, item in zip(listings, items, strict=True)
    ]


def listing_terms(engine: Engine, items: Sequence[str]) -> dict[str, ListingTerms]:
    """The private terms of the imported listings of ``items`` (item -> terms)."""
    t = discogs_listings.c
    found: dict[str, ListingTerms] = {}
    with engine.connect() as conn:
        for chunk in _chunks(list(items)):
            for r in conn.execute(
                select(
                    t.item, t.price_amount, t.location, t.accept_offer, t.weight, t.format_quantity
                ).where(t.item.in_(chunk))
            ):
                found[r.item] = ListingTerms(
                    price_amount=r.price_amount,
                    location=r.location,
                    accept_offer=r.accept_offer,
                    weight=r.weight,
                    format_quantity=r.format_quantity,
                )
    return found


def upload_rows(
    engine: Engine, *, items: Sequence[str] = (), url: Callable[[ItemId], str]
) -> UploadPlan:
    """The upload rows of ``items`` (in that order), or with none named, of every item whose
    registration names a Discogs release (oldest first). ``url`` makes an item's
    verification URL. A named item that cannot be listed (no release id, no vinyl grade, a
    stolen, missing or destroyed flag) is an :class:`InputError`; unnamed, it is skipped
    and said why."""
    named = list(dict.fromkeys(parse_item_id(i) for i in items))
    if named:
        summaries = _summaries(engine, named)
        for item in named:
            if item not in summaries:
                raise NotFoundError(f"no item {item} in this ledger")
        chosen = [summaries[item] for item in named]
    else:
        summaries = _summaries(engine, _naming_a_release(engine))
        chosen = [s for s in summaries.values() if "discogs_release" in s.details]
    terms = listing_terms(engine, [s.item for s in chosen])
    rows: list[UploadRow] = []
    skipped: list[tuple[str, str]] = []
    for summary in chosen:
        problem = _unlistable(summary)
        if problem is not None:
            if named:
                raise InputError(f"item {summary.item} cannot be listed on Discogs: {problem}")
            skipped.append((summary.item, problem))
            continue
        grade = summary.grade
        assert grade is not None  # _unlistable saw to it
        rows.append(
            UploadRow(
                release_id=int(summary.details["discogs_release"]),
                media=grade["media"],
                sleeve=grade["sleeve"],
                comments=listing_comments(grade.get("notes"), url(ItemId(summary.item))),
                external_id=summary.item,
                terms=terms.get(summary.item),
            )
        )
    return UploadPlan(rows, skipped)


# -- internals --------------------------------------------------------------------------------


def _unlistable(summary: ItemSummary) -> str | None:
    if "discogs_release" not in summary.details:
        return (
            "its registration names no Discogs release (correct it with "
            "'provenance correct ITEM 0 --reason ... --set discogs_release=ID')"
        )
    if type(summary.details["discogs_release"]) is not int:
        return "its Discogs release id is not a number"
    if summary.grade is None:
        return "it has no grade yet"
    if summary.status is not None:  # stolen, missing or destroyed (recovered clears it)
        return f"it is flagged {summary.status}"
    return None


def _naming_a_release(engine: Engine) -> list[ItemId]:
    """The items an event of which mentions a Discogs release (a register, or a correction
    of one), oldest first: a cheap filter before any event is parsed."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.item)
            .where(
                events.c.item != KEY_CHAIN,
                events.c.body.contains('"discogs_release":', autoescape=True),
            )
            .group_by(events.c.item)
            .order_by(func.min(events.c.log_index))
        ).scalars()
        return [ItemId(item) for item in rows]


def _summaries(engine: Engine, named: list[ItemId]) -> dict[str, ItemSummary]:
    """The summaries of the ``named`` items there are, oldest registration first. Events are
    parsed, not re-verified: ``show`` and ``audit`` verify."""
    query = select(events.c.log_index, events.c.item, events.c.body, events.c.signature)
    with engine.connect() as conn:
        rows = [
            r
            for chunk in _chunks(named)
            for r in conn.execute(query.where(events.c.item.in_(chunk)))
        ]
    histories: dict[str, list[Event]] = {}
    # Log order is chain order within an item, and registration order across items.
    for row in sorted(rows, key=lambda r: int(r.log_index)):
        histories.setdefault(row.item, []).append(SignedEvent.parse(row.body, row.signature).event)
    return {item: summarise(history) for item, history in histories.items()}


def _chunks(keys: list[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


def _item_id(text: str | None) -> ItemId | None:
    if not text:
        return None
    try:
        return parse_item_id(text)
    except InputError:
        return None


def _mapping_row(listing: Listing, item: ItemId, at: str) -> dict[str, object]:
    terms = listing.terms
    return {
        "listing_id": listing.listing_id,
        "item": item,
        "price_amount": terms.price_amount,
        "location": terms.location,
        "accept_offer": terms.accept_offer,
        "weight": terms.weight,
        "format_quantity": terms.format_quantity,
        "imported_at": at,
    }
