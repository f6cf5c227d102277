"""Item commands: register, import, grade, note, correct, transfer, status."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from provenance.errors import InputError
from provenance.ledger.grading import (
    Fading,
    FilmGauge,
    Goldmine,
    GradingMethod,
    ItemKind,
    Scratches,
    SleeveGrade,
    Soundtrack,
    StripLevel,
)
from provenance.vocab import EventType, StatusValue

from ._params import RunoutOptions, parse_price, parse_runouts, read_photos
from .app import app
from .context import state
from .listings_cmd import ImportFormat, import_discogs
from .output import console, emit, progress_bar

if TYPE_CHECKING:
    from provenance.ledger.ledger import StoredEvent

__all__: list[str] = []

Photo = Annotated[
    list[Path] | None, typer.Option("--photo", help="Photo of label/runout/print (repeatable).")
]


@app.command()
def register(
    kind: Annotated[ItemKind, typer.Option("--kind", help="vinyl or film.")],
    title: Annotated[str, typer.Option("--title")],
    artist: Annotated[str | None, typer.Option("--artist", help="Vinyl: artist.")] = None,
    label: Annotated[str | None, typer.Option("--label", help="Vinyl: record label.")] = None,
    catalog: Annotated[
        str | None,
        typer.Option(
            "--catalog",
            help="Vinyl: catalog number (letters, digits, spaces, - . / # & + ( ) ' : ,).",
        ),
    ] = None,
    matrix: Annotated[
        list[str] | None,
        typer.Option("--matrix", help="Vinyl: SIDE=RUNOUT, the side's matrix text (repeatable)."),
    ] = None,
    runout_made: Annotated[
        list[str] | None,
        typer.Option(
            "--runout-made", help="Vinyl: SIDE=stamped|etched|mixed, how the runout was made."
        ),
    ] = None,
    runout_engineer: Annotated[
        list[str] | None,
        typer.Option("--runout-engineer", help="Vinyl: SIDE=MARK of the mastering engineer."),
    ] = None,
    runout_plant: Annotated[
        list[str] | None,
        typer.Option("--runout-plant", help="Vinyl: SIDE=MARK of the pressing plant."),
    ] = None,
    runout_mark: Annotated[
        list[str] | None,
        typer.Option("--runout-mark", help="Vinyl: SIDE=SYMBOL, any other mark (repeatable)."),
    ] = None,
    runout_photo: Annotated[
        list[str] | None,
        typer.Option("--runout-photo", help="Vinyl: SIDE=FILE, a photo of that side's runout."),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            help="Pressing country: ISO code (US, GB), English name (Japan) or catalogue region "
            "(UK, Europe, West Germany).",
        ),
    ] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    barcode: Annotated[
        str | None, typer.Option("--barcode", help="Vinyl: EAN/UPC (8, 12, 13 or 14 digits).")
    ] = None,
    discogs_release: Annotated[
        int | None,
        typer.Option("--discogs-release", min=1, help="Vinyl: the release id on Discogs."),
    ] = None,
    edition: Annotated[str | None, typer.Option("--edition", help="Edition notes.")] = None,
    director: Annotated[str | None, typer.Option("--director", help="Film: director.")] = None,
    studio: Annotated[
        str | None, typer.Option("--studio", help="Film: studio/distributor.")
    ] = None,
    gauge: Annotated[FilmGauge | None, typer.Option("--gauge", help="Film gauge.")] = None,
    print_type: Annotated[
        str | None, typer.Option("--print-type", help="Film: e.g. IB Technicolor.")
    ] = None,
    reels: Annotated[int | None, typer.Option("--reels", help="Film: number of reels.")] = None,
    length_ft: Annotated[
        int | None, typer.Option("--length-ft", help="Film: length in feet.")
    ] = None,
    soundtrack: Annotated[
        Soundtrack | None, typer.Option("--soundtrack", help="Film soundtrack.")
    ] = None,
    photo: Photo = None,
) -> None:
    """Register a record or film print; prints the new item id."""
    fields: dict[str, Any]
    runouts = RunoutOptions(
        matrix=matrix,
        made=runout_made,
        engineer=runout_engineer,
        plant=runout_plant,
        mark=runout_mark,
        photo=runout_photo,
    )
    side_photos: list[bytes] = []
    if kind is ItemKind.VINYL:
        _refuse(
            "vinyl",
            director=director,
            studio=studio,
            gauge=gauge,
            print_type=print_type,
            reels=reels,
            length_ft=length_ft,
            soundtrack=soundtrack,
        )
        if artist is None:
            raise InputError("a vinyl registration needs --artist")
        sides, side_photos = parse_runouts(runouts)
        fields = {
            "artist": artist,
            "label": label,
            "catalog_number": catalog,
            "matrix": sides or None,
            "country": country,
            "year": year,
            "barcode": barcode,
            "discogs_release": discogs_release,
            "edition": edition,
        }
    else:
        _refuse(
            "film",
            artist=artist,
            label=label,
            catalog=catalog,
            matrix=matrix,
            runout_made=runout_made,
            runout_engineer=runout_engineer,
            runout_plant=runout_plant,
            runout_mark=runout_mark,
            runout_photo=runout_photo,
            barcode=barcode,
            discogs_release=discogs_release,
            edition=edition,
        )
        if gauge is None:
            raise InputError("a film registration needs --gauge")
        fields = {
            "director": director,
            "studio": studio,
            "year": year,
            "gauge": gauge,
            "print_type": print_type,
            "reels": reels,
            "length_ft": length_ft,
            "soundtrack": soundtrack,
        }
    data = {"kind": str(kind), "title": title, **{k: v for k, v in fields.items() if v is not None}}
    ledger = state.ledger()
    photos = read_photos(photo)
    photos += [p for p in dict.fromkeys(side_photos) if p not in photos]  # each stored once
    stored = ledger.register(signer=state.signer(), data=data, photos=photos)
    item = stored.event.item
    emit(
        {"ok": True, "item": item, "log_index": stored.log_index, "hash": stored.signed.hash},
        lambda: console.print(item),
    )


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with a header row of register fields, or a Discogs export."),
    ],
    ids_out: Annotated[
        Path | None,
        typer.Option(
            "--ids-out", help="Write 'row,item' for each row (discogs: 'line,listing_id,item')."
        ),
    ] = None,
    format_: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            help="provenance: register fields; discogs: a Discogs inventory export "
            "(registers and grades each vinyl listing).",
        ),
    ] = ImportFormat.PROVENANCE,
    grader: Annotated[
        str | None,
        typer.Option("--grader", help="Discogs: name of the key that signs the grades."),
    ] = None,
    method: Annotated[
        GradingMethod | None,
        typer.Option("--method", help="Discogs: how the listings were graded (default: visual)."),
    ] = None,
) -> None:
    """Register many items from a CSV in one transaction (all rows or none); with --format
    discogs, register and grade the vinyl listings of a Discogs inventory export."""
    if format_ is ImportFormat.DISCOGS:
        import_discogs(file, grader=grader, method=method, ids_out=ids_out)
        return
    if grader is not None or method is not None:
        raise InputError("--grader and --method apply to --format discogs only")
    from provenance.ledger.importer import read_register_csv

    rows = read_register_csv(file)
    ledger = state.ledger()
    signer = state.signer()
    with progress_bar("Registering", total=len(rows)) as advance:
        ids = ledger.register_many(signer=signer, rows=rows, progress=advance)
    if ids_out is not None:
        ids_out.write_text("row,item\n" + "".join(f"{n},{i}\n" for n, i in enumerate(ids, 1)))
    emit(
        {"ok": True, "count": len(ids), "items": ids},
        lambda: console.print(f"Registered {len(ids)} items from {file}"),
    )


@app.command()
def grade(
    item: Annotated[str, typer.Argument(help="Item id.")],
    media: Annotated[
        Goldmine | None, typer.Option("--media", help="Vinyl: Goldmine media grade.")
    ] = None,
    sleeve: Annotated[
        SleeveGrade | None, typer.Option("--sleeve", help="Vinyl: sleeve grade.")
    ] = None,
    method: Annotated[
        GradingMethod | None, typer.Option("--method", help="Vinyl: play or visual.")
    ] = None,
    ad_level: Annotated[
        StripLevel | None, typer.Option("--ad-level", help="Film: A-D strip level.")
    ] = None,
    shrinkage: Annotated[
        int | None, typer.Option("--shrinkage", help="Film: shrinkage in per-mille (8 = 0.8%).")
    ] = None,
    splices: Annotated[
        int | None, typer.Option("--splices", help="Film: number of splices.")
    ] = None,
    fading: Annotated[Fading | None, typer.Option("--fading", help="Film: colour fading.")] = None,
    scratches: Annotated[
        Scratches | None, typer.Option("--scratches", help="Film: scratching.")
    ] = None,
    notes: Annotated[
        str | None, typer.Option("--notes", help="Grader notes (no personal data).")
    ] = None,
    photo: Photo = None,
) -> None:
    """Grade an item: Goldmine media/sleeve for vinyl, A-D level and condition for film."""
    ledger = state.ledger()
    kind = ledger.history(item)[0].event.data["kind"]
    if kind == ItemKind.VINYL:
        _refuse(
            "vinyl",
            ad_level=ad_level,
            shrinkage=shrinkage,
            splices=splices,
            fading=fading,
            scratches=scratches,
        )
        missing = [
            n
            for n, v in (("--media", media), ("--sleeve", sleeve), ("--method", method))
            if v is None
        ]
        fields: dict[str, Any] = {"media": media, "sleeve": sleeve, "method": method}
    else:
        _refuse("film", media=media, sleeve=sleeve, method=method)
        missing = [
            n for n, v in (("--ad-level", ad_level), ("--shrinkage", shrinkage)) if v is None
        ]
        fields = {
            "ad_level": ad_level,
            "shrinkage_permille": shrinkage,
            "splices": splices,
            "fading": fading,
            "scratches": scratches,
        }
    if missing:
        raise InputError(f"a {kind} grade needs {', '.join(missing)}")
    data = {"kind": kind, "notes": notes, **fields}
    _append(item, EventType.GRADE, {k: v for k, v in data.items() if v is not None}, photo)


@app.command("note")
def note_(
    item: Annotated[str, typer.Argument(help="Item id.")],
    text: Annotated[str, typer.Argument(help="The note (no personal data).")],
) -> None:
    """Add a note to an item's history."""
    _append(item, EventType.NOTE, {"text": text})


@app.command()
def status(
    item: Annotated[str, typer.Argument(help="Item id.")],
    value: Annotated[StatusValue, typer.Argument(help="stolen, missing, recovered or destroyed.")],
    note_text: Annotated[
        str | None, typer.Option("--note", help="Context (no personal data).")
    ] = None,
) -> None:
    """Flag an item stolen, missing, recovered or destroyed."""
    data: dict[str, Any] = {"status": str(value)}
    if note_text:
        data["note"] = note_text
    _append(item, EventType.STATUS, data)


@app.command()
def correct(
    item: Annotated[str, typer.Argument(help="Item id.")],
    seq: Annotated[int, typer.Argument(help="Sequence number of the event to correct.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (no personal data).")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="FIELD=VALUE to change (repeatable).")
    ] = None,
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Withdraw the event instead.")
    ] = False,
) -> None:
    """Supersede an earlier event: change some of its fields, or withdraw it."""
    if withdraw == bool(set_):
        raise InputError("give either --set FIELD=VALUE (one or more) or --withdraw")
    ledger = state.ledger()
    history = ledger.history(item)
    if not 0 <= seq < len(history):
        raise InputError(f"item {history[0].event.item} has no event {seq}")
    data: dict[str, Any] = {"supersedes": seq, "reason": reason}
    if set_:
        replacement = dict(history[seq].event.data)
        for pair in set_:
            field, sep, value = pair.partition("=")
            if not sep or not field:
                raise InputError(f"--set takes FIELD=VALUE; got {pair!r}")
            # Values stay text; the schema turns "1958" into a year where a number is due.
            replacement[field.strip()] = value
        data["data"] = replacement
    _append(item, EventType.CORRECT, data)


@app.command()
def transfer(
    item: Annotated[str, typer.Argument(help="Item id.")],
    to: Annotated[
        str, typer.Option("--to", help="New owner's name or label (kept in the vault only).")
    ],
    contact: Annotated[str | None, typer.Option("--contact", help="Contact (vault only).")] = None,
    claim_code: Annotated[
        bool, typer.Option("--claim-code", help="Issue a claim code to the buyer (shown once).")
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="sale, consignment, gift, return, other.")
    ] = "sale",
    price: Annotated[
        str | None,
        typer.Option("--price", help="Sale price, e.g. 120.50 (private: kept in the vault)."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code, e.g. EUR.")
    ] = None,
    public_price: Annotated[
        bool,
        typer.Option(
            "--public-price",
            help="Put the price in the public history (default: only a commitment to it).",
        ),
    ] = False,
) -> None:
    """Record a sale or other change of owner; the event names nobody, and its price stays
    private unless --public-price."""
    if public_price and price is None:
        raise InputError("--public-price needs --price and --currency")
    sale_price = parse_price(price, currency)
    receipt = state.ledger().transfer(
        signer=state.signer(),
        item=item,
        label=to,
        contact=contact,
        claim_code=claim_code,
        reason=reason,
        price=sale_price,
        public_price=public_price,
    )
    stored = receipt.stored

    def human() -> None:
        console.print(
            f"{stored.event.item} event {stored.event.seq}: transferred to {receipt.owner_id}"
        )
        if sale_price is not None:
            where = "in the public history" if public_price else "in the vault only (committed)"
            console.print(f"Price recorded {where}")
        if receipt.claim_code:
            console.print(
                f"Claim code (give it to the buyer; it is not stored): {receipt.claim_code}"
            )

    emit(
        {
            "ok": True,
            "item": stored.event.item,
            "seq": stored.event.seq,
            "log_index": stored.log_index,
            "owner": receipt.owner_id,
            "claim_code": receipt.claim_code,
            "price": None if sale_price is None else ("public" if public_price else "private"),
        },
        human,
    )


def _append(
    item: str, event_type: EventType, data: dict[str, Any], photos: list[Path] | None = None
) -> None:
    stored = state.ledger().append(
        signer=state.signer(),
        item=item,
        event_type=event_type,
        data=data,
        photos=read_photos(photos),
    )
    _emit_stored(stored)


def _emit_stored(stored: "StoredEvent") -> None:
    from provenance.ledger.state import describe

    ev = stored.event
    emit(
        {
            "ok": True,
            "item": ev.item,
            "seq": ev.seq,
            "type": str(ev.type),
            "log_index": stored.log_index,
            "hash": stored.signed.hash,
            "data": ev.data,
        },
        lambda: console.print(f"{ev.item} event {ev.seq} ({ev.type}): {describe(ev)}"),
    )


def _refuse(kind: str, **options: object) -> None:
    given = [
        f"--{name.replace('_', '-')}" for name, value in options.items() if value not in (None, [])
    ]
    if given:
        raise InputError(f"{', '.join(given)} does not apply to a {kind} item")
