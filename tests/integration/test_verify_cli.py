"""``provenance verify`` through the real console script: the outcome decides the exit code.

Exit 0: verified (every event in a checkpoint signed by the log key; pinned with --log-key).
Exit 1: failed, or unproven (no checkpoint, or events newer than it) unless --allow-unproven,
or an anchor not verified under --require-anchor. Exit 2: a malformed --log-key."""

from __future__ import annotations

import json
from pathlib import Path

from provenance import SigningKey

from ..forgery import forge_bundle
from .conftest import Cli
from .test_cli import _one_line_error, sqlite_only


def _export(cli: Cli, item: str, path: Path) -> dict[str, object]:
    return cli.ok("export", item, "-o", str(path))


@sqlite_only
def test_the_stores_own_exports(cli: Cli, item: str, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    exported = _export(cli, item, path)
    assert exported["checkpoint_size"] is None
    # No checkpoint yet: unproven, exit 1, and the one-line note says what that means.
    result = cli.run("verify", str(path))
    assert result.code == 1, result.err
    assert "unproven: the bundle has no signed checkpoint" in result.out
    assert "bundle is unproven" in result.err and "--allow-unproven" in result.err
    assert cli.run("verify", str(path), "--allow-unproven").code == 0
    report = cli.run("--json", "verify", str(path)).json()
    assert report["outcome"] == "unproven" and report["ok"] is False
    # The one verdict says it first, in plain words: nothing shows it is in the log.
    assert report["verdict"] == "failed"
    assert "no signed checkpoint covers it" in report["verdict_detail"]["reasons"][0]
    assert result.out.splitlines()[1].startswith("FAILED: Do not trust this item's record.")

    # Checkpointed: verified, exit 0; pinned to the store's published key too.
    cli.ok("log", "checkpoint")
    _export(cli, item, path)
    published = str(cli.ok("log", "show")["verifier_key"])
    unpinned = cli.run("verify", str(path))
    assert unpinned.code == 0, unpinned.err
    assert "verified: every event is in the signed log (log key not pinned)" in unpinned.out
    pinned = cli.ok("verify", str(path), "--log-key", published)
    assert pinned["outcome"] == "verified" and pinned["log_key_pinned"] is True
    # In the log, but its seal on chain was not read (no --rpc): pending, and why.
    assert pinned["verdict"] == "pending"
    assert "seal on chain was not checked" in pinned["verdict_detail"]["advice"]
    assert unpinned.out.splitlines()[1].startswith("PENDING: ")

    # One more event: it is honestly unproven until the next checkpoint.
    cli.ok("grade", item, "--media", "NM", "--sleeve", "VG+", "--method", "play", key="anna")
    exported = _export(cli, item, path)
    assert any("1 newest event is not yet in a signed checkpoint" in n for n in exported["notes"])  # type: ignore[attr-defined]
    newer = cli.run("verify", str(path), "--log-key", published)
    assert newer.code == 1
    assert "1 newest event is not yet in a signed checkpoint" in newer.out
    assert "1 newest event is not yet in a signed checkpoint" in newer.err
    allowed = cli.run("--json", "verify", str(path), "--allow-unproven")
    assert allowed.code == 0 and allowed.json()["outcome"] == "unproven"
    # --require-anchor still fails an anchor not checked, unproven allowed or not.
    required = cli.run("verify", str(path), "--allow-unproven", "--require-anchor")
    assert required.code == 1 and "--require-anchor" in required.err


@sqlite_only
def test_a_forged_bundle_does_not_pass(cli: Cli, item: str, tmp_path: Path) -> None:
    cli.ok("log", "checkpoint")
    published = str(cli.ok("log", "show")["verifier_key"])
    forged = tmp_path / "forged.json"
    # The forger's own admin and registrar keys, checkpoint null, no proofs: unproven.
    forged.write_text(json.dumps(forge_bundle(item)))
    for extra in ([], ["--log-key", published]):
        result = cli.run("--json", "verify", str(forged), *extra)
        assert result.code == 1, result.err
        assert result.json()["outcome"] == "unproven" and result.json()["ok"] is False
    # With the forger's own log key and checkpoint: only pinning the store's key catches it.
    forged.write_text(json.dumps(forge_bundle(item, log_key=SigningKey.generate())))
    unpinned = cli.run("--json", "verify", str(forged))
    assert unpinned.code == 0
    assert unpinned.json()["outcome"] == "verified"
    assert unpinned.json()["log_key_pinned"] is False
    caught = cli.run("verify", str(forged), "--log-key", published)
    assert caught.code == 1
    assert "failed: the checkpoint check failed" in caught.out
    assert "bundle does not verify: checkpoint failed" in caught.err


@sqlite_only
def test_a_malformed_log_key_is_an_input_error(cli: Cli, item: str, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    _export(cli, item, path)
    result = cli.run("verify", str(path), "--log-key", "not-a-key")
    _one_line_error(result, 2, "the log key to pin is not a verifier key")
