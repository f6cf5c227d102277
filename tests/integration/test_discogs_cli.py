"""The Discogs bridge through the real ``provenance`` console script: ``import --format
discogs`` (registers and grades, private mapping, nothing twice, all or nothing, line-numbered
errors), ``listings export --format discogs`` read back, and ``register --discogs-release``.

Every write runs on SQLite and PostgreSQL; the export file is ``tests/assets/discogs``'.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ..samples import ASSETS
from .conftest import Cli, Result
from .test_cli_startup import NOT_FOR_READS, run_and_list

INVENTORY = ASSETS / "discogs" / "inventory.csv"
BASE = "https://records.example/shop"
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _inventory_rows() -> dict[str, dict[str, str]]:
    with INVENTORY.open(encoding="utf-8-sig", newline="") as f:
        return {row["listing_id"]: row for row in csv.DictReader(f)}


def _mapping(cli: Cli) -> list[tuple[Any, ...]]:
    engine = create_engine(cli.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM discogs_listings ORDER BY listing_id")).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]


def _variant(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the export with ``old`` replaced by ``new``, and the line that is on."""
    raw = INVENTORY.read_bytes().decode("utf-8-sig")
    assert raw.count(old) == 1, old
    path = tmp_path / "inventory.csv"
    path.write_text(raw.replace(old, new), encoding="utf-8-sig", newline="")
    return path, raw[: raw.index(old)].count("\n") + 1


def _one_line_error(result: Result, code: int, needle: str) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert needle in result.err, result.err


def _import(cli: Cli, path: Path = INVENTORY, *extra: str) -> dict[str, Any]:
    return cli.ok(
        "import", "--format", "discogs", str(path), "--grader", "anna", *extra, key="rick"
    )


def test_import_then_export_round_trips_the_listings(cli: Cli, tmp_path: Path) -> None:
    ids_out = tmp_path / "ids.csv"
    done = _import(cli, INVENTORY, "--ids-out", str(ids_out))
    source = _inventory_rows()
    vinyl = {i: r for i, r in source.items() if r["format"].split(",")[0] != "CD"}
    assert done["count"] == 31 and len(set(done["items"])) == 31
    assert [s["listing_id"] for s in done["skipped"]] == [
        "2811903441",
        "2811903442",
        "2811903443",
        "2811903444",
        "2811903445",
    ]
    assert all("not a vinyl record" in s["reason"] for s in done["skipped"])
    item_of = {str(i["listing_id"]): i["item"] for i in done["imported"]}
    assert ids_out.read_text().splitlines()[1] == f"2,2811903411,{item_of['2811903411']}"

    # The record: a register event with the release, a grade signed by the grader.
    shown = cli.ok("show", item_of["2811903412"])
    register, grade = shown["events"]
    assert register["data"]["discogs_release"] == 1425983 and register["signer_name"] == "rick"
    assert (grade["data"]["media"], grade["data"]["sleeve"], grade["signer_name"]) == (
        "VG",
        "G+",
        "anna",
    )
    assert grade["data"]["notes"].endswith("Small seam split at the top (2 cm).")
    assert cli.ok("audit")["findings"] == []

    # Exported and read back: Discogs' own condition strings, the terms, the proof link.
    upload = tmp_path / "upload.csv"
    exported = cli.ok(
        "listings", "export", "--format", "discogs", "-o", str(upload), "--base-url", BASE
    )
    assert exported["count"] == 31 and exported["skipped"] == []
    with upload.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == [
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
        ]
        listed = {row["external_id"]: row for row in reader}
    assert set(listed) == set(item_of.values())
    for listing_id, item in item_of.items():
        row, was = listed[item], vinyl[listing_id]
        assert row["release_id"] == was["release_id"]
        assert row["media_condition"] == was["media_condition"]
        assert row["sleeve_condition"] == (was["sleeve_condition"] or "Not Graded")
        for column in ("price", "location", "accept_offer", "weight", "format_quantity"):
            assert row[column] == was[column], column
        proof = f"Provenance record: {BASE}/v/{item}"
        assert row["comments"].endswith(proof)
        notes = was["comments"].replace("\r\n", "\n")
        assert row["comments"] == (f"{notes} {proof}" if notes else proof)


def test_importing_again_registers_nothing_twice(cli: Cli) -> None:
    first = _import(cli)
    before, mapped = cli.snapshot(), _mapping(cli)
    again = _import(cli)
    assert (again["count"], again["items"]) == (0, [])
    reasons = {s["listing_id"]: s["reason"] for s in again["skipped"]}
    for imported in first["imported"]:
        assert reasons[str(imported["listing_id"])] == f"already imported as {imported['item']}"
    assert len(reasons) == 36
    assert cli.snapshot() == before and _mapping(cli) == mapped
    human = cli.run("import", "--format", "discogs", str(INVENTORY), "--grader", "anna", key="rick")
    assert human.code == 0 and f"Nothing to register from {INVENTORY}" in human.out
    assert "line 2: listing 2811903411: already imported as" in human.out


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("Good (G),Poor (P),Y", "Good (G),Very Poor,Y", "sleeve_condition: 'Very Poor' is not"),
        (
            "Sealed. Hype sticker on the shrink.",
            "Sealed. Questions? jane.doe@example.com",
            "comments: looks like an e-mail address; personal data never goes in an event",
        ),
    ],
)
def test_a_bad_row_writes_nothing_and_names_its_line(
    cli: Cli, tmp_path: Path, old: str, new: str, needle: str
) -> None:
    path, line = _variant(tmp_path, old, new)
    before = cli.snapshot()
    result = cli.run("import", "--format", "discogs", str(path), "--grader", "anna", key="rick")
    _one_line_error(result, 2, f"{path} line {line}: {needle}")
    assert cli.snapshot() == before and _mapping(cli) == []


def test_the_private_mapping_stays_out_of_the_proof(cli: Cli, tmp_path: Path) -> None:
    done = _import(cli)
    cli.ok("log", "checkpoint")
    source = _inventory_rows()
    item = done["imported"][0]["item"]
    bundle = tmp_path / "proof.json"
    cli.ok("export", item, "-o", str(bundle))
    public = bundle.read_text(encoding="utf-8") + json.dumps(cli.ok("show", item))
    was = source["2811903411"]
    for secret in ("2811903411", was["price"], was["location"], "18500"):
        assert secret not in public
    assert '"discogs_release": 2602178' in public or '"discogs_release":2602178' in public
    (row,) = [r for r in _mapping(cli) if r[0] == 2811903411]
    assert row[1:6] == (item, 18500, "Shelf A, box 3", True, 230)


@sqlite_only
def test_the_commands_refuse_what_they_cannot_do(cli: Cli, item: str, tmp_path: Path) -> None:
    before = cli.snapshot()
    _one_line_error(
        cli.run("import", "--format", "discogs", str(INVENTORY), key="rick"),
        2,
        "--format discogs needs --grader NAME",
    )
    _one_line_error(
        cli.run("import", str(INVENTORY), "--grader", "anna", key="rick"),
        2,
        "--grader and --method apply to --format discogs only",
    )
    _one_line_error(
        cli.run("import", "--format", "discogs", str(INVENTORY), "--grader", "nobody", key="rick"),
        4,
        "no key file for 'nobody'",
    )
    # A grader key that may not grade: nothing is written.
    _one_line_error(
        cli.run("import", "--format", "discogs", str(INVENTORY), "--grader", "rick", key="rick"),
        6,
        "a registrar key may not sign grade events",
    )
    assert cli.snapshot() == before and _mapping(cli) == []
    # The store's first record has no release: named, an error; unnamed, nothing to list.
    upload = tmp_path / "upload.csv"
    _one_line_error(
        cli.run("listings", "export", item, "-o", str(upload)),
        2,
        f"item {item} cannot be listed on Discogs: its registration names no Discogs release",
    )
    _one_line_error(cli.run("listings", "export", "-o", str(upload)), 2, "no item names a release")
    _one_line_error(
        cli.run("listings", "export", "-o", str(upload), "--base-url", "ftp://x"),
        2,
        "must be http(s)://",
    )
    assert not upload.exists()


def test_register_discogs_release_and_export_one_item(cli: Cli, tmp_path: Path) -> None:
    record = cli.ok(
        "register",
        "--kind",
        "vinyl",
        "--title",
        "Blue Train",
        "--artist",
        "John Coltrane",
        "--discogs-release",
        "1425983",
        key="rick",
    )["item"]
    assert cli.ok("show", record)["events"][0]["data"]["discogs_release"] == 1425983
    shown = cli.run("show", record)
    assert "On Discogs: https://www.discogs.com/release/1425983" in shown.out, shown.err
    refused = cli.run(
        "register", "--kind", "film", "--title", "F", "--gauge", "16mm", "--discogs-release", "5",
        key="rick",
    )  # fmt: skip
    _one_line_error(refused, 2, "--discogs-release does not apply to a film item")
    usage = cli.run(
        "register", "--kind", "vinyl", "--title", "T", "--artist", "A", "--discogs-release", "0",
        key="rick",
    )  # fmt: skip
    assert usage.code == 2 and "Traceback" not in usage.err and "--discogs-release" in usage.err
    cli.ok("grade", record, "--media", "NM", "--sleeve", "No Cover", "--method", "play", key="anna")
    cli.ok("status", record, "stolen", key="rick")
    upload = tmp_path / "upload.csv"
    skipped = cli.run("--json", "listings", "export", "-o", str(upload))
    _one_line_error(skipped, 2, f"every item with a release was skipped ({record}: it is")
    cli.ok("status", record, "recovered", key="rick")
    done = cli.ok("listings", "export", record, "-o", str(upload), "--base-url", BASE + "/")
    public = cli.run("listings", "export", record, "-o", str(upload), "--base-url", BASE)
    assert public.code == 0 and "warning" not in public.err
    assert (
        cli.ok("listings", "export", record, "-o", str(upload), "--base-url", BASE)["warnings"]
        == []
    )
    assert done["items"] == [record]
    with upload.open(encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row == {
        "release_id": "1425983",
        "price": "",
        "media_condition": "Near Mint (NM or M-)",
        "sleeve_condition": "No Cover",
        "comments": f"Provenance record: {BASE}/v/{record}",
        "accept_offer": "",
        "location": "",
        "external_id": record,
        "weight": "",
        "format_quantity": "",
    }


@sqlite_only
def test_the_bridge_loads_no_heavy_package(cli: Cli, tmp_path: Path) -> None:
    args = ["--json", "--key", "rick", "import", "--format", "discogs", str(INVENTORY)]
    imported, loaded = run_and_list(cli, *args, "--grader", "anna")
    assert imported.code == 0 and imported.json()["count"] == 31, imported.err
    assert not loaded & NOT_FOR_READS, sorted(loaded & NOT_FOR_READS)
    listed, loaded = run_and_list(cli, "--json", "listings", "export", "-o", str(tmp_path / "u"))
    assert listed.code == 0 and listed.json()["count"] == 31, listed.err
    # The default base URL is this machine's: the listings would link nowhere a buyer can go.
    (warning,) = listed.json()["warnings"]
    assert warning.startswith("the listings link to http://127.0.0.1:8000, which buyers")
    human = cli.run("listings", "export", "-o", str(tmp_path / "u"))
    assert "warning: the listings link to http://127.0.0.1:8000" in human.err
    assert not loaded & NOT_FOR_READS, sorted(loaded & NOT_FOR_READS)  # no qrcode for a URL
