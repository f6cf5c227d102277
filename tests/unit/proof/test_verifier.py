"""The verifier's verdict (verified / unproven / failed), its pinning of the log key, its
strict parsing, and the library form's errors. Bundles come from a real store (the
``ledger`` fixture) or from tests/forgery.py; the conformance vectors are test_vectors.py."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from provenance import Ledger, SigningKey
from provenance.errors import (
    ChainBreakError,
    CheckpointError,
    EventFormatError,
    InputError,
    ProofError,
    SignatureError,
)
from provenance.log.checkpoint import verifier_key
from provenance.log.transparency import TransparencyLog
from provenance.proof import Bundle, parse_bundle, parse_log_key, verify_bundle
from provenance.proof.bundle import build_bundle
from provenance.proof.report import Check, VerificationReport, not_yet_checkpointed
from provenance.proof.schema import EVENT_TYPE_PATTERN, ITEM_ID_PATTERN
from provenance.proof.verifier import verify_bundle_strict
from provenance.vocab import CROCKFORD_ALPHABET, EventType

from ...forgery import forge_bundle
from ...samples import VINYL, Staff


@pytest.fixture
def log_key(ledger: Ledger) -> SigningKey:
    key = SigningKey.generate()
    TransparencyLog(ledger.engine).set_identity(key, store_name="Test Records")
    return key


@pytest.fixture
def item(ledger: Ledger, staff: Staff) -> str:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    grade = {"kind": "vinyl", "media": "VG+", "sleeve": "VG", "method": "play"}
    ledger.append(signer=staff.grader, item=item, event_type=EventType.GRADE, data=grade)
    return item


@pytest.fixture
def proven(ledger: Ledger, item: str, log_key: SigningKey) -> dict[str, Any]:
    TransparencyLog(ledger.engine).checkpoint(log_key)
    return build_bundle(ledger.engine, item)


def test_the_verdict_of_a_proven_bundle(proven: dict[str, Any]) -> None:
    pin = proven["log"]["verifier_key"]
    report = verify_bundle(proven, log_key=pin)
    assert report.outcome == "verified" and report.log_key_pinned and report.unproven == []
    assert report.to_json() == {
        "outcome": "verified",
        "summary": "verified: every event is in the signed log; anchor not checked: the "
        "checkpoint is not anchored yet",
        "ok": True,
        "complete": False,
        "log_key_pinned": True,
        "item": proven["item"],
        "unproven": [],
        "checks": [c.to_json() for c in report.checks],
    }


def test_a_forgery_from_scratch_is_unproven_pinned_or_not(proven: dict[str, Any]) -> None:
    forged = forge_bundle(proven["item"])
    for pin in (None, proven["log"]["verifier_key"]):
        report = verify_bundle(forged, log_key=pin)
        assert report.outcome == "unproven" and report.ok
        assert report.unproven == [0, 1, 2]
        assert (
            report.check("checkpoint").detail == "the bundle has no checkpoint (checkpoint: null)"
        )
    with pytest.raises(
        ProofError, match=r"bundle is unproven: the bundle has no signed checkpoint"
    ):
        verify_bundle_strict(forged, log_key=proven["log"]["verifier_key"])


def test_a_forgery_with_its_own_log_needs_the_pin_to_fail(proven: dict[str, Any]) -> None:
    forged = forge_bundle(proven["item"], log_key=SigningKey.generate())
    unpinned = verify_bundle(forged)
    assert unpinned.outcome == "verified" and unpinned.log_key_pinned is False
    assert "(log key not pinned)" in unpinned.summary
    pinned = verify_bundle(forged, log_key=proven["log"]["verifier_key"])
    assert pinned.outcome == "failed" and pinned.check("checkpoint").status == "failed"
    with pytest.raises(CheckpointError, match="is not the pinned one"):
        verify_bundle_strict(forged, log_key=proven["log"]["verifier_key"])


def test_a_pinned_key_needs_no_log_block(proven: dict[str, Any]) -> None:
    pin = proven["log"]["verifier_key"]
    bare = {**proven, "log": None}
    assert verify_bundle(bare, log_key=pin).outcome == "verified"
    report = verify_bundle(bare)
    assert report.outcome == "failed"
    assert "names no log key" in report.check("checkpoint").detail


def test_the_origin_line_must_be_the_logs(proven: dict[str, Any], log_key: SigningKey) -> None:
    # The log key signs a checkpoint of the same tree for another origin: not this log's.
    from provenance.log.checkpoint import Checkpoint, sign_checkpoint

    cp = proven["checkpoint"]
    other = copy.deepcopy(proven)
    other["checkpoint"]["note"] = sign_checkpoint(
        Checkpoint("provenance.log/elsewhere", cp["size"], bytes.fromhex(cp["root"])),
        name=proven["log"]["origin"],
        key=log_key,
    )
    report = verify_bundle(other, log_key=proven["log"]["verifier_key"])
    assert report.outcome == "failed"
    assert "checkpoint origin is 'provenance.log/elsewhere'" in report.check("checkpoint").detail


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not-a-key", "looks like name"),
        ("a b+00000000+" + "A" * 44, "key name"),
        ("log+00000000+!!", "not valid base64"),
    ],
)
def test_a_malformed_pin_is_the_callers_error(
    proven: dict[str, Any], bad: str, message: str
) -> None:
    with pytest.raises(InputError, match=f"the log key to pin is not a verifier key: .*{message}"):
        parse_log_key(bad)
    with pytest.raises(InputError, match="the log key to pin is not a verifier key"):
        verify_bundle(proven, log_key=bad)


def test_newer_events_and_key_events_are_counted(
    ledger: Ledger, staff: Staff, proven: dict[str, Any]
) -> None:
    # After the checkpoint: a key event, then an item event (so the bundle carries both).
    from provenance import Role

    ledger.add_key(signer=staff.admin, new_key=SigningKey.generate(), role=Role.GRADER, name="g")
    ledger.append(
        signer=staff.grader, item=proven["item"], event_type=EventType.NOTE, data={"text": "x"}
    )
    newer = build_bundle(ledger.engine, proven["item"])
    report = verify_bundle(newer)
    assert report.outcome == "unproven" and len(report.unproven) == 2
    assert report.summary == (
        "unproven: 1 newest event and 1 key event are not yet in a signed checkpoint"
    )
    assert newer["unproven"] == [report.unproven[1]]  # the bundle lists the item's own only


@pytest.mark.parametrize(
    ("items", "keys", "phrase"),
    [
        (1, 0, "1 newest event is"),
        (2, 0, "2 newest events are"),
        (1, 1, "1 newest event and 1 key event are"),
        (0, 3, "3 key events are"),
    ],
)
def test_not_yet_checkpointed(items: int, keys: int, phrase: str) -> None:
    assert not_yet_checkpointed(items=items, keys=keys) == phrase


def test_the_outcome_rules() -> None:
    def report(**statuses: str) -> VerificationReport:
        names = ("format", "hashes", "chain", "signatures", "keys", "checkpoint", "inclusion")
        checks = [Check(n, statuses.get(n, "passed"), "") for n in names]  # type: ignore[arg-type]
        checks.append(Check("anchor", statuses.get("anchor", "not_checked"), ""))  # type: ignore[arg-type]
        return VerificationReport("X", checks)

    assert report().outcome == "verified"
    assert report(anchor="passed").outcome == "verified"
    assert report(anchor="failed").outcome == "failed"
    assert report(checkpoint="not_checked", inclusion="not_checked").outcome == "unproven"
    assert report(inclusion="failed").outcome == "failed"
    partly = report()
    partly.unproven = [7]
    partly.unproven_item_events = 1
    assert partly.outcome == "unproven"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "NaN is not JSON"),
        ('{"a": Infinity}', "Infinity is not JSON"),
        ("[" * 100_000, "nested deeper than 32 levels"),
        ("[" * 32 + "]" * 32, "bundle field : Input should be a valid dictionary"),
        ('{"a": 1} x', "Extra data"),
    ],
)
def test_parse_refuses_json_that_parsers_read_differently(text: str, message: str) -> None:
    with pytest.raises(EventFormatError, match=re.escape(message)):
        parse_bundle(text)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("events", 0, "seq"), True, "seq: Input should be a valid integer"),
        (("events", 0, "seq"), 0.0, "seq: Input should be a valid integer"),
        (("events", 0, "log_index"), "4", "log_index: Input should be a valid integer"),
        (("events", 0, "item"), "keys-x", "events.0.item: String should match pattern"),
        (("events", 0, "hash"), "AB" * 32, "events.0.hash: String should match pattern"),
        (("events", 0, "signature"), "00" * 63, "signature: String should match pattern"),
        (("events", 0, "type"), "delete", "events.0.type: String should match pattern"),
        (("item",), "7kq2m-9xdpa-g", "bundle field item: String should match pattern"),
        (("created_at",), "2026-03-01T12:00:00+00:00", "created_at: String should match"),
        (("log", "verifier_key"), "x+1+2", "log.verifier_key: String should match pattern"),
        (("log", "origin"), "has\u00a0nbsp", "log.origin: String should match pattern"),
        (("checkpoint", "size"), 0, "checkpoint.size: Input should be greater than or equal"),
        (("unproven",), [-1], "unproven.0: Input should be greater than or equal to 0"),
    ],
)
def test_the_model_is_as_strict_as_the_verifier(
    proven: dict[str, Any], path: tuple[Any, ...], value: Any, message: str
) -> None:
    doc = copy.deepcopy(proven)
    target: Any = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(EventFormatError, match=re.escape(message)):
        parse_bundle(doc)
    assert verify_bundle(doc).check("format").status == "failed"


def test_the_item_id_pattern_is_the_crockford_alphabet() -> None:
    symbol = re.compile(ITEM_ID_PATTERN[1:].split("{")[0])
    assert [c for c in map(chr, range(128)) if symbol.fullmatch(c)] == list(CROCKFORD_ALPHABET)
    assert re.fullmatch(ITEM_ID_PATTERN, "7KQ2M-9XDPA-G")
    for bad in ("7KQ2M-9XDPA-I", "7KQ2M9XDPAG", "7kq2m-9xdpa-g", "keys"):
        assert not re.fullmatch(ITEM_ID_PATTERN, bad)
    assert "^(" + "|".join(t.value for t in EventType) + ")$" == EVENT_TYPE_PATTERN


def test_the_published_schema_is_as_strict(proven: dict[str, Any]) -> None:
    import jsonschema

    from .test_bundle import published_schema

    schema = published_schema()
    jsonschema.validate(proven, schema)
    for path, value in [
        (("events", 0, "hash"), "AB" * 32),
        (("events", 0, "signer"), "00" * 15),
        (("events", 0, "signature"), "00" * 63),
        (("item",), "7kq2m-9xdpa-g"),
        (("keys", 0, "item"), "KEYS"),
        (("events", 0, "seq"), "1"),
    ]:
        doc = copy.deepcopy(proven)
        target: Any = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, schema)
    assert Bundle.model_json_schema()["properties"]["item"]["pattern"] == ITEM_ID_PATTERN


def test_strict_raises_each_kind_of_failure(proven: dict[str, Any]) -> None:
    flipped = copy.deepcopy(proven)
    sig = flipped["events"][1]["signature"]
    flipped["events"][1]["signature"] = ("1" if sig[0] == "0" else "0") + sig[1:]
    with pytest.raises(SignatureError, match="does not verify"):
        verify_bundle_strict(flipped)
    gap = copy.deepcopy(proven)
    gap["keys"].pop(1)
    with pytest.raises(ChainBreakError, match="expected keys event 1"):
        verify_bundle_strict(gap)
    stray = copy.deepcopy(proven)
    stray["proofs"].append({"log_index": 999, "path": []})
    with pytest.raises(ProofError, match="an inclusion proof for log index 999"):
        verify_bundle_strict(stray)
    twice = copy.deepcopy(proven)
    twice["proofs"].append(copy.deepcopy(twice["proofs"][0]))
    with pytest.raises(ProofError, match="two inclusion proofs for log index"):
        verify_bundle_strict(twice)


def test_text_and_bytes_and_objects_agree(proven: dict[str, Any]) -> None:
    text = json.dumps(proven)
    outcomes = {verify_bundle(d).outcome for d in (proven, text, text.encode())}
    assert outcomes == {"verified"}


def test_a_wrong_pin_is_reported_even_without_a_log_block(proven: dict[str, Any]) -> None:
    other = verifier_key(proven["log"]["origin"], SigningKey.generate().public)
    report = verify_bundle({**proven, "log": None}, log_key=other)
    assert report.outcome == "failed"
    assert "carries no signature by" in report.check("checkpoint").detail


def test_an_export_before_any_checkpoint(ledger: Ledger, item: str, log_key: SigningKey) -> None:
    bundle = build_bundle(ledger.engine, item)
    assert bundle["checkpoint"] is None and bundle["proofs"] == []
    assert bundle["unproven"] == [e["log_index"] for e in bundle["events"]]
    assert any("no signed checkpoint covers these events yet" in n for n in bundle["notes"])
    assert not any("newest event" in n for n in bundle["notes"])
    report = verify_bundle(bundle, log_key=bundle["log"]["verifier_key"])
    assert report.outcome == "unproven" and report.log_key_pinned
