"""The embedded chain, shared over JSON-RPC on 127.0.0.1: ``provenance chain devnet``.

The in-process EVM (eth-tester + py-evm) lives only as long as one process. For a story that
spans several commands (the demo: deploy, anchor, export, verify, serve), this serves that
same EVM over HTTP JSON-RPC for as long as the devnet process runs, so every command and any
verifier can reach it by URL. It is still ephemeral: stop it and the chain is gone.

eth-tester answers in its own shapes (integers, snake_case keys); :func:`to_rpc` turns them
into standard JSON-RPC values (0x-hex quantities and data, camelCase keys) so that any client
(web3.py, a wallet, curl) can talk to it. ``hardhat_setBalance`` is supported so that dev
accounts can be funded the same way as on a Hardhat node.

``eth_getLogs`` is answered here rather than by eth-tester (whose ``get_logs`` takes Python
keywords, not the JSON-RPC filter object), following the Ethereum JSON-RPC specification
(execution-apis, ``eth_getLogs``; EIP-234 for ``blockHash``): a filter with ``fromBlock`` and
``toBlock`` (hex quantities or ``earliest`` / ``latest`` / ``safe`` / ``finalized`` /
``pending``; both default to ``latest``), or a ``blockHash``; ``address`` (one or a list);
``topics`` (up to four positions, each ``null`` for any, a topic, or a list of topics any of
which may match). Logs come back as standard log objects (hex quantities, lower-case hex data,
``removed: false``), in block, then log order; receipts carry the same log objects.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .names import DEVNET_CHAIN_ID  # eth-tester's default chain id

__all__ = ["DEVNET_CHAIN_ID", "EmbeddedRpc", "log_object", "serve_devnet", "to_rpc"]

_CAMEL = re.compile(r"_([a-z])")
# Keys whose integer values are data (hex of fixed width), not quantities.
_FAUCET_WEI = 10**24


def _camel(key: str) -> str:
    return _CAMEL.sub(lambda m: m.group(1).upper(), key)


def to_rpc(value: Any) -> Any:
    """eth-tester values → JSON-RPC values."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {_camel(str(k)): to_rpc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_rpc(v) for v in value]
    return value


# Where each method takes a block identifier (eth-tester wants an int, not "0x1f").
_BLOCK_PARAM = {
    "eth_getBlockByNumber": 0,
    "eth_getBalance": 1,
    "eth_getCode": 1,
    "eth_getTransactionCount": 1,
    "eth_call": 1,
    "eth_estimateGas": 1,
    "eth_getStorageAt": 2,
}


def _block_id(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    return value


def _block_numbers(method: str, params: list[Any]) -> list[Any]:
    position = _BLOCK_PARAM.get(method)
    if position is not None and len(params) > position:
        params[position] = _block_id(params[position])
    return params


class _InvalidParamsError(ValueError):
    """A request whose params break the method's specification (JSON-RPC error -32602)."""


_INVALID_PARAMS = -32602  # JSON-RPC 2.0 §5.1
_FILTER_KEYS = frozenset({"fromBlock", "toBlock", "address", "topics", "blockHash"})
_MAX_TOPICS = 4  # LOG0-LOG4: an event has at most four topics
_HEX_QUANTITY = re.compile(r"^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def _quantity(value: Any, *, latest: int, name: str) -> int:
    if value in ("latest", "safe", "finalized", "pending"):
        # Every transaction is mined at once, so nothing is pending and all is final.
        return latest
    if value == "earliest":
        return 0
    if isinstance(value, str) and _HEX_QUANTITY.match(value):
        return int(value, 16)
    raise _InvalidParamsError(
        f"{name} must be a hex block number or earliest, latest, safe, finalized, pending; "
        f"got {value!r}"
    )


def _addresses(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    given = value if isinstance(value, list) else [value]
    if not all(isinstance(a, str) and _ADDRESS.match(a) for a in given):
        raise _InvalidParamsError("address must be a 20-byte hex address or a list of them")
    return frozenset(a.lower() for a in given)


def _topic_filter(value: Any) -> list[frozenset[str] | None]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > _MAX_TOPICS:
        raise _InvalidParamsError(f"topics must be a list of at most {_MAX_TOPICS} positions")
    positions: list[frozenset[str] | None] = []
    for entry in value:
        options = entry if isinstance(entry, list) else [entry]
        if entry is None or (isinstance(entry, list) and not entry):
            positions.append(None)  # null (or an empty list) matches any topic
        elif all(isinstance(t, str) and _HASH.match(t) for t in options):
            positions.append(frozenset(t.lower() for t in options))
        else:
            raise _InvalidParamsError(
                "each topic must be null, a 32-byte hex topic or a list of them"
            )
    return positions


def _hex_data(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value).lower()


def log_object(log: dict[str, Any]) -> dict[str, Any]:
    """An eth-tester log entry as a standard JSON-RPC log object."""
    return {
        "address": _hex_data(log["address"]),
        "topics": [_hex_data(t) for t in log["topics"]],
        "data": _hex_data(log["data"]),
        "blockNumber": hex(log["block_number"]),
        "blockHash": _hex_data(log["block_hash"]),
        "transactionHash": _hex_data(log["transaction_hash"]),
        "transactionIndex": hex(log["transaction_index"]),
        "logIndex": hex(log["log_index"]),
        "removed": False,
    }


def _matches(
    log: dict[str, Any], addresses: frozenset[str] | None, topics: list[frozenset[str] | None]
) -> bool:
    if addresses is not None and _hex_data(log["address"]) not in addresses:
        return False
    have = [_hex_data(t) for t in log["topics"]]
    for position, wanted in enumerate(topics):
        if wanted is None:
            continue
        if position >= len(have) or have[position] not in wanted:
            return False
    return True


class EmbeddedRpc:
    """A JSON-RPC front for one in-process EVM."""

    def __init__(self) -> None:
        from eth_tester import EthereumTester, PyEVMBackend  # type: ignore[import-untyped]
        from web3 import EthereumTesterProvider

        self.tester = EthereumTester(PyEVMBackend())
        self.provider = EthereumTesterProvider(self.tester)
        self._lock = threading.Lock()
        self._special: dict[str, Callable[[list[Any]], Any]] = {
            "eth_getLogs": self._get_logs,
            "hardhat_setBalance": self._set_balance,
            "net_version": lambda _p: str(DEVNET_CHAIN_ID),
            "web3_clientVersion": lambda _p: "provenance-devnet/eth-tester",
        }

    def _set_balance(self, params: list[Any]) -> bool:
        address, amount = params[0], int(params[1], 16)
        faucet = self.tester.get_accounts()[0]
        current = self.tester.get_balance(address)
        if amount > current:
            tx = self.tester.send_transaction(
                {"from": faucet, "to": address, "value": amount - current, "gas": 21_000}
            )
            assert tx
        return True

    def _get_logs(self, params: list[Any]) -> list[dict[str, Any]]:
        if len(params) != 1 or not isinstance(params[0], dict):
            raise _InvalidParamsError("eth_getLogs takes one filter object")
        query = params[0]
        unknown = sorted(set(query) - _FILTER_KEYS)
        if unknown:
            raise _InvalidParamsError(f"unknown filter field(s): {', '.join(unknown)}")
        latest = int(self.tester.get_block_by_number("latest")["number"])
        if "blockHash" in query:
            if "fromBlock" in query or "toBlock" in query:
                raise _InvalidParamsError("blockHash cannot be combined with fromBlock or toBlock")
            block_hash = query["blockHash"]
            if not isinstance(block_hash, str) or not _HASH.match(block_hash):
                raise _InvalidParamsError("blockHash must be a 32-byte hex hash")
            try:
                first = last = int(self.tester.get_block_by_hash(block_hash)["number"])
            except Exception as exc:  # eth-tester's BlockNotFound
                raise _InvalidParamsError(f"unknown block {block_hash}") from exc
        else:
            first = _quantity(query.get("fromBlock", "latest"), latest=latest, name="fromBlock")
            last = _quantity(query.get("toBlock", "latest"), latest=latest, name="toBlock")
            if first > last:
                raise _InvalidParamsError(f"fromBlock {first} is after toBlock {last}")
        addresses = _addresses(query.get("address"))
        topics = _topic_filter(query.get("topics"))
        found: list[dict[str, Any]] = []
        for number in range(first, min(last, latest) + 1):
            block = self.tester.get_block_by_number(number)
            for tx_hash in block["transactions"]:
                receipt = self.tester.get_transaction_receipt(tx_hash)
                found.extend(
                    log_object(log) for log in receipt["logs"] if _matches(log, addresses, topics)
                )
        return found

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one JSON-RPC request object."""
        rid = request.get("id")
        method = str(request.get("method", ""))
        params = _block_numbers(method, list(request.get("params") or []))
        try:
            with self._lock:
                if (
                    method in ("eth_call", "eth_estimateGas")
                    and params
                    and isinstance(params[0], dict)
                ):
                    # eth-tester insists on a sender; JSON-RPC makes it optional.
                    # A funded test account, as eth-tester also checks the sender can pay.
                    sender = self.tester.get_accounts()[0]
                    params = [{"from": sender, **params[0]}, *params[1:]]
                if method in self._special:
                    result = self._special[method](params)
                else:
                    response = self.provider.make_request(method, params)  # type: ignore[arg-type]
                    if "error" in response:
                        failure = response["error"]
                        message = (
                            failure.get("message") if isinstance(failure, dict) else str(failure)
                        )
                        return {
                            "jsonrpc": "2.0",
                            "id": rid,
                            "error": {"code": -32000, "message": message},
                        }
                    result = response.get("result")
                    if method in ("net_version",):
                        return {"jsonrpc": "2.0", "id": rid, "result": str(result)}
                    if method == "eth_getTransactionReceipt" and isinstance(result, dict):
                        result = {**result, "logs": [log_object(g) for g in result["logs"]]}
        except _InvalidParamsError as exc:
            return {
                "jsonrpc": "2.0",
                "id": rid,
                "error": {"code": _INVALID_PARAMS, "message": f"invalid params: {exc}"},
            }
        except Exception as exc:  # a revert or a bad request: the client sees an RPC error
            data = None
            text = str(exc)
            match = re.search(r"b(['\"]).*\1", text)
            if match:
                try:
                    import ast

                    raw = ast.literal_eval(match.group(0))
                    if isinstance(raw, bytes):
                        data = "0x" + raw.hex()
                except (ValueError, SyntaxError):
                    pass
            error: dict[str, Any] = {"code": 3 if data else -32000, "message": text[:300]}
            if data:
                error["data"] = data
            return {"jsonrpc": "2.0", "id": rid, "error": error}
        return {"jsonrpc": "2.0", "id": rid, "result": to_rpc(result)}


def serve_devnet(port: int, *, ready: Callable[[str], None] | None = None) -> None:
    """Serve a fresh embedded chain on http://127.0.0.1:``port`` until interrupted."""
    rpc = EmbeddedRpc()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > 1_000_000:
                self.send_error(413)
                return
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self.send_error(400)
                return
            if isinstance(body, list):
                answer: Any = [rpc.handle(r) for r in body if isinstance(r, dict)]
            else:
                answer = rpc.handle(body)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if ready is not None:
        ready(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
