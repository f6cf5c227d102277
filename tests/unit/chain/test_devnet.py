"""The embedded chain served over JSON-RPC (``provenance chain devnet``): standard JSON-RPC
values out, and the whole anchor flow through it over real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from eth_account import Account

from provenance import Ledger, SigningKey
from provenance.chain.anchorer import Anchorer, fund_dev_account, record_deployment
from provenance.chain.contract import AnchorContract, deploy, verify_anchor
from provenance.chain.devnet import DEVNET_CHAIN_ID, EmbeddedRpc, serve_devnet, to_rpc
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.transactions import FeePolicy
from provenance.log.transparency import TransparencyLog


def test_values_become_json_rpc() -> None:
    assert to_rpc({"block_number": 3, "logs_bloom": b"\x01", "status": True}) == {
        "blockNumber": "0x3",
        "logsBloom": "0x01",
        "status": True,
    }
    rpc = EmbeddedRpc()
    assert rpc.handle({"id": 7, "method": "eth_chainId"}) == {
        "jsonrpc": "2.0",
        "id": 7,
        "result": hex(DEVNET_CHAIN_ID),
    }
    block = rpc.handle({"id": 1, "method": "eth_getBlockByNumber", "params": ["0x0", False]})
    assert block["result"]["number"] == "0x0" and "parentHash" in block["result"]
    missing = rpc.handle({"id": 2, "method": "eth_getBlockByNumber", "params": ["0x99", False]})
    assert missing["result"] is None  # as geth answers for a block it does not have
    bad = rpc.handle({"id": 3, "method": "eth_sendRawTransaction", "params": ["0x00"]})
    assert "error" in bad


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


def test_anchor_through_the_devnet(devnet: str, ledger: Ledger) -> None:
    chain = connect(ChainSpec(devnet, DEVNET_CHAIN_ID))
    assert chain.dev
    account = Account.create()
    fund_dev_account(chain, account.address)  # hardhat_setBalance, as on a Hardhat node
    deployment = record_deployment(
        ledger.engine, chain, deploy(chain, account, FeePolicy()), deployer=account.address
    )
    log_key = SigningKey.generate()
    log = TransparencyLog(ledger.engine)
    log.set_identity(log_key, store_name="Test Records")
    cp, _ = log.checkpoint(log_key)
    outcome = Anchorer(ledger.engine, chain, account, deployment).anchor(cp)
    assert outcome.anchor is not None and outcome.anchor.state == "final"
    contract = AnchorContract(chain, deployment.address)
    verify_anchor(contract, tree_size=cp.size, root=bytes.fromhex(cp.root))
    block, emitted = contract.anchored_in(outcome.anchor.tx_hash)
    assert block == outcome.anchor.block_number
    assert emitted == [{"tree_size": cp.size, "root": cp.root, "by": account.address}]
