"""``provenance log``: checkpoints and proofs through the real console script, checked with
nothing but the library's plain-value verifiers and the log's published verifier key."""

from __future__ import annotations

import json

import pytest

from provenance.log import merkle
from provenance.log.checkpoint import parse_verifier_key, verify_checkpoint

from .conftest import Cli
from .test_cli import _one_line_error, sqlite_only


def _verify_inclusion(proof: dict[str, object], root_hex: str) -> None:
    assert proof["root"] == root_hex
    merkle.verify_inclusion(
        index=int(str(proof["leaf_index"])),
        size=int(str(proof["tree_size"])),
        leaf_hash=bytes.fromhex(str(proof["leaf_hash"])),
        proof=[bytes.fromhex(h) for h in proof["path"]],  # type: ignore[attr-defined]
        root=bytes.fromhex(root_hex),
    )


def test_checkpoint_and_proofs(cli: Cli, item: str) -> None:
    shown = cli.ok("log", "show")
    # init (2 key events: the store, the admin), keys rick and anna, one record.
    assert (shown["size"], shown["pending"], shown["latest_checkpoint"]) == (4, 4, None)
    name, public_key = parse_verifier_key(shown["verifier_key"])
    assert name == shown["origin"] == "provenance.log/test-records"

    first = cli.ok("log", "checkpoint")
    assert (first["new"], first["size"]) == (True, 4)
    cp = verify_checkpoint(first["note"], name=name, public_key=public_key, origin=name)
    assert (cp.size, cp.root.hex()) == (4, first["root"])
    again = cli.ok("log", "checkpoint")  # nothing new: the same checkpoint, not a second one
    assert (again["new"], again["note"]) == (False, first["note"])

    # Every event of the item is in the checkpointed tree.
    shown_proof = cli.ok("log", "proof", item)
    assert shown_proof["checkpoint"] == first["note"]
    proofs = shown_proof["proofs"]
    assert [p["item"] for p in proofs] == [item]
    for p in proofs:
        _verify_inclusion(p, first["root"])
        # The leaf is recomputable from the event: SHA-256(0x00 ‖ event hash ‖ signature).
        data = bytes.fromhex(p["event_hash"]) + bytes.fromhex(p["signature"])
        assert merkle.leaf_hash(data).hex() == p["leaf_hash"]

    cli.ok("grade", item, "--media", "VG+", "--sleeve", "VG", "--method", "visual", key="anna")
    shown = cli.ok("log", "show")
    assert (shown["size"], shown["pending"]) == (5, 1)
    second = cli.ok("log", "checkpoint")
    assert (second["new"], second["size"]) == (True, 5)

    # The default size is the newest checkpoint covering the events; --size picks another.
    proofs = cli.ok("log", "proof", item)["proofs"]
    assert [p["seq"] for p in proofs] == [0, 1]
    for p in proofs:
        _verify_inclusion(p, second["root"])
    (leaf0,) = cli.ok("log", "proof", "0", "--size", "4")["proofs"]
    _verify_inclusion(leaf0, first["root"])
    assert cli.ok("log", "proof", "0", "--size", "3")["checkpoint"] is None

    consistency = cli.ok("log", "consistency", "4", "5")
    assert (consistency["old_root"], consistency["new_root"]) == (first["root"], second["root"])
    merkle.verify_consistency(
        old_size=4,
        new_size=5,
        old_root=bytes.fromhex(first["root"]),
        new_root=bytes.fromhex(second["root"]),
        proof=[bytes.fromhex(h) for h in consistency["path"]],
    )
    assert cli.ok("audit")["findings"] == []


@sqlite_only
def test_proofs_are_json_without_the_flag_and_the_checkpoint_is_a_note(cli: Cli, item: str) -> None:
    note = cli.run("log", "checkpoint")
    assert note.code == 0, note.err
    lines = note.out.splitlines()
    assert lines[0] == "provenance.log/test-records" and lines[1] == "4"
    assert lines[3] == "" and lines[4].startswith("— provenance.log/test-records ")
    proof = cli.run("log", "proof", item)
    assert proof.code == 0, proof.err
    assert json.loads(proof.out)["proofs"][0]["tree_size"] == 4


@sqlite_only
@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["log", "proof", "4"], 2, "leaf index 4 is not in a tree of 4 leaves"),
        (["log", "proof", "0", "--size", "0"], 2, "tree size 0 is out of range"),
        (["log", "proof", "0", "--size", "9"], 2, "the log has 4 leaves"),
        (["log", "proof", "{item}", "--size", "2"], 2, "does not hold all of"),
        (["log", "proof", "00000-00000-0"], 3, "no item 00000-00000-0"),
        (["log", "proof", "7KQ2M-9XDPA-Q"], 2, "check symbol"),
        (["log", "consistency", "3", "2"], 2, "old size 3 is larger than new size 2"),
        (["log", "consistency", "0", "2"], 2, "tree sizes start at 1"),
        (["log", "consistency", "2", "9"], 2, "beyond the log's 4 leaves"),
    ],
)
def test_bad_input_one_line(cli: Cli, item: str, args: list[str], code: int, needle: str) -> None:
    before = cli.snapshot()
    result = cli.run(*[a.replace("{item}", item) for a in args])
    _one_line_error(result, code, needle)
    assert cli.snapshot() == before


@sqlite_only
def test_checkpoint_with_the_wrong_log_passphrase(cli: Cli, item: str) -> None:
    result = cli.run("log", "checkpoint", env={"PROVENANCE_LOG_PASSPHRASE": "wrong"})
    _one_line_error(result, 4, "wrong passphrase")
    assert cli.ok("log", "show")["latest_checkpoint"] is None
