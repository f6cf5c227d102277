"""The verifier's anchor check over real JSON-RPC (the embedded chain served on 127.0.0.1):
a root the chain holds passes; a chain that answers with another root fails; a chain that
cannot be reached is not checked, which --require-anchor (``require_anchor``) refuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account

from provenance import Ledger, SigningKey
from provenance.chain.anchorer import Anchorer, fund_dev_account, record_deployment
from provenance.chain.contract import AnchorContract, deploy
from provenance.chain.devnet import DEVNET_CHAIN_ID, serve_devnet
from provenance.chain.endpoints import Chain, ChainSpec, connect
from provenance.chain.transactions import FeePolicy, sign
from provenance.errors import AnchorError
from provenance.ledger.schemas import EventType
from provenance.log.transparency import TransparencyLog
from provenance.proof.bundle import build_bundle
from provenance.proof.verifier import verify_bundle, verify_bundle_strict

from ...samples import VINYL, Staff

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def devnet() -> Iterator[str]:
    urls: list[str] = []
    thread = threading.Thread(
        target=serve_devnet, args=(0,), kwargs={"ready": urls.append}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not urls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert urls, "the devnet did not start"
    yield urls[0]  # a daemon thread: it ends with the test process


@dataclass
class Anchored:
    url: str
    chain: Chain
    account: Any
    bundle: dict[str, Any]
    ledger: Ledger
    log_key: SigningKey


@pytest.fixture
def anchored(devnet: str, ledger: Ledger, staff: Staff) -> Anchored:
    chain = connect(ChainSpec(devnet, DEVNET_CHAIN_ID))
    account = Account.create()
    fund_dev_account(chain, account.address)
    deployment = record_deployment(
        ledger.engine, chain, deploy(chain, account, FeePolicy()), deployer=account.address
    )
    log_key = SigningKey.generate()
    log = TransparencyLog(ledger.engine)
    log.set_identity(log_key, store_name="Test Records")
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    cp, _ = log.checkpoint(log_key)
    outcome = Anchorer(ledger.engine, chain, account, deployment).anchor(cp)
    assert outcome.anchor is not None and outcome.anchor.state == "final"
    bundle = build_bundle(ledger.engine, item)
    # The served devnet ends with its process: its deployments are recorded as ephemeral.
    assert bundle["anchor"] is not None and bundle["anchor"]["ephemeral"] is True
    return Anchored(devnet, chain, account, bundle, ledger, log_key)


def test_the_root_on_chain_passes(anchored: Anchored) -> None:
    report = verify_bundle(
        anchored.bundle, rpc_url=anchored.url, log_key=anchored.bundle["log"]["verifier_key"]
    )
    assert report.outcome == "verified" and report.complete, report.to_json()
    assert report.summary.endswith("its root is anchored on chain")
    verify_bundle_strict(anchored.bundle, rpc_url=anchored.url, require_anchor=True)
    wrong_chain = verify_bundle(anchored.bundle, rpc_url=anchored.url, chain_id=1)
    assert wrong_chain.check("anchor").status == "failed"
    assert "anchored on chain" in wrong_chain.check("anchor").detail


def _anchor_directly(a: Anchored, contract: str, size: int, root: bytes) -> tuple[str, int]:
    """Send ``anchor(size, root)`` to ``contract`` ourselves; return (tx hash, block)."""
    chain = a.chain
    nonce = int(chain.w3.eth.get_transaction_count(a.account.address, "pending"))
    data = AnchorContract(chain, contract).anchor_data(size, root)
    signed = sign(
        chain, a.account, to=contract, data=data, gas=200_000, nonce=nonce, policy=FeePolicy()
    )
    chain.w3.eth.send_raw_transaction(signed.raw)
    receipt = chain.w3.eth.wait_for_transaction_receipt(signed.tx_hash, timeout=30)
    return signed.tx_hash, int(receipt["blockNumber"])


def test_a_chain_holding_another_root_fails(anchored: Anchored) -> None:
    # A contract on which this size was anchored with another root than the checkpoint's:
    # the chain and the signed checkpoint disagree, and the chain is the judge.
    other = deploy(anchored.chain, anchored.account, FeePolicy())
    size = anchored.bundle["checkpoint"]["size"]
    tx_hash, block = _anchor_directly(anchored, other.address, size, b"\x11" * 32)
    bundle = {
        **anchored.bundle,
        "anchor": {
            **anchored.bundle["anchor"],
            "contract": other.address,
            "tx_hash": tx_hash,
            "block_number": block,
        },
    }
    report = verify_bundle(bundle, rpc_url=anchored.url)
    anchor = report.check("anchor")
    assert anchor.status == "failed" and report.outcome == "failed"
    assert f"holds root {'11' * 32} for tree size {size}" in anchor.detail
    with pytest.raises(AnchorError, match="the checkpoint says"):
        verify_bundle_strict(bundle, rpc_url=anchored.url)
    # Offline the same bundle is not checked, which --require-anchor refuses.
    offline = verify_bundle(bundle)
    assert offline.check("anchor").status == "not_checked" and offline.outcome == "verified"
    with pytest.raises(AnchorError, match="anchor not verified: no RPC URL given"):
        verify_bundle_strict(bundle, require_anchor=True)


def test_no_contract_at_the_address_fails(anchored: Anchored) -> None:
    bundle = {
        **anchored.bundle,
        "anchor": {**anchored.bundle["anchor"], "contract": "0x" + "00" * 19 + "01"},
    }
    report = verify_bundle(bundle, rpc_url=anchored.url)
    assert report.check("anchor").status == "failed"
    assert "no contract at" in report.check("anchor").detail


def test_an_unreachable_chain_is_not_checked(anchored: Anchored) -> None:
    report = verify_bundle(anchored.bundle, rpc_url="http://127.0.0.1:9")
    anchor = report.check("anchor")
    assert anchor.status == "not_checked" and "could not read the chain" in anchor.detail
    assert report.outcome == "verified"  # the log proof stands; the anchor is unknown
    with pytest.raises(AnchorError, match="anchor not verified: could not read the chain"):
        verify_bundle_strict(anchored.bundle, rpc_url="http://127.0.0.1:9", require_anchor=True)


def test_a_newer_checkpoint_not_yet_anchored_is_named(anchored: Anchored, staff: Staff) -> None:
    # The bundle proves against the anchored checkpoint; a newer one is signed, not anchored.
    item = anchored.bundle["item"]
    anchored.ledger.append(
        signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "Cleaned."}
    )
    TransparencyLog(anchored.ledger.engine).checkpoint(anchored.log_key)
    bundle = build_bundle(anchored.ledger.engine, item)
    assert bundle["checkpoint"]["size"] == anchored.bundle["checkpoint"]["size"]
    assert any(
        "a newer checkpoint covers them but is not anchored yet" in n for n in bundle["notes"]
    )
    report = verify_bundle(bundle, rpc_url=anchored.url)
    assert report.outcome == "unproven" and report.check("anchor").status == "passed"
    assert report.summary == "unproven: 1 newest event is not yet in a signed checkpoint"
