"""The whole anchor flow against the real Hardhat node from ``hardhat_local/``, through the
real ``provenance`` console script: deploy, anchor, status, and the faults a crash-safe
anchorer must survive (killed after recording, killed after sending, a reorg, a node restart,
an unreachable RPC).

The node is started by this module (on 127.0.0.1 only) and stopped after it; the test command
installs ``hardhat_local``'s node modules first. Without them these tests are skipped, unless
``PROVENANCE_REQUIRE_HARDHAT=1`` (the test command sets it), where they fail.
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance.chain.contract import AnchorContract
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.hardhat import start_node, stop_node
from provenance.faults import FAILPOINT_EXIT

from .conftest import Cli
from .test_cli import _one_line_error, sqlite_only

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "hardhat_local"
PORT = 8546
RESTART_PORT = 8547
CLI_PORT = 8548

pytestmark = sqlite_only


def _require_node_modules() -> None:
    if (PROJECT / "node_modules" / "hardhat").exists():
        return
    message = "hardhat_local/node_modules is missing (scripts/test.sh runs npm ci)"
    if os.environ.get("PROVENANCE_REQUIRE_HARDHAT") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Hardhat node for this module, on 127.0.0.1:8546."""
    _require_node_modules()
    state_dir = tmp_path_factory.mktemp("hardhat")
    status = start_node(state_dir, PORT)
    try:
        yield status.url
    finally:
        stop_node(state_dir, PORT)


@pytest.fixture
def hh(cli: Cli, node: str) -> Cli:
    """The test store, pointed at the module's Hardhat node."""
    cli.env.update(
        {
            "PROVENANCE_CHAIN": node,
            "PROVENANCE_CHAIN_ID": "31337",
            "PROVENANCE_HARDHAT_DIR": str(PROJECT),
        }
    )
    return cli


def _rpc(url: str, method: str, params: list[Any] | None = None) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["result"]


def _contract(url: str, address: str) -> AnchorContract:
    return AnchorContract(connect(ChainSpec(url, 31337)), address)


def _anchor_rows(cli: Cli) -> list[tuple[Any, ...]]:
    db = cli.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT tree_size, state, tx_hash FROM anchors ORDER BY id").fetchall()


def test_deploy_anchor_status(hh: Cli, node: str, item: str) -> None:
    deployed = hh.ok("chain", "deploy")
    assert deployed["chain_id"] == 31337 and deployed["gas_used"] > 0
    first = hh.ok("anchor")
    assert (first["new"], first["state"], first["tree_size"]) == (True, "final", 4)
    assert first["contract"] == deployed["address"] and first["block"] >= 1
    contract = _contract(node, deployed["address"])
    assert contract.root_at(4).hex() == first["root"]
    # Nothing new: nothing sent.
    again = hh.ok("anchor")
    assert (again["new"], again["tx"]) == (False, first["tx"])
    # The log grows, the next anchor covers it.
    hh.ok("grade", item, "--media", "VG", "--sleeve", "VG", "--method", "visual", key="anna")
    second = hh.ok("anchor")
    assert (second["new"], second["tree_size"]) == (True, 5)
    status = hh.ok("chain", "status")
    assert status["contract_present"] and status["onchain_tree_size"] == 5
    assert status["latest_anchor"]["state"] == "final" and status["anchors"] == 2
    assert status["root_verified"] is True
    assert [e["tree_size"] for e in contract.anchored_events()] == [4, 5]
    assert hh.ok("audit")["findings"] == []


@pytest.mark.parametrize("point", ["anchor.after-record", "anchor.after-send"])
def test_killed_mid_anchor_then_restarted(hh: Cli, node: str, item: str, point: str) -> None:
    address = hh.ok("chain", "deploy")["address"]
    killed = hh.run("anchor", env={"PROVENANCE_FAILPOINT": point})
    assert killed.code == FAILPOINT_EXIT, killed.err
    ((size, state, tx),) = _anchor_rows(hh)
    assert (size, state) == (4, "recorded")  # recorded before anything was sent
    contract = _contract(node, address)
    assert contract.latest_tree_size() == (0 if point == "anchor.after-record" else 4)

    resumed = hh.ok("anchor")
    assert (resumed["new"], resumed["tx"], resumed["state"]) == (False, tx, "final")
    events = contract.anchored_events()
    assert len(events) == 1 and events[0]["tx_hash"] == tx  # exactly one anchor on chain
    assert _anchor_rows(hh) == [(4, "final", tx)]


def test_reorg_drops_the_anchor_and_it_is_sent_again(hh: Cli, node: str, item: str) -> None:
    address = hh.ok("chain", "deploy")["address"]
    snapshot = _rpc(node, "evm_snapshot")
    mined = hh.ok("anchor", "--confirmations", "3", "--wait", "0")
    assert mined["state"] == "anchored"  # 1 of 3 confirmations on an automining node
    assert _rpc(node, "evm_revert", [snapshot]) is True
    contract = _contract(node, address)
    assert contract.latest_tree_size() == 0

    again = hh.ok("anchor", "--confirmations", "3", "--wait", "0")
    assert (again["new"], again["tx"], again["state"]) == (False, mined["tx"], "anchored")
    for _ in range(2):
        _rpc(node, "evm_mine")
    final = hh.ok("anchor", "--confirmations", "3", "--wait", "0")
    assert final["state"] == "final"
    assert len(contract.anchored_events()) == 1


def test_node_restart_redeploys_and_anchors(cli: Cli, item: str, tmp_path: Path, node: str) -> None:
    url = f"http://127.0.0.1:{RESTART_PORT}"
    cli.env.update({"PROVENANCE_CHAIN": url, "PROVENANCE_CHAIN_ID": "31337"})
    state_dir = tmp_path / "restart-node"
    start_node(state_dir, RESTART_PORT)
    try:
        first = cli.ok("chain", "deploy")
        cli.ok("anchor")
        stop_node(state_dir, RESTART_PORT)
        start_node(state_dir, RESTART_PORT)  # a fresh chain: the contract is gone
        human = cli.run("anchor")
        assert human.code == 0, human.err
        assert "The dev chain was reset: redeployed the contract at 0x" in human.out
        assert "1 earlier anchor vanished with the old one" in human.out
        after = cli.ok("anchor")
        assert (after["redeployed"], after["new"]) == (False, False)
        assert after["tree_size"] == 4 and after["state"] == "final"
        status = cli.ok("chain", "status")
        assert status["contract_present"] and status["onchain_tree_size"] == 4
        assert status["contract"] == after["contract"]
        assert [r[1] for r in _anchor_rows(cli)] == ["vanished", "final"]
        assert first["address"]  # recorded, then marked vanished
    finally:
        stop_node(state_dir, RESTART_PORT)


def test_rpc_unreachable(hh: Cli, item: str) -> None:
    result = hh.run(
        "anchor",
        env={"PROVENANCE_CHAIN": "http://127.0.0.1:9", "PROVENANCE_RPC_RETRIES": "2"},
    )
    _one_line_error(result, 7, "cannot reach http://127.0.0.1:9 to read the chain id after 3")
    assert _anchor_rows(hh) == []


@pytest.mark.parametrize(
    ("args", "env", "code", "needle"),
    [
        (["chain", "deploy", "--chain-id", "5"], {}, 4, "not the expected 5"),
        (["anchor"], {}, 4, "no contract recorded for chain 31337"),
        (["anchor", "--every", "soon"], {}, 2, "--every 'soon'"),
        (["anchor", "--max-fee-gwei", "0"], {}, 2, "must be positive"),
        (["chain", "deploy", "--chain", "ropsten"], {}, 2, "use 'embedded', 'hardhat'"),
        (["chain", "deploy", "--chain", "embedded"], {}, 2, "vanishes when this command ends"),
    ],
)
def test_bad_configuration(
    hh: Cli, item: str, args: list[str], env: dict[str, str], code: int, needle: str
) -> None:
    _one_line_error(hh.run(*args, env=env), code, needle)
    assert _anchor_rows(hh) == []


def test_wrong_keystore_passphrase(hh: Cli, item: str) -> None:
    hh.ok("chain", "deploy")
    result = hh.run("anchor", env={"PROVENANCE_ETH_PASSPHRASE": "not-the-one"})
    _one_line_error(result, 4, "wrong passphrase for the anchoring keystore")
    assert _anchor_rows(hh) == []


def test_hardhat_up_and_down(cli: Cli) -> None:
    _require_node_modules()
    cli.env["PROVENANCE_HARDHAT_DIR"] = str(PROJECT)
    up = cli.ok("hardhat", "up", "--port", str(CLI_PORT))
    assert up["chain_id"] == 31337 and up["url"] == f"http://127.0.0.1:{CLI_PORT}"
    try:
        assert _rpc(up["url"], "eth_chainId") == "0x7a69"
        # --chain hardhat follows the port 'hardhat up' used (nothing listens on 8545 here).
        deployed = cli.ok("chain", "deploy", "--chain", "hardhat")
        assert _contract(up["url"], deployed["address"]).has_code()
        anchored = cli.ok("anchor")
        assert anchored["chain"] == "hardhat" and anchored["new"] is True
        assert _contract(up["url"], deployed["address"]).latest_tree_size() == anchored["tree_size"]
    finally:
        down = cli.ok("hardhat", "down", "--port", str(CLI_PORT))
    assert down["stopped"] is True
    with pytest.raises(OSError):
        _rpc(up["url"], "eth_chainId")


# -- the chain is the judge ---------------------------------------------------------------


def _backup(cli: Cli, name: str) -> Path:
    db = Path(cli.db_url.removeprefix("sqlite:///"))
    copy = db.with_name(name)
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def _restore(cli: Cli, copy: Path) -> None:
    """What ``sqlite3 ledger.db ".restore backup"`` does: the live file becomes the copy."""
    db = Path(cli.db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(copy) as src, sqlite3.connect(db) as dst:
        src.backup(dst)


def test_an_older_backup_restored_stops_the_store(hh: Cli, node: str, item: str) -> None:
    address = hh.ok("chain", "deploy")["address"]
    assert hh.ok("anchor")["tree_size"] == 4
    backup = _backup(hh, "last-week.db")
    hh.ok("grade", item, "--media", "VG", "--sleeve", "VG", "--method", "visual", key="anna")
    hh.ok("note", item, "light ring wear", key="anna")
    assert hh.ok("anchor")["tree_size"] == 6
    newer = _backup(hh, "last-night.db")
    _restore(hh, backup)  # last week's backup: the log has 4 leaves, the contract holds 6
    rows = _anchor_rows(hh)
    # The anchorer holds the log to the chain before it records anything.
    refused = hh.run("anchor")
    _one_line_error(refused, 1, "refusing to anchor: contract")
    assert "holds tree size 6" in refused.err and "only 4 leaves" in refused.err
    assert "restore" in refused.err
    assert _anchor_rows(hh) == rows and _contract(node, address).latest_tree_size() == 6
    # From now on the store refuses new events, in one line that says what to do.
    before = hh.snapshot()
    graded = hh.run(
        "grade", item, "--media", "G", "--sleeve", "G", "--method", "visual", key="anna"
    )
    _one_line_error(graded, 1, "refused until the newer backup is restored")
    assert hh.snapshot() == before
    # The audit and chain status say it too, and exit non-zero.
    audit = hh.run("audit")
    assert audit.code == 1, audit.err
    assert f"✗ contract {address} on chain 31337" in audit.out
    assert "holds tree size 6" in audit.out and "FAILED" in audit.out
    audited = hh.run("--json", "audit").json()
    assert audited["ok"] is False
    assert audited["chains"][0]["problems"][0]["kind"] == "shortfall"
    status = hh.run("--json", "chain", "status")
    assert status.code == 1 and status.json()["judgement"]["status"] == "diverged"
    assert hh.ok("log", "show")["size"] == 4
    # The recovery: restore the newer backup. It holds no alarm and extends the chain.
    _restore(hh, newer)
    assert hh.ok("audit")["chains"][0]["status"] == "consistent"
    hh.ok("grade", item, "--media", "G", "--sleeve", "G", "--method", "visual", key="anna")
    assert hh.ok("anchor")["tree_size"] == 7


def test_audit_holds_a_faithful_log_to_the_chain(hh: Cli, node: str, item: str) -> None:
    hh.ok("chain", "deploy")
    hh.ok("anchor")
    audited = hh.ok("audit")
    [chain] = audited["chains"]
    assert chain["status"] == "consistent" and chain["checked_sizes"] == [4]
    assert audited["chains_unchecked"] == 0
    # An unreachable chain is reported as not checked, never as passed.
    down = hh.run(
        "audit", env={"PROVENANCE_CHAIN": "http://127.0.0.1:9", "PROVENANCE_RPC_RETRIES": "0"}
    )
    assert down.code == 0, down.err
    assert "? contract" in down.out and "NOT CHECKED" in down.out


# -- proof bundles anchored on the Hardhat node -------------------------------------------

ANCHOR_FIELDS = ("chain_id", "contract", "tx_hash", "block_number", "tree_size")


def _anchored_bundle(hh: Cli, item: str, tmp_path: Path) -> Path:
    hh.ok("chain", "deploy")
    hh.ok("grade", item, "--media", "NM", "--sleeve", "VG+", "--method", "play", key="anna")
    hh.ok("anchor")
    path = tmp_path / "bundle.json"
    exported = hh.ok("export", item, "-o", str(path))
    assert exported["anchored"] is True and exported["unproven"] == []
    return path


def test_bundle_verifies_on_another_machine(hh: Cli, node: str, item: str, tmp_path: Path) -> None:
    path = _anchored_bundle(hh, item, tmp_path)
    # "Another machine": no home, no database, nothing but the bundle and an RPC URL.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    stranger = Cli(elsewhere / "no-home", "sqlite:///" + str(elsewhere / "absent.db"))
    stranger.env.pop("PROVENANCE_DB_URL")
    report = stranger.ok("verify", str(path), "--rpc", node, "--require-anchor")
    assert report["complete"] is True
    assert {c["name"]: c["status"] for c in report["checks"]}["anchor"] == "passed"
    assert not (elsewhere / "absent.db").exists() and not (elsewhere / "no-home").exists()
    # Without an RPC the anchor is not checked, and the CLI says so (exit 0 unless required).
    offline = stranger.run("verify", str(path))
    assert offline.code == 0 and "Not checked: anchor" in offline.out
    required = stranger.run("verify", str(path), "--require-anchor")
    assert required.code == 1 and "--require-anchor" in required.err


@pytest.mark.parametrize("field", ANCHOR_FIELDS)
def test_anchor_mutations_are_caught(
    hh: Cli, node: str, item: str, tmp_path: Path, field: str
) -> None:
    from provenance.proof.verifier import verify_bundle

    path = _anchored_bundle(hh, item, tmp_path)
    bundle = json.loads(path.read_text())
    assert verify_bundle(bundle, rpc_url=node).complete
    value = bundle["anchor"][field]
    if isinstance(value, int):
        bundle["anchor"][field] = value + 1
    else:
        bundle["anchor"][field] = value[:-1] + ("0" if value[-1] != "0" else "1")
    report = verify_bundle(bundle, rpc_url=node)
    failed = [c for c in report.checks if c.status == "failed"]
    assert failed and failed[0].name in ("anchor", "format"), report.to_json()


def test_bad_bundle_files(hh: Cli, item: str, tmp_path: Path) -> None:
    missing = hh.run("verify", str(tmp_path / "nope.json"))
    _one_line_error(missing, 3, "cannot read")
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    result = hh.run("--json", "verify", str(junk))
    assert result.code == 1 and result.json()["checks"][0]["status"] == "failed"
    _one_line_error(hh.run("export", "00000-00000-0"), 3, "no item 00000-00000-0")
