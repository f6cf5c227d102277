"""Proof bundles and the standalone verifier (no chain needed here; the on-chain anchor check
runs against the Hardhat node in tests/integration/test_hardhat.py).

Every mutation of a signed or proven field must be rejected, with the check that caught it
named: a property test over every such field of a real bundle."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance import Ledger, SigningKey
from provenance.errors import (
    AnchorError,
    ChainBreakError,
    CheckpointError,
    EventFormatError,
    InputError,
    NotFoundError,
    ProofError,
)
from provenance.ledger.schemas import EventType
from provenance.log.checkpoint import verifier_key
from provenance.log.transparency import TransparencyLog
from provenance.proof.bundle import MAX_BUNDLE_BYTES, build_bundle
from provenance.proof.verifier import CHECKS, verify_bundle, verify_bundle_strict

from ...samples import VINYL, Staff

OWNER = "Jane Example"
CONTACT = "jane@example.com"


def _history(ledger: Ledger, staff: Staff) -> str:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    ledger.append(
        signer=staff.grader,
        item=item,
        event_type=EventType.GRADE,
        data={"kind": "vinyl", "media": "VG+", "sleeve": "VG", "method": "play"},
    )
    ledger.transfer(signer=staff.registrar, item=item, label=OWNER, contact=CONTACT)
    return item


@pytest.fixture
def log_key(ledger: Ledger) -> SigningKey:
    key = SigningKey.generate()
    TransparencyLog(ledger.engine).set_identity(key, store_name="Test Records")
    return key


@pytest.fixture
def bundle(ledger: Ledger, staff: Staff, log_key: SigningKey) -> dict[str, Any]:
    item = _history(ledger, staff)
    TransparencyLog(ledger.engine).checkpoint(log_key)
    # One more event after the checkpoint: signed and linked, not yet proven.
    ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "ok"})
    return build_bundle(ledger.engine, item)


def _statuses(report: Any) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def test_bundle_contents(bundle: dict[str, Any]) -> None:
    assert [e["type"] for e in bundle["events"]] == ["register", "grade", "transfer", "note"]
    assert [e["seq"] for e in bundle["keys"]] == [0, 1, 2]  # store, registrar, grader
    assert bundle["checkpoint"]["size"] == 6
    assert len(bundle["proofs"]) == 3 + 3  # key events and the three checkpointed events
    assert bundle["unproven"] == [bundle["events"][3]["log_index"]]
    assert bundle["anchor"] is None
    assert any("not anchored" in n for n in bundle["notes"])
    text = json.dumps(bundle)
    assert OWNER not in text and CONTACT not in text


def test_verifies_offline_but_unproven(bundle: dict[str, Any]) -> None:
    # The store's own export: the newest event is newer than the checkpoint. Everything that
    # can be checked holds, but that event is not proven to be in the log: unproven.
    report = verify_bundle(json.dumps(bundle))
    assert report.ok and not report.complete
    assert report.outcome == "unproven"
    assert report.unproven == [bundle["events"][3]["log_index"]]
    assert report.summary == "unproven: 1 newest event is not yet in a signed checkpoint"
    statuses = _statuses(report)
    assert [c.name for c in report.checks] == list(CHECKS)
    assert all(statuses[n] == "passed" for n in CHECKS if n != "anchor")
    assert statuses["anchor"] == "not_checked"
    assert "not anchored yet" in report.check("anchor").detail
    assert "1 newest event is not yet in a signed checkpoint" in report.check("inclusion").detail
    assert any("1 newest event is not yet in a signed checkpoint" in n for n in bundle["notes"])
    with pytest.raises(ProofError, match="unproven: 1 newest event is not yet in a signed"):
        verify_bundle_strict(bundle)
    assert verify_bundle_strict(bundle, allow_unproven=True).outcome == "unproven"
    with pytest.raises(AnchorError, match="anchor not verified"):
        verify_bundle_strict(bundle, require_anchor=True, allow_unproven=True)


def test_a_checkpointed_bundle_verifies(
    ledger: Ledger, bundle: dict[str, Any], log_key: SigningKey
) -> None:
    TransparencyLog(ledger.engine).checkpoint(log_key)
    proven = build_bundle(ledger.engine, bundle["item"])
    assert proven["unproven"] == [] and proven["checkpoint"]["size"] == 7
    report = verify_bundle(proven)
    assert report.outcome == "verified" and report.unproven == []
    assert report.log_key_pinned is False
    assert report.summary.startswith("verified: every event is in the signed log (log key not")
    assert "log key not pinned" in report.check("checkpoint").detail
    pinned = verify_bundle(proven, log_key=proven["log"]["verifier_key"])
    assert pinned.outcome == "verified" and pinned.log_key_pinned is True
    assert "signed by the pinned log key" in pinned.check("checkpoint").detail
    assert "not pinned" not in pinned.summary
    assert verify_bundle_strict(proven).outcome == "verified"
    assert pinned.to_json()["outcome"] == "verified"


def test_pinned_log_key(bundle: dict[str, Any]) -> None:
    pinned = bundle["log"]["verifier_key"]
    assert verify_bundle(bundle, log_key=pinned).check("checkpoint").status == "passed"
    other = verifier_key(bundle["log"]["origin"], SigningKey.generate().public)
    report = verify_bundle(bundle, log_key=other)
    assert report.check("checkpoint").status == "failed"
    assert "not the pinned one" in report.check("checkpoint").detail


def test_a_whole_new_log_key_is_caught_by_pinning(bundle: dict[str, Any], ledger: Ledger) -> None:
    # An attacker re-signs the checkpoint with their own key and swaps the key in: without a
    # pinned key the bundle is self-consistent; with the store's published key it fails.
    from provenance.log.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint

    forger = SigningKey.generate()
    cp, _ = parse_checkpoint(bundle["checkpoint"]["note"])
    forged = copy.deepcopy(bundle)
    forged["checkpoint"]["note"] = sign_checkpoint(
        Checkpoint(cp.origin, cp.size, cp.root), name=cp.origin, key=forger
    )
    forged["log"]["public_key"] = forger.public.hex()
    forged["log"]["verifier_key"] = verifier_key(cp.origin, forger.public)
    unpinned = verify_bundle(forged)
    assert unpinned.ok and unpinned.log_key_pinned is False
    assert "log key not pinned" in unpinned.check("checkpoint").detail
    report = verify_bundle(forged, log_key=bundle["log"]["verifier_key"])
    assert report.check("checkpoint").status == "failed"
    assert report.outcome == "failed" and report.log_key_pinned is True


def test_strict_raises_the_first_failure(bundle: dict[str, Any]) -> None:
    broken = copy.deepcopy(bundle)
    del broken["events"][1]  # a gap in the chain
    with pytest.raises(ChainBreakError):
        verify_bundle_strict(broken)
    with pytest.raises(EventFormatError, match="not valid JSON"):
        verify_bundle_strict(b"{not json")


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "bundle field"),
        (json.dumps({"format": "x", "version": 1}).encode(), "not a provenance.bundle"),
        (b" " * (MAX_BUNDLE_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_bundles(document: bytes, needle: str) -> None:
    report = verify_bundle(document)
    assert not report.ok
    assert report.check("format").status == "failed" and needle in report.check("format").detail
    assert all(c.status == "not_checked" for c in report.checks[1:])


def test_truncated_bundle(bundle: dict[str, Any]) -> None:
    text = json.dumps(bundle)
    assert verify_bundle(text[: len(text) // 2]).check("format").status == "failed"


def test_unknown_and_malformed_items(ledger: Ledger) -> None:
    with pytest.raises(NotFoundError, match="no item"):
        build_bundle(ledger.engine, "00000-00000-0")
    with pytest.raises(InputError):
        build_bundle(ledger.engine, "not-an-item")


# -- mutations ------------------------------------------------------------------------------

# Which checks may catch a change to each part (the first failed check must be one of them).
_EVENT_CHECKS = {"format", "hashes", "chain", "signatures", "keys", "inclusion"}
CAUGHT_BY = {
    "events": _EVENT_CHECKS,
    "keys": _EVENT_CHECKS,
    "proofs": {"format", "inclusion"},
    "checkpoint": {"format", "checkpoint"},
    "log": {"format", "checkpoint"},
    "unproven": {"format", "inclusion"},
    "item": {"format", "chain"},
}


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in _paths(v, (*prefix, k))]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in _paths(v, (*prefix, i))]
    return [prefix]


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _mutate(value: Any, pick: int) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + (1 if pick % 2 else -1) if value > 0 else value + 1
    assert isinstance(value, str) and value
    i = pick % len(value)
    ch = value[i]
    alphabet = "0123456789abcdef" if ch in "0123456789abcdef" else "XYZxyz"
    new = alphabet[(alphabet.index(ch) + 1) % len(alphabet)] if ch in alphabet else alphabet[0]
    return value[:i] + new + value[i + 1 :]


def _mutable_paths(bundle: dict[str, Any]) -> list[tuple[Any, ...]]:
    # created_at and notes are unsigned, informational fields; anchor fields need a chain.
    return [p for p in _paths(bundle) if p[0] in CAUGHT_BY]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_mutation_is_rejected_and_named(bundle: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_mutable_paths(bundle)), label="path")
    pick = data.draw(st.integers(min_value=0, max_value=10_000), label="pick")
    mutated = copy.deepcopy(bundle)
    _set(mutated, path, _mutate(_get(bundle, path), pick))
    report = verify_bundle(mutated)
    failed = [c for c in report.checks if c.status == "failed"]
    assert failed, f"mutating {path} went unnoticed"
    assert failed[0].name in CAUGHT_BY[path[0]], (path, failed[0].name, failed[0].detail)


def test_dropping_or_adding_parts_is_rejected(bundle: dict[str, Any]) -> None:
    cases = {
        "drop an event": lambda b: b["events"].pop(1),
        "drop a key event": lambda b: b["keys"].pop(2),
        "drop a proof": lambda b: b["proofs"].pop(0),
        "drop a proof hash": lambda b: b["proofs"][0]["path"].pop(),
        "extra proof hash": lambda b: b["proofs"][0]["path"].append("00" * 32),
        "reorder events": lambda b: b["events"].reverse(),
        "drop the checkpoint": lambda b: b.update(checkpoint=None, proofs=[]),
    }
    for name, change in cases.items():
        mutated = copy.deepcopy(bundle)
        change(mutated)
        report = verify_bundle(mutated)
        if name == "drop the checkpoint":
            # Nothing is proven any more, yet 'unproven' still lists only the newest event.
            assert report.check("checkpoint").status == "not_checked"
            assert report.check("inclusion").status == "failed"
            assert "must list every item event" in report.check("inclusion").detail
        assert not report.ok, name
        assert report.outcome == "failed", name
    # Dropped honestly (every item event listed as unproven): unproven, not failed.
    honest = copy.deepcopy(bundle)
    honest.update(checkpoint=None, proofs=[], unproven=[e["log_index"] for e in bundle["events"]])
    report = verify_bundle(honest)
    assert report.outcome == "unproven" and report.ok
    assert report.check("inclusion").status == "not_checked"
    assert report.unproven == sorted(e["log_index"] for e in [*bundle["keys"], *bundle["events"]])


def test_checkpoint_errors_are_checkpoint_errors(bundle: dict[str, Any]) -> None:
    broken = copy.deepcopy(bundle)
    broken["checkpoint"]["note"] = broken["checkpoint"]["note"].replace("\n6\n", "\n7\n")
    with pytest.raises(CheckpointError):
        verify_bundle_strict(broken)


def published_schema() -> dict[str, Any]:
    """docs/bundle.schema.json, parsed."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "docs" / "bundle.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def test_published_schema_matches_the_verifier() -> None:
    """docs/bundle.schema.json is the verifier's own model (regenerate with the snippet in
    docs/bundle.md if this fails)."""
    from provenance.proof.verifier import Bundle

    published = published_schema()
    ours = {k: v for k, v in Bundle.model_json_schema().items() if k != "title"}
    assert {k: v for k, v in published.items() if k not in ("$schema", "$id", "title")} == ours


def test_bundle_validates_against_the_published_schema(bundle: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.validate(bundle, published_schema())
