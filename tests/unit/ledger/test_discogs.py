"""Discogs' formats: the inventory export read into validated payloads (conditions as Goldmine
grades, non-vinyl rows skipped, line-numbered errors) and the upload CSV written back.

The export is ``tests/assets/discogs/inventory.csv`` (see ``tests/assets/README.md``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from provenance.errors import InputError
from provenance.ledger.discogs import (
    MEDIA_CONDITIONS,
    SLEEVE_CONDITIONS,
    UPLOAD_COLUMNS,
    Listing,
    ListingTerms,
    UploadRow,
    is_vinyl,
    listing_comments,
    media_condition,
    read_inventory,
    release_link,
    sleeve_condition,
    upload_csv,
)
from provenance.ledger.grading import Goldmine, GradingMethod, SleeveGrade
from provenance.ledger.schemas import EventType, validate_payload

from ...samples import ASSETS, FILM, VINYL

INVENTORY = ASSETS / "discogs" / "inventory.csv"
VISUAL = GradingMethod.VISUAL


def _text() -> str:
    """The export as written (its CRLF line ends kept)."""
    return INVENTORY.read_bytes().decode("utf-8-sig")


def _rows(path: Path = INVENTORY) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _by_id() -> dict[int, Listing]:
    return {x.listing_id: x for x in read_inventory(INVENTORY, method=VISUAL).listings}


def _line_of(text: str, needle: str) -> int:
    """The line of ``text`` on which ``needle`` starts (1-based)."""
    return text[: text.index(needle)].count("\n") + 1


def _variant(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the export with ``old`` replaced by ``new``, and the line it is on."""
    text = _text()
    assert text.count(old) == 1, old
    path = tmp_path / "inventory.csv"
    path.write_text(text.replace(old, new), encoding="utf-8-sig", newline="")
    return path, _line_of(text, old)


# -- the asset -------------------------------------------------------------------------------


def test_the_asset_is_what_the_tests_claim() -> None:
    raw = INVENTORY.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
    rows = _rows()
    assert len(rows) >= 30
    assert {r["media_condition"] for r in rows} >= set(MEDIA_CONDITIONS)
    assert {r["sleeve_condition"] for r in rows} >= set(SLEEVE_CONDITIONS)
    assert any("," in r["comments"] and "\n" in r["comments"] for r in rows)
    assert {"CD", "Cassette", "File", "DVD"} <= {r["format"].split(",")[0] for r in rows}


def test_reads_every_vinyl_listing_and_skips_the_rest_by_line() -> None:
    inventory = read_inventory(INVENTORY, method=VISUAL)
    text = _text()
    rows = _rows()
    vinyl = [r for r in rows if is_vinyl(r["format"])]
    assert len(inventory.listings) == len(vinyl) == 31
    assert [s.listing_id for s in inventory.skipped] == [
        r["listing_id"] for r in rows if not is_vinyl(r["format"])
    ]
    assert all("not a vinyl record" in s.reason for s in inventory.skipped)
    # Line numbers are where each row starts, counting the lines quoted newlines make.
    for listing in inventory.listings:
        assert listing.line == _line_of(text, str(listing.listing_id))
    for skipped in inventory.skipped:
        assert skipped.line == _line_of(text, skipped.listing_id)
    # Three lines above the first skipped row belong to rows that started earlier.
    assert inventory.skipped[0].line == [r["listing_id"] for r in rows].index("2811903441") + 5


def test_each_listing_becomes_a_register_and_a_grade_payload() -> None:
    listings = _by_id()
    for row in _rows():
        if not is_vinyl(row["format"]):
            continue
        got = listings[int(row["listing_id"])]
        assert got.register["kind"] == "vinyl"
        assert got.register["discogs_release"] == int(row["release_id"])
        assert got.register["title"] == row["title"]
        assert got.grade["media"] == MEDIA_CONDITIONS[row["media_condition"]]
        assert got.grade["sleeve"] == SLEEVE_CONDITIONS[row["sleeve_condition"] or "Not Graded"]
        assert got.grade["method"] == "visual"
        assert got.grade.get("notes", "") == row["comments"].replace("\r\n", "\n")


def test_quoted_commas_newlines_and_names_are_read_as_written() -> None:
    listings = _by_id()
    abbey = listings[2811903411]
    assert abbey.grade["notes"].startswith('First UK pressing, "Her Majesty" not listed')
    assert abbey.terms == ListingTerms(
        price_amount=18500, location="Shelf A, box 3", accept_offer=True, weight=230,
        format_quantity=1,
    )  # fmt: skip
    train = listings[2811903412]
    assert train.grade["notes"] == (
        "Deep groove both sides, ear in the runout.\nSmall seam split at the top (2 cm)."
    )
    assert train.register["catalog_number"] == "BLP 1577"
    assert train.terms.accept_offer is False and train.terms.price_amount == 145000
    assert listings[2811903414].register["artist"] == "Nirvana"  # Discogs' "(2)" dropped
    assert listings[2811903426].register["title"] == '"Heroes"'
    knives = listings[2811903425]
    assert (knives.register["artist"], knives.register["title"]) == ("坂本龍一", "千のナイフ")
    assert listings[2811903446].grade["sleeve"] == "Not Graded"  # empty sleeve condition
    assert "notes" not in listings[2811903415].grade  # no comments, no notes


def test_columns_in_any_order_and_unknown_ones_are_ignored(tmp_path: Path) -> None:
    rows = _rows()
    columns = [*reversed(list(rows[0])), "colour"]
    path = tmp_path / "shuffled.csv"
    with path.open("w", encoding="utf-8", newline="") as f:  # and no byte-order mark
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows({**r, "colour": "red"} for r in rows)
    shuffled = read_inventory(path, method=GradingMethod.PLAY)
    original = read_inventory(INVENTORY, method=GradingMethod.PLAY)
    assert [x.register for x in shuffled.listings] == [x.register for x in original.listings]
    assert [x.grade for x in shuffled.listings] == [x.grade for x in original.listings]
    assert {x.grade["method"] for x in shuffled.listings} == {"play"}


@pytest.mark.parametrize(
    ("text", "vinyl"),
    [
        ("LP, Album", True),
        ("2xLP, Comp, Gat", True),
        ('Vinyl, 7", 45 RPM, Single', True),
        ('2x12", Album', True),
        ('Vinyl, 10", 78 RPM', True),
        ("3 x Vinyl, LP", True),
        ("lp", True),
        ("CD, Album", False),
        ("Cassette, Album", False),
        ("File, MP3, Album, 320 kbps", False),
        ("Box Set, Ltd, 5xCD", False),
        ("DVD, DVD-Video, NTSC", False),
        ("Album, LPX", False),
    ],
)
def test_is_vinyl(text: str, vinyl: bool) -> None:
    assert is_vinyl(text) is vinyl


# -- conditions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "grade"), list(MEDIA_CONDITIONS.items()))
def test_media_conditions_map_to_goldmine_and_back(text: str, grade: Goldmine) -> None:
    assert media_condition(grade) == text
    assert sleeve_condition(grade) == text


def test_the_scales_cover_goldmine_and_the_sleeve_grades() -> None:
    assert set(MEDIA_CONDITIONS.values()) == set(Goldmine)
    assert set(SLEEVE_CONDITIONS.values()) == set(SleeveGrade)
    assert [sleeve_condition(g) for g in ("Generic", "Not Graded", "No Cover")] == [
        "Generic",
        "Not Graded",
        "No Cover",
    ]


def test_conditions_match_ignoring_case_and_spacing(tmp_path: Path) -> None:
    path, _line = _variant(
        tmp_path, "Mint (M),Mint (M),N,,,,,Shelf C", "mint  (m),NO COVER,N,,,,,Shelf C"
    )
    got = {x.listing_id: x for x in read_inventory(path, method=VISUAL).listings}[2811903414]
    assert (got.grade["media"], got.grade["sleeve"]) == ("M", "No Cover")


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "Good (G),Poor (P),Y",
            "Good (G),Very Poor,Y",
            r"sleeve_condition: 'Very Poor' is not a Discogs condition \(one of: Mint \(M\)",
        ),
        ("Very Good Plus (VG+),No Cover", ",No Cover", "media_condition: empty"),
        (",2602178,", ",26x2178,", "release_id: '26x2178' is not a Discogs release id"),
        (",1131457,", ",0,", "release_id: '0' is not a Discogs release id"),
        ("2811903418,", "28119034x8,", "listing_id: '28119034x8' is not a Discogs listing id"),
        (",185.00,", ',"185,00",', r"price: '185,00' is not an amount like 25.00"),
        (",1C 064-82 306,", ",1C 064*82 306,", r"catno: may hold only letters.*not \*"),
        (",Y,,230,", ",maybe,,230,", "accept_offer: 'maybe' is neither Y nor N"),
        (",230,1,", ",heavy,1,", r"weight: 'heavy' is not a whole number \(or auto\)"),
        (
            "Sealed. Hype sticker on the shrink.",
            "Sealed. Ask Jane: 020 7946 0958",
            "comments: looks like a phone number; personal data never goes in an event",
        ),
        (
            "With the poster.",
            "With the poster. Mail jane.doe@example.com",
            "comments: looks like an e-mail address",
        ),
        ("Plum labels. Heavy ringwear.", "x" * 2001, "comments: String should have at most"),
        ('"Vinyl, LP, Album, Mono"', '""', "format: empty"),
    ],
)
def test_a_bad_row_names_the_line_and_column(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path, line = _variant(tmp_path, old, new)
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))} line {line}: {message}"):
        read_inventory(path, method=VISUAL)


def test_a_listing_twice_is_refused(tmp_path: Path) -> None:
    path, line = _variant(tmp_path, "2811903439,", "2811903438,")
    first = _line_of(_text(), "2811903438,")
    with pytest.raises(
        InputError, match=f"line {line}: listing_id: 2811903438 is listed already, on line {first}"
    ):
        read_inventory(path, method=VISUAL)


def test_a_short_row_is_refused(tmp_path: Path) -> None:
    path, line = _variant(tmp_path, ",,,,,Shelf F\r\n2811903425", ",,Shelf F\r\n2811903425")
    with pytest.raises(InputError, match=f"line {line}: 16 cells, the header has 19"):
        read_inventory(path, method=VISUAL)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"listing_id,artist,title\n1,a,b\n", "no release_id, format, media_condition"),
        (
            b"listing_id,release_id,artist,title,format,media_condition,format\n",
            "column format appears twice",
        ),
        (b"listing_id,release_id,artist,title,format,media_condition\n", "no listings"),
        (b"\xff\xfel\x00", "is not UTF-8 text"),
    ],
)
def test_what_is_not_an_export_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_inventory(path, method=VISUAL)
    with pytest.raises(InputError, match="no such file"):
        read_inventory(tmp_path / "missing.csv", method=VISUAL)


# -- the upload CSV and links ----------------------------------------------------------------


def test_upload_csv_speaks_discogs() -> None:
    rows = [
        UploadRow(
            release_id=2602178,
            media="VG+",
            sleeve="No Cover",
            comments=listing_comments('Light hairlines, "Her Majesty"', "https://s.example/v/X"),
            external_id="RYDQA-FXQZB-6",
            terms=ListingTerms(18505, "Shelf A, box 3", True, 230, 1),
        ),
        UploadRow(1425983, "NM", "Generic", listing_comments(None, "https://s/v/Y"), "Y", None),
    ]
    text = upload_csv(rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == list(UPLOAD_COLUMNS)
    assert read[1] == [
        "2602178",
        "185.05",
        "Very Good Plus (VG+)",
        "No Cover",
        'Light hairlines, "Her Majesty" Provenance record: https://s.example/v/X',
        "Y",
        "Shelf A, box 3",
        "RYDQA-FXQZB-6",
        "230",
        "1",
    ]
    assert read[2] == [
        "1425983",
        "",
        "Near Mint (NM or M-)",
        "Generic",
        "Provenance record: https://s/v/Y",
        "",
        "",
        "Y",
        "",
        "",
    ]


@pytest.mark.parametrize(
    ("register", "link"),
    [
        ({"discogs_release": 2602178}, "https://www.discogs.com/release/2602178"),
        ({}, None),
        ({"discogs_release": "2602178"}, None),  # not as signed: no link built from it
        ({"discogs_release": True}, None),
        ({"discogs_release": 0}, None),
        ({"discogs_release": "1/../../evil"}, None),
    ],
)
def test_release_link(register: dict[str, object], link: str | None) -> None:
    assert release_link(register) == link


# -- the register field ----------------------------------------------------------------------


def test_a_vinyl_registration_may_name_its_discogs_release() -> None:
    out = validate_payload(EventType.REGISTER, {**VINYL, "discogs_release": "1425983"}, kind=None)
    assert out["discogs_release"] == 1425983  # text from the CLI or a CSV, kept as a number
    for rules in ("new", "stored"):  # registrations from before the field still read the same
        assert validate_payload(EventType.REGISTER, VINYL, kind=None, rules=rules) == {
            **VINYL,
            "photos": [],
        }
    stored = validate_payload(EventType.REGISTER, out, kind=None, rules="stored")
    assert stored == out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**VINYL, "discogs_release": 0}, "discogs_release: Input should be greater than or equal"),
        (
            {**VINYL, "discogs_release": -5},
            "discogs_release: Input should be greater than or equal",
        ),
        ({**VINYL, "discogs_release": 2**53}, "discogs_release: Input should be less than"),
        ({**VINYL, "discogs_release": "r123"}, "discogs_release: Input should be a valid integer"),
        ({**FILM, "discogs_release": 1}, "discogs_release: Extra inputs are not permitted"),
    ],
)
def test_bad_discogs_releases_are_refused(data: dict[str, object], message: str) -> None:
    for rules in ("new", "stored"):
        with pytest.raises(InputError, match=message):
            validate_payload(EventType.REGISTER, data, kind=None, rules=rules)
