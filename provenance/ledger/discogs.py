"""Discogs' side of the bridge, in plain values: its condition strings and vinyl formats, its
inventory export read into validated payloads, and its upload CSV written.

The inventory export (Discogs: Marketplace → Inventory → Export) is UTF-8 CSV, with or without
a byte-order mark, whose header names its columns in any order: ``listing_id, artist, title,
label, catno, format, release_id, status, price, listed, comments, media_condition,
sleeve_condition, accept_offer, external_id, weight, format_quantity, flat_shipping,
location``. Columns not read here are ignored. A listing whose ``format`` names LP, 12", 10",
7" or Vinyl (``2xLP, Album`` counts) becomes a register payload (``discogs_release`` from
``release_id``) and a grade payload (the conditions as Goldmine grades, ``comments`` as the
notes, through the personal-data screen every payload passes); other formats are reported and
skipped. Listing id, price, location, offers, weight and quantity are :class:`ListingTerms`,
kept out of every event. Every row is validated before anything is written; an error names
the file, the line the row starts on, and the column: ``inv.csv line 7: media_condition: ...``.

Normalised on the way in: Discogs' disambiguation suffix on a name (``Nirvana (2)``) is
dropped, a ``catno`` of ``none`` means no catalogue number, an empty ``sleeve_condition`` is
``Not Graded``, and a ``weight`` or ``format_quantity`` of ``auto`` is left empty (Discogs
works it out again on upload).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ._csvfile import open_csv
from .grading import Goldmine, GradingMethod, ItemKind, SleeveGrade
from .schemas import EventType, validate_new_registration, validate_payload

__all__ = [
    "MEDIA_CONDITIONS",
    "RELEASE_URL",
    "SLEEVE_CONDITIONS",
    "UPLOAD_COLUMNS",
    "VINYL_FORMATS",
    "Inventory",
    "Listing",
    "ListingTerms",
    "Skipped",
    "UploadRow",
    "is_vinyl",
    "listing_comments",
    "media_condition",
    "read_inventory",
    "release_link",
    "sleeve_condition",
    "upload_csv",
]

#: Discogs' media conditions (its spelling of the Goldmine scale), best first.
MEDIA_CONDITIONS: Mapping[str, Goldmine] = {
    "Mint (M)": Goldmine.M,
    "Near Mint (NM or M-)": Goldmine.NM,
    "Very Good Plus (VG+)": Goldmine.VG_PLUS,
    "Very Good (VG)": Goldmine.VG,
    "Good Plus (G+)": Goldmine.G_PLUS,
    "Good (G)": Goldmine.G,
    "Fair (F)": Goldmine.F,
    "Poor (P)": Goldmine.P,
}
#: Discogs' sleeve conditions: the media scale and the three non-grades.
SLEEVE_CONDITIONS: Mapping[str, SleeveGrade] = {
    **{text: SleeveGrade(grade) for text, grade in MEDIA_CONDITIONS.items()},
    "Generic": SleeveGrade.GENERIC,
    "Not Graded": SleeveGrade.NOT_GRADED,
    "No Cover": SleeveGrade.NO_COVER,
}
_MEDIA_TEXT = {grade: text for text, grade in MEDIA_CONDITIONS.items()}
_SLEEVE_TEXT = {grade: text for text, grade in SLEEVE_CONDITIONS.items()}

#: Format names that make a listing a vinyl record (matched ignoring case).
VINYL_FORMATS = frozenset({"lp", '12"', '10"', '7"', "vinyl"})
#: A release's page on Discogs; the id follows.
RELEASE_URL = "https://www.discogs.com/release/"
#: The columns of the Discogs upload CSV (lower case, as Discogs documents them), in order.
UPLOAD_COLUMNS = (
    "release_id",
    "price",
    "media_condition",
    "sleeve_condition",
    "comments",
    "accept_offer",
    "location",
    "external_id",
    "weight",
    "format_quantity",
)
_REQUIRED = ("listing_id", "release_id", "artist", "title", "format", "media_condition")
_MAX_ROWS = 5_000_000  # one import is one transaction (as the register CSV import)
_MAX_LOCATION = 400
_MAX_ID = 2**53 - 1  # as the register schema's discogs_release
_QUANTITY = re.compile(r"^\d+\s*[x×]\s*", re.IGNORECASE)  # "2xLP", "3 x Vinyl"
_SUFFIX = re.compile(r"\s+\(\d+\)$")  # Discogs' "Nirvana (2)"
_PRICE = re.compile(r"^(\d{1,10})(?:\.(\d{1,2}))?$")
_DIGITS = re.compile(r"^[0-9]{1,16}$")
_COUNT = re.compile(r"^[0-9]{1,6}$")  # grams or pieces: fits any integer column
_YES, _NO = frozenset({"y", "yes", "true", "1"}), frozenset({"n", "no", "false", "0"})
# The payload field a message names -> the inventory column it came from.
_COLUMN_OF = {"catalog_number": "catno", "discogs_release": "release_id", "notes": "comments"}


@dataclass(frozen=True)
class ListingTerms:
    """What a listing holds beside the record and its grade; private to the store."""

    price_amount: int | None = None  # minor units (cents)
    location: str | None = None
    accept_offer: bool | None = None
    weight: int | None = None  # grams
    format_quantity: int | None = None


@dataclass(frozen=True)
class Listing:
    """One vinyl listing of the export, validated: what the ledger signs and what it keeps."""

    line: int
    listing_id: int
    external_id: str | None
    register: dict[str, Any]  # a register payload in normal form (discogs_release set)
    grade: dict[str, Any]  # a vinyl grade payload in normal form
    terms: ListingTerms


@dataclass(frozen=True)
class Skipped:
    """A row that is not imported, and why (``listing_id`` as the file spells it)."""

    line: int
    listing_id: str
    reason: str


@dataclass(frozen=True)
class Inventory:
    """An inventory export, read: the vinyl listings, and the rows skipped for their format."""

    path: Path
    listings: list[Listing]
    skipped: list[Skipped]


@dataclass(frozen=True)
class UploadRow:
    """One listing of the upload CSV: the release, its grade (Goldmine), the comments, the
    item id (as ``external_id``) and the private terms, if the store holds them."""

    release_id: int
    media: str
    sleeve: str
    comments: str
    external_id: str
    terms: ListingTerms | None


def media_condition(grade: str) -> str:
    """Discogs' string for a Goldmine media grade: ``"NM"`` -> ``"Near Mint (NM or M-)"``."""
    return _MEDIA_TEXT[Goldmine(grade)]


def sleeve_condition(grade: str) -> str:
    """Discogs' string for a sleeve grade: ``"VG+"`` -> ``"Very Good Plus (VG+)"``."""
    return _SLEEVE_TEXT[SleeveGrade(grade)]


def is_vinyl(format_text: str) -> bool:
    """Whether a Discogs ``format`` (``"2xLP, Album, RE"``) names a vinyl record."""
    for part in format_text.split(","):
        name = _QUANTITY.sub("", part.strip()).replace("''", '"').replace("”", '"')
        if name.lower() in VINYL_FORMATS:
            return True
    return False


def release_link(register: Mapping[str, Any]) -> str | None:
    """The Discogs page of the release a register payload names, or ``None`` if it names
    none (or, in a record that fails its checks, something that is not a release id)."""
    value = register.get("discogs_release")
    if type(value) is not int or not 1 <= value <= _MAX_ID:
        return None
    return f"{RELEASE_URL}{value}"


def listing_comments(notes: str | None, url: str) -> str:
    """A listing's comments: the grader's notes, then the item's verification URL."""
    proof = f"Provenance record: {url}"
    return f"{notes.strip()} {proof}" if notes and notes.strip() else proof


def read_inventory(path: Path, *, method: GradingMethod) -> Inventory:
    """Read and validate a Discogs inventory export; ``method`` is how the grader graded
    (the export does not say). Raises :class:`InputError` naming the line and column."""
    reader, header = open_csv(path)
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path} line 1: not a Discogs inventory export: no {', '.join(missing)}")
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    if doubled:
        raise InputError(f"{path} line 1: column {', '.join(doubled)} appears twice")
    listings: list[Listing] = []
    skipped: list[Skipped] = []
    first_line: dict[int, int] = {}
    end = reader.line_num
    try:
        for cells in reader:
            line, end = end + 1, reader.line_num  # a quoted field may span lines
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise InputError(
                    f"{path} line {line}: {len(cells)} cells, the header has {len(header)}"
                )
            if len(listings) + len(skipped) >= _MAX_ROWS:
                raise InputError(f"{path}: more than {_MAX_ROWS} rows; split the file")
            row = dict(zip(header, cells, strict=True))
            try:
                listing = _listing(row, line, method)
            except InputError as exc:
                raise InputError(f"{path} line {line}: {exc}") from exc
            if isinstance(listing, Skipped):
                skipped.append(listing)
                continue
            if listing.listing_id in first_line:
                raise InputError(
                    f"{path} line {line}: listing_id: {listing.listing_id} is listed already, "
                    f"on line {first_line[listing.listing_id]}"
                )
            first_line[listing.listing_id] = line
            listings.append(listing)
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: {exc}") from exc
    if not listings and not skipped:
        raise InputError(f"{path} has a header but no listings")
    return Inventory(path, listings, skipped)


def upload_csv(rows: Iterable[UploadRow]) -> str:
    """The Discogs upload CSV for ``rows``: the header, then one listing a line, the
    conditions in Discogs' own words."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(UPLOAD_COLUMNS)
    for row in rows:
        terms = row.terms or ListingTerms()
        price = terms.price_amount
        offers = terms.accept_offer
        writer.writerow(
            [
                row.release_id,
                "" if price is None else f"{price // 100}.{price % 100:02d}",
                media_condition(row.media),
                sleeve_condition(row.sleeve),
                row.comments,
                "" if offers is None else ("Y" if offers else "N"),
                terms.location or "",
                row.external_id,
                _blank(terms.weight),
                _blank(terms.format_quantity),
            ]
        )
    return out.getvalue()


# -- one row --------------------------------------------------------------------------------


def _listing(row: dict[str, str], line: int, method: GradingMethod) -> Listing | Skipped:
    def cell(name: str) -> str:
        return row.get(name, "").strip()

    shown_id = cell("listing_id")
    fmt = cell("format")
    if not fmt:
        raise InputError("format: empty; cannot tell whether the listing is a record")
    if not is_vinyl(fmt):
        return Skipped(
            line, shown_id, f"not a vinyl record ({fmt}): the ledger holds no such format"
        )
    listing_id = _identifier("listing_id", shown_id, "a Discogs listing id")
    release = _identifier("release_id", cell("release_id"), "a Discogs release id")
    register: dict[str, Any] = {
        "kind": str(ItemKind.VINYL),
        "title": cell("title"),
        "artist": _SUFFIX.sub("", cell("artist")),
        "discogs_release": release,
    }
    if label := _SUFFIX.sub("", cell("label")):
        register["label"] = label
    if (catno := cell("catno")) and catno.lower() != "none":
        register["catalog_number"] = catno
    grade: dict[str, Any] = {
        "kind": str(ItemKind.VINYL),
        "media": _condition("media_condition", cell("media_condition"), MEDIA_CONDITIONS),
        "sleeve": _condition(
            "sleeve_condition", cell("sleeve_condition") or "Not Graded", SLEEVE_CONDITIONS
        ),
        "method": str(method),
    }
    if comments := cell("comments").replace("\r\n", "\n"):
        grade["notes"] = comments
    try:
        register = validate_new_registration(register)
        grade = validate_payload(EventType.GRADE, grade, kind=ItemKind.VINYL)
    except InputError as exc:
        raise InputError(_in_columns(str(exc).removeprefix("invalid grade data: "))) from exc
    external = cell("external_id") or None
    return Listing(line, listing_id, external, register, grade, _terms(cell))


def _terms(cell: Callable[[str], str]) -> ListingTerms:
    price = None
    if text := cell("price"):
        match = _PRICE.match(text)
        if match is None:
            raise InputError(f"price: {text!r} is not an amount like 25.00")
        price = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    location = cell("location") or None
    if location is not None and len(location) > _MAX_LOCATION:
        raise InputError(f"location: at most {_MAX_LOCATION} characters")
    offers = None
    if text := cell("accept_offer").lower():
        if text not in _YES | _NO:
            raise InputError(f"accept_offer: {cell('accept_offer')!r} is neither Y nor N")
        offers = text in _YES
    return ListingTerms(
        price_amount=price,
        location=location,
        accept_offer=offers,
        weight=_count("weight", cell("weight")),
        format_quantity=_count("format_quantity", cell("format_quantity")),
    )


def _identifier(column: str, text: str, what: str) -> int:
    if not text:
        raise InputError(f"{column}: empty")
    if not _DIGITS.match(text) or not 1 <= int(text) <= _MAX_ID:
        raise InputError(f"{column}: {text!r} is not {what}")
    return int(text)


def _count(column: str, text: str) -> int | None:
    if not text or text.lower() == "auto":
        return None
    if not _COUNT.match(text):
        raise InputError(f"{column}: {text!r} is not a whole number (or auto)")
    return int(text)


def _condition(column: str, text: str, scale: Mapping[str, Any]) -> str:
    if not text:
        raise InputError(f"{column}: empty")
    found = scale.get(text)
    if found is None:
        wanted = " ".join(text.split()).casefold()
        found = next((g for t, g in scale.items() if t.casefold() == wanted), None)
    if found is None:
        raise InputError(
            f"{column}: {text!r} is not a Discogs condition (one of: {', '.join(scale)})"
        )
    return str(found)


def _in_columns(message: str) -> str:
    """A payload error in the export's column names (``catalog_number`` -> ``catno``)."""
    parts = []
    for part in message.split("; "):
        field, sep, rest = part.partition(": ")
        parts.append(f"{_COLUMN_OF.get(field, field)}{sep}{rest}")
    return "; ".join(parts)


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)
