"""The conformance vectors of docs/vectors/: the project's verifier gives every vector its
expected outcome and fails its named check, and regenerating them gives the same files.

The vectors are made by docs/vectors/make_vectors.py from a real ledger (see the README
there); they are what a partner's own verifier is held to, so a change here is a change of
the bundle specification (docs/bundle.md), not of a test."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from provenance.proof.report import CHECKS
from provenance.proof.verifier import verify_bundle

VECTORS = Path(__file__).resolve().parents[3] / "docs" / "vectors"
FILES = sorted(VECTORS.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    vector: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return vector


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_vectors"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["make_vectors"]
    return module


def test_there_are_enough_vectors() -> None:
    outcomes = [_load(p)["expected"]["outcome"] for p in FILES]
    assert outcomes.count("verified") >= 2
    assert outcomes.count("unproven") >= 2
    assert outcomes.count("failed") >= 30
    checks = {_load(p)["expected"]["check"] for p in FILES} - {None}
    assert checks == set(CHECKS)  # every check has a vector that fails it


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_verifier_agrees_with_the_vector(path: Path) -> None:
    vector = _load(path)
    assert vector["name"] == path.stem
    document = vector["bundle_text"].encode() if "bundle_text" in vector else vector["bundle"]
    report = verify_bundle(document, log_key=vector["log_key"])
    expected = vector["expected"]
    assert report.outcome == expected["outcome"], report.summary
    failed = [c.name for c in report.checks if c.status == "failed"]
    if expected["outcome"] == "failed":
        assert expected["check"] in failed, (failed, report.summary)
    else:
        assert expected["check"] is None and failed == []
        assert report.unproven == expected["unproven"]
        assert report.log_key_pinned is expected["log_key_pinned"]
    # The project's own verdict, recorded when the vectors were made, has not moved.
    assert failed == vector["project_verifier"]["failed"]
    assert report.summary == vector["project_verifier"]["summary"]


def test_the_vectors_are_as_the_generator_makes_them(tmp_path: Path) -> None:
    generator = _generator()
    docs = generator.generate(tmp_path)
    made = sorted(tmp_path.glob("*.json"))
    assert [p.name for p in made] == [p.name for p in FILES]
    for ours, theirs in zip(made, FILES, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), f"{theirs.name} is stale: regenerate it"
    readme = (VECTORS / "README.md").read_text(encoding="utf-8")
    assert generator.table(docs) in readme, "the README's table is stale: regenerate it"


def test_the_generator_refuses_a_vector_the_verifier_disagrees_with() -> None:
    generator = _generator()
    world = generator.build_world()
    wrong = generator.Vector(
        "wrong", "verified", None, lambda w: {**w.proven, "version": 2}, pinned=True
    )
    with pytest.raises(SystemExit, match="wrong: the project's verifier says failed"):
        wrong.document(world)
