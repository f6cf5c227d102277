"""`provenance audit` and `provenance show` after someone edits the database by hand.

The attacker here has full SQL access: they drop the append-only triggers first, as a
database administrator could. The library-level tamper tests cover more cases; these check
what staff see: a non-zero exit and a line that names the item and the event.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from provenance.ledger.canonical import event_hash

from ..samples import JPEG, PNG
from .conftest import Cli

Tamper = Callable[[Connection, str], None]


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(text("DROP TRIGGER events_no_delete"))
    else:
        conn.execute(text("DROP TRIGGER events_no_update_delete ON events"))


def _edit_body(old: str, new: str, *, fix_hash: bool = False) -> Tamper:
    def tamper(conn: Connection, item: str) -> None:
        body = conn.execute(
            text("SELECT body FROM events WHERE item = :i AND seq = 1"), {"i": item}
        ).scalar_one()
        assert old in body
        forged = body.replace(old, new)
        # A careful forger also recomputes the stored hash; only the signature can catch that.
        digest = event_hash(forged.encode()) if fix_hash else None
        conn.execute(
            text(
                "UPDATE events SET body = :b, hash = COALESCE(:h, hash) WHERE item = :i AND seq = 1"
            ),
            {"b": forged, "h": digest, "i": item},
        )

    return tamper


def _sql(statement: str) -> Tamper:
    def tamper(conn: Connection, item: str) -> None:
        conn.execute(text(statement), {"i": item})

    return tamper


CASES: dict[str, tuple[Tamper, int, str]] = {
    "grade": (_edit_body('"media":"VG+"', '"media":"NM"'), 1, "hash"),
    "grade-and-hash": (_edit_body('"media":"VG+"', '"media":"NM"', fix_hash=True), 1, "signature"),
    "timestamp-and-hash": (_edit_body('"at":"20', '"at":"19', fix_hash=True), 1, "signature"),
    "signer-column": (
        _sql(
            "UPDATE events SET signer = (SELECT signer FROM events WHERE seq = 0 AND item = :i) "
            "WHERE item = :i AND seq = 1"
        ),
        1,
        "format",
    ),
    "at-column": (
        _sql("UPDATE events SET at = '2001-01-01T00:00:00Z' WHERE item = :i AND seq = 1"),
        1,
        "format",
    ),
    "deleted": (_sql("DELETE FROM events WHERE item = :i AND seq = 1"), 2, "chain"),
    "reordered": (
        _sql("UPDATE events SET log_index = -log_index WHERE item = :i AND seq IN (1, 2)"),
        2,
        "chain",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_audit_names_the_tampered_event(cli: Cli, case: str) -> None:
    tamper, seq, check = CASES[case]
    item = cli.ok("register", "--kind", "vinyl", "--title", "T", "--artist", "A", key="rick")[
        "item"
    ]
    cli.ok("grade", item, "--media", "VG+", "--sleeve", "VG", "--method", "play", key="anna")
    cli.ok("note", item, "plays clean", key="anna")
    cli.ok("note", item, "second look", key="anna")
    assert cli.run("audit").code == 0

    engine = create_engine(cli.db_url)
    with engine.begin() as conn:
        _drop_triggers(conn)
        tamper(conn, item)
    engine.dispose()

    human = cli.run("audit")
    assert human.code == 1 and "Traceback" not in human.err
    assert f"{item} event {seq}" in human.out, human.out
    assert "FAILED" in human.out
    report = cli.run("--json", "audit")
    assert report.code == 1
    findings = report.json()["findings"]
    assert any(f["item"] == item and f["seq"] == seq and f["check"] == check for f in findings), (
        findings
    )
    shown = cli.run("show", item)
    assert shown.code == 1 and "✗" in shown.out


def test_database_refuses_edits_while_triggers_stand(cli: Cli) -> None:
    item = cli.ok("register", "--kind", "vinyl", "--title", "T", "--artist", "A", key="rick")[
        "item"
    ]
    engine = create_engine(cli.db_url)
    try:
        for statement in (
            "UPDATE events SET body = 'x' WHERE item = :i",
            "DELETE FROM events WHERE item = :i",
        ):
            with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement), {"i": item})
    finally:
        engine.dispose()
    assert cli.run("audit").code == 0


@pytest.mark.parametrize(
    ("statement", "needle"),
    [
        ("UPDATE blobs SET data = :d", "was altered"),
        ("DELETE FROM blobs", "is missing"),
    ],
)
def test_audit_and_show_catch_an_altered_or_deleted_photo(
    cli: Cli, tmp_path: Path, statement: str, needle: str
) -> None:
    photo = tmp_path / "label.png"
    photo.write_bytes(PNG)
    item = cli.ok(
        "register", "--kind", "vinyl", "--title", "T", "--artist", "A", "--photo", str(photo),
        key="rick",
    )["item"]  # fmt: skip
    assert cli.run("audit").code == 0
    engine = create_engine(cli.db_url)
    with engine.begin() as conn:
        conn.execute(text(statement), {"d": JPEG} if ":d" in statement else {})
    engine.dispose()
    human = cli.run("audit")
    assert human.code == 1 and "Traceback" not in human.err
    assert f"{item} event 0" in human.out and needle in human.out, human.out
    findings = cli.run("--json", "audit").json()["findings"]
    assert [(f["item"], f["seq"], f["check"]) for f in findings] == [(item, 0, "photo")]
    shown = cli.run("--json", "show", item)
    assert shown.code == 1 and needle in shown.json()["events"][0]["problem"]
