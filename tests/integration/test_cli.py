"""The staff CLI end to end: the real ``provenance`` console script in a subprocess, on SQLite
and on the PostgreSQL server the test command starts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from provenance.privacy.commitments import verify_claim

from .conftest import Cli, Result

# Each CLI call is a real process (~0.6 s). Behaviour that does not depend on the database
# runs on SQLite only; everything that writes runs on both (and the library tests cover
# PostgreSQL in depth).
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_walkthrough(cli: Cli, item: str) -> None:
    grade = cli.ok(
        "grade", item, "--media", "VG+", "--sleeve", "VG", "--method", "play", key="anna"
    )
    assert (grade["seq"], grade["data"]["media"]) == (1, "VG+")
    sale = cli.ok(
        "transfer",
        item,
        "--to",
        "Jane Example",
        "--contact",
        "jane@example.com",
        "--claim-code",
        "--price",
        "450.00",
        "--currency",
        "EUR",
        key="rick",
    )
    cli.ok("correct", item, "1", "--reason", "sleeve regraded", "--set", "sleeve=VG+", key="anna")
    cli.ok("status", item, "stolen", "--note", "taken at the fair", key="rick")
    film = cli.ok(
        "register",
        "--kind",
        "film",
        "--title",
        "The Third Man",
        "--director",
        "Carol Reed",
        "--gauge",
        "16mm",
        "--reels",
        "3",
        key="rick",
    )["item"]
    cli.ok("grade", film, "--ad-level", "1.5", "--shrinkage", "8", "--splices", "2", key="anna")

    shown = cli.ok("show", item)
    assert [e["type"] for e in shown["events"]] == [
        "register",
        "grade",
        "transfer",
        "correct",
        "status",
    ]
    assert all(e["ok"] for e in shown["events"])
    summary = shown["summary"]
    assert summary["grade"]["sleeve"] == "VG+"  # the correction is in force
    assert (summary["owners"], summary["status"]) == (1, "stolen")
    # The claim code opens the commitment in the signed transfer; the event names nobody.
    transfer = shown["events"][2]
    verify_claim(item=item, code=sale["claim_code"], commitment=transfer["data"]["claim"])
    assert "Jane" not in json.dumps(shown) and "jane@" not in json.dumps(shown)
    # The price is private by default: a commitment in the event, the amount in the vault.
    assert "price" not in transfer["data"] and len(transfer["data"]["price_commitment"]) == 64
    assert sale["price"] == "private" and "45000" not in json.dumps(shown)
    (owner,) = cli.ok("owners", "list")["owners"]
    assert owner["price"] == {"amount": 45000, "currency": "EUR"}

    report = cli.ok("audit")
    assert (report["events"], report["items"], report["findings"]) == (10, 2, [])
    human = cli.run("show", item)
    assert human.code == 0 and "All checks passed" in human.out and "FLAGGED STOLEN" in human.out


def test_import_csv(cli: Cli, tmp_path: Path) -> None:
    csv = tmp_path / "stock.csv"
    lines = ["kind,title,artist,matrix_a,year,gauge,director"]
    lines += [f"vinyl,Record {n},Artist {n},RUN-{n}-A,{1950 + n},," for n in range(40)]
    lines += ["film,Reel,,,1960,35mm,Someone"]
    csv.write_text("\n".join(lines) + "\n")
    ids_out = tmp_path / "ids.csv"
    data = cli.ok("import", str(csv), "--ids-out", str(ids_out), key="rick")
    assert data["count"] == 41 and len(set(data["items"])) == 41
    assert ids_out.read_text().splitlines()[1] == f"1,{data['items'][0]}"
    shown = cli.ok("show", data["items"][3])
    assert shown["events"][0]["data"]["matrix"] == {"A": "RUN-3-A"}
    assert cli.ok("audit")["items"] == 42  # and the store's first record


def test_key_lifecycle(cli: Cli, item: str) -> None:
    cli.ok("note", item, "first look", key="anna")
    rotated = cli.ok("keys", "rotate", "anna")
    assert rotated["name"] == "anna-2"
    refused = cli.run("note", item, "signed with the rotated-out key", key="anna")
    assert refused.code == 6 and "revoked" in refused.err
    cli.ok("note", item, "signed with the new key", key="anna-2")
    cli.ok("keys", "revoke", "rick", "--reason", "left the shop")
    keys = {k["name"]: k for k in cli.ok("keys", "list")["keys"]}
    assert keys["rick"]["status"] == keys["anna"]["status"] == "revoked"
    assert keys["anna"]["replaced_by"] == keys["anna-2"]["key"]
    last_admin = cli.run("keys", "revoke", "admin")
    assert last_admin.code == 2 and "last active admin" in last_admin.err
    assert cli.ok("audit")["findings"] == []


def _one_line_error(result: Result, code: int, needle: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("provenance: error: "), result.err
    assert needle in lines[0]


@sqlite_only
@pytest.mark.parametrize(
    ("args", "key", "env", "code", "needle"),
    [
        (["show", "00000-00000-0"], None, {}, 3, "no item 00000-00000-0"),
        (["show", "7KQ2M-9XDPA-Q"], None, {}, 2, "check symbol"),
        (["grade", "{item}", "--media", "NM", "--sleeve", "VG"], "anna", {}, 2, "needs --method"),
        (
            ["grade", "{item}", "--ad-level", "1", "--shrinkage", "3"],
            "anna",
            {},
            2,
            "does not apply",
        ),
        (
            ["note", "{item}", "x"],
            "anna",
            {"PROVENANCE_PASSPHRASE": "wrong"},
            4,
            "wrong passphrase",
        ),
        (["status", "{item}", "stolen"], "anna", {}, 6, "may not sign status"),
        (["note", "{item}", "ring +44 20 7946 0958"], "anna", {}, 2, "phone number"),
        (["note", "{item}", "x"], "ghost", {}, 4, "no key file for 'ghost'"),
        (
            ["transfer", "{item}", "--to", "X", "--price", "1.234", "--currency", "EUR"],
            "rick",
            {},
            2,
            "2 decimals",
        ),
        (
            [
                "register",
                "--kind",
                "vinyl",
                "--title",
                "T",
                "--artist",
                "A",
                "--photo",
                "/etc/hostname",
            ],
            "rick",
            {},
            2,
            "not a JPEG",
        ),
        (["owners", "forget", "own_0000"], None, {}, 3, "no owner own_0000"),
        (["transfer", "{item}", "--to", "X", "--public-price"], "rick", {}, 2, "needs --price"),
        (
            ["register", "--kind", "vinyl", "--title", "T", "--artist", "A", "--catalog", "j@x.io"],
            "rick",
            {},
            2,
            "catalog_number: may hold only letters, digits, spaces",
        ),
        (
            [
                "register",
                "--kind",
                "vinyl",
                "--title",
                "T",
                "--artist",
                "A",
                "--catalog",
                "+44 20 7946 0958",
            ],
            "rick",
            {},
            2,
            "catalog_number: looks like a phone number",
        ),
        (
            [
                "register",
                "--kind",
                "vinyl",
                "--title",
                "T",
                "--artist",
                "A",
                "--country",
                "jane at example dot com",
            ],
            "rick",
            {},
            2,
            "country: not a country or region in the vocabulary",
        ),
        (
            [
                "register",
                "--kind",
                "vinyl",
                "--title",
                "T",
                "--artist",
                "A",
                "--matrix",
                "A=ring O2O 7946 O958",
            ],
            "rick",
            {},
            2,
            "matrix.A.text: looks like a phone number",
        ),
        (
            [
                "register",
                "--kind",
                "film",
                "--title",
                "T",
                "--gauge",
                "16mm",
                "--print-type",
                "jane(at)example(dot)com",
            ],
            "rick",
            {},
            2,
            "print_type: looks like an e-mail address",
        ),
        (
            ["correct", "{item}", "0", "--reason", "r", "--withdraw"],
            "rick",
            {},
            2,
            "cannot be withdrawn",
        ),
    ],
)
def test_bad_input_one_line_and_no_change(
    cli: Cli,
    item: str,
    args: list[str],
    key: str | None,
    env: dict[str, str],
    code: int,
    needle: str,
) -> None:
    before = cli.snapshot()
    result = cli.run(*[a.replace("{item}", item) for a in args], key=key, env=env)
    _one_line_error(result, code, needle)
    assert cli.snapshot() == before


@sqlite_only
def test_usage_errors_exit_2_without_traceback(cli: Cli, item: str) -> None:
    for args in (["grade", item, "--media", "VG++"], ["status", item, "lost"], ["frobnicate"]):
        result = cli.run(*args)
        assert result.code == 2 and "Traceback" not in result.err
        assert "Error" in result.err


def test_revoked_key_refused_and_nothing_written(cli: Cli, item: str) -> None:
    cli.ok("keys", "revoke", "anna")
    before = cli.snapshot()
    result = cli.run(
        "grade", item, "--media", "NM", "--sleeve", "NM", "--method", "play", key="anna"
    )
    _one_line_error(result, 6, "was revoked at log index")
    assert cli.snapshot() == before


def test_malformed_csv_row_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("kind,title,artist,year\nvinyl,Good,A,1970\nvinyl,Bad,B,19x0\n")
    before = cli.snapshot()
    _one_line_error(cli.run("import", str(csv), key="rick"), 2, "line 3: year")
    csv.write_text("kind,title,artist,colour\nvinyl,A,B,red\n")
    _one_line_error(cli.run("import", str(csv), key="rick"), 2, "unknown column(s) colour")
    assert cli.snapshot() == before


def test_missing_database(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "nowhere", f"sqlite:///{tmp_path / 'nowhere' / 'ledger.db'}")
    _one_line_error(cli.run("show", "00000-00000-0"), 4, "run 'provenance init' first")
    assert not (tmp_path / "nowhere" / "ledger.db").exists()  # not silently created
    json_err = cli.run("--json", "audit")
    assert json_err.code == 4 and json_err.json() == {
        "ok": False,
        "error": json_err.err.strip().removeprefix("provenance: error: "),
        "kind": "configuration",
    }


@sqlite_only
def test_global_options_after_the_command(cli: Cli, item: str) -> None:
    result = cli.run("show", item, "--json")
    assert result.code == 0 and result.json()["item"] == item
    result = cli.run("note", item, "hello", "--key", "anna", "--json")
    assert result.code == 0 and result.json()["seq"] == 1


@sqlite_only
def test_init_is_idempotent(cli: Cli) -> None:
    again = cli.ok("init")
    assert again["admin_key_created"] is False and again["store"] == "Test Records"
    assert cli.ok("audit")["events"] == 4


@sqlite_only
def test_prices_are_private_unless_asked(cli: Cli, item: str) -> None:
    private = cli.ok(
        "transfer", item, "--to", "A", "--price", "99.95", "--currency", "gbp", key="rick"
    )
    public = cli.ok(
        "transfer",
        item,
        "--to",
        "B",
        "--price",
        "120",
        "--currency",
        "EUR",
        "--public-price",
        key="rick",
    )
    none = cli.ok("transfer", item, "--to", "C", "--reason", "gift", key="rick")
    assert (private["price"], public["price"], none["price"]) == ("private", "public", None)
    events = cli.ok("show", item)["events"]
    assert "price" not in events[1]["data"] and "price_commitment" in events[1]["data"]
    assert events[2]["data"]["price"] == {"amount": 12000, "currency": "EUR"}
    assert not {"price", "price_commitment"} & set(events[3]["data"])
    prices = {o["owner"]: o["price"] for o in cli.ok("owners", "list")["owners"]}
    assert prices == {
        private["owner"]: {"amount": 9995, "currency": "GBP"},
        public["owner"]: None,  # already public: nothing for the vault to keep
        none["owner"]: None,
    }
    human = cli.run("transfer", item, "--to", "D", "--price", "5", "--currency", "EUR", key="rick")
    assert human.code == 0 and "Price recorded in the vault only (committed)" in human.out
    cli.ok("owners", "forget", private["owner"])
    forgotten = {o["owner"]: o for o in cli.ok("owners", "list")["owners"]}[private["owner"]]
    assert forgotten["price"] is None
    assert cli.ok("audit")["findings"] == []


def test_owner_forget_erases_personal_data_only(tmp_path: Path, sqlite_url: str) -> None:
    cli = Cli(tmp_path / "home", sqlite_url)
    cli.ok("init")
    item = cli.ok("register", "--kind", "vinyl", "--title", "T", "--artist", "A")["item"]
    sale = cli.ok("transfer", item, "--to", "Zebedee Quuxington", "--contact", "zq@example.org")
    owners = cli.ok("owners", "list")["owners"]
    assert owners[0]["label"] == "Zebedee Quuxington"
    cli.ok("owners", "forget", sale["owner"])
    assert cli.ok("owners", "list")["owners"][0]["label"] is None
    assert cli.ok("audit")["findings"] == []
    assert cli.ok("show", item)["summary"]["owners"] == 1
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    for path in files:
        raw = path.read_bytes()
        assert b"Quuxington" not in raw and b"zq@example.org" not in raw, path
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT salt FROM owners").fetchone() == (None,)
