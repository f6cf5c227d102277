"""The embedded chain served over JSON-RPC (``provenance chain devnet``): standard JSON-RPC
values out, and the whole anchor flow through it over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import Web3RPCError

from provenance import Ledger, SigningKey
from provenance.chain.anchorer import Anchorer, fund_dev_account, record_deployment
from provenance.chain.contract import AnchorContract, deploy, verify_anchor
from provenance.chain.devnet import DEVNET_CHAIN_ID, EmbeddedRpc, serve_devnet, to_rpc
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.transactions import FeePolicy
from provenance.log.transparency import TransparencyLog

from ...samples import VINYL, Staff


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


def _rpc(url: str, method: str, *params: Any) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


class RpcError(Exception):
    """A JSON-RPC error answer, raised so that the tests can match it."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _result(url: str, method: str, *params: Any) -> Any:
    answer = _rpc(url, method, *params)
    if "error" in answer:
        raise RpcError(answer["error"]["code"], answer["error"]["message"])
    return answer["result"]


def _topic(value: int | str) -> str:
    if isinstance(value, int):
        return "0x" + value.to_bytes(32, "big").hex()
    return "0x" + bytes.fromhex(value.removeprefix("0x")).rjust(32, b"\0").hex()


def test_get_logs_follows_the_json_rpc_spec(devnet: str, ledger: Ledger, staff: Staff) -> None:
    chain = connect(ChainSpec(devnet, DEVNET_CHAIN_ID))
    account = Account.create()
    fund_dev_account(chain, account.address)
    deployment = record_deployment(
        ledger.engine, chain, deploy(chain, account, FeePolicy()), deployer=account.address
    )
    log_key = SigningKey.generate()
    log = TransparencyLog(ledger.engine)
    log.set_identity(log_key, store_name="Test Records")
    anchorer = Anchorer(ledger.engine, chain, account, deployment)
    anchored = []
    for _ in range(3):  # three anchors in three blocks, at three tree sizes
        ledger.register(signer=staff.registrar, data=VINYL)
        cp, _ = log.checkpoint(log_key)
        outcome = anchorer.anchor(cp)
        assert outcome.anchor is not None and outcome.anchor.block_number is not None
        anchored.append((cp, outcome.anchor, outcome.anchor.block_number))
    contract = AnchorContract(chain, deployment.address)
    signature = Web3.to_hex(Web3.keccak(text="Anchored(uint64,bytes32,address)"))

    # Through web3 (eth_getLogs with the filter web3 builds): every anchor, in order.
    events = contract.anchored_events()
    assert [(e["tree_size"], e["root"]) for e in events] == [
        (c.size, c.root) for c, _, _ in anchored
    ]

    # By hand: a topic filter (the event, then the indexed tree size) and a block range.
    (first_cp, _, first), (second_cp, second, block), (_, _, third) = anchored
    address = deployment.address.lower()
    query = {
        "fromBlock": hex(first),
        "toBlock": hex(third),
        "address": deployment.address,
        "topics": [signature, _topic(second_cp.size)],
    }
    (entry,) = _result(devnet, "eth_getLogs", query)
    assert entry == {
        "address": address,
        "topics": [signature, _topic(second_cp.size), _topic(account.address.lower())],
        "data": "0x" + second_cp.root,
        "blockNumber": hex(block),
        "blockHash": entry["blockHash"],
        "transactionHash": second.tx_hash.lower(),
        "transactionIndex": "0x0",
        "logIndex": "0x0",
        "removed": False,
    }
    assert entry["blockHash"] == entry["blockHash"].lower() and len(entry["blockHash"]) == 66

    def sizes(**changes: Any) -> list[int]:
        got = _result(devnet, "eth_getLogs", {**query, **changes})
        return [int(e["topics"][1], 16) for e in got]

    all_sizes = [c.size for c, _, _ in anchored]
    assert sizes(topics=[signature]) == all_sizes
    assert sizes(topics=[None, [_topic(first_cp.size), _topic(second_cp.size)]]) == all_sizes[:2]
    assert sizes(topics=[[signature], None, _topic(account.address)]) == all_sizes
    assert sizes(topics=[None, None, _topic("0x" + "11" * 20)]) == []
    assert sizes(topics=[signature], toBlock=hex(block)) == all_sizes[:2]
    assert sizes(topics=[signature], fromBlock=hex(third)) == all_sizes[2:]
    assert sizes(topics=[], fromBlock="earliest", toBlock="latest") == all_sizes
    assert sizes(topics=[signature], fromBlock="latest") == all_sizes[2:]
    latest_only = _result(devnet, "eth_getLogs", {"topics": [signature]})  # default: latest
    assert [int(e["topics"][1], 16) for e in latest_only] == all_sizes[2:]
    assert sizes(topics=[], address=["0x" + "22" * 20, address]) == all_sizes
    assert sizes(topics=[], address="0x" + "22" * 20) == []
    assert sizes(topics=[], fromBlock=hex(third + 50), toBlock="0x1000") == []
    block_hash = entry["blockHash"]
    only = _result(devnet, "eth_getLogs", {"blockHash": block_hash})
    assert [int(e["topics"][1], 16) for e in only] == [second_cp.size]

    # Receipts carry the same standard log objects.
    receipt = _result(devnet, "eth_getTransactionReceipt", second.tx_hash)
    assert receipt["logs"] == [entry]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([{"fromBlock": "0x5", "toBlock": "0x1"}], r"fromBlock 5 is after toBlock 1"),
        ([{"fromBlock": "five"}], r"fromBlock must be a hex block number or earliest"),
        ([{"toBlock": 3}], r"toBlock must be a hex block number"),
        ([{"address": "0x1234"}], r"address must be a 20-byte hex address"),
        ([{"topics": ["0xabc"]}], r"each topic must be null, a 32-byte hex topic"),
        ([{"topics": [None] * 5}], r"topics must be a list of at most 4 positions"),
        ([{"topics": "0x" + "00" * 32}], r"topics must be a list"),
        ([{"blockHash": "0x" + "00" * 32, "fromBlock": "0x0"}], r"blockHash cannot be combined"),
        ([{"blockHash": "0x" + "00" * 32}], r"unknown block 0x0000"),
        ([{"blockHash": "0x12"}], r"blockHash must be a 32-byte hex hash"),
        ([{"fromblock": "0x0"}], r"unknown filter field\(s\): fromblock"),
        ([], r"eth_getLogs takes one filter object"),
        (["latest"], r"eth_getLogs takes one filter object"),
    ],
)
def test_get_logs_refuses_bad_filters(devnet: str, params: list[Any], message: str) -> None:
    with pytest.raises(RpcError, match=rf"^invalid params: {message}") as info:
        _result(devnet, "eth_getLogs", *params)
    assert info.value.code == -32602  # JSON-RPC 2.0 §5.1: invalid params


def test_a_web3_client_sees_the_refusal(devnet: str) -> None:
    w3 = Web3(Web3.HTTPProvider(devnet))
    with pytest.raises(Web3RPCError, match=r"invalid params: fromBlock 5 is after toBlock 1"):
        w3.eth.get_logs({"fromBlock": 5, "toBlock": 1})
