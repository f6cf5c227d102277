"""The embedded chain, shared over JSON-RPC on 127.0.0.1: ``provenance chain devnet``.

The in-process EVM (eth-tester + py-evm) lives only as long as one process. For a story that
spans several commands (the demo: deploy, anchor, export, verify, serve), this serves that
same EVM over HTTP JSON-RPC for as long as the devnet process runs, so every command and any
verifier can reach it by URL. It is still ephemeral: stop it and the chain is gone.

eth-tester answers in its own shapes (integers, snake_case keys); :func:`to_rpc` turns them
into standard JSON-RPC values (0x-hex quantities and data, camelCase keys) so that any client
(web3.py, a wallet, curl) can talk to it. ``hardhat_setBalance`` is supported so that dev
accounts can be funded the same way as on a Hardhat node.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .names import DEVNET_CHAIN_ID  # eth-tester's default chain id

__all__ = ["DEVNET_CHAIN_ID", "EmbeddedRpc", "serve_devnet", "to_rpc"]

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
    if method == "eth_getLogs" and params and isinstance(params[0], dict):
        params[0] = {
            k: _block_id(v) if k in ("fromBlock", "toBlock") else v for k, v in params[0].items()
        }
    return params


class EmbeddedRpc:
    """A JSON-RPC front for one in-process EVM."""

    def __init__(self) -> None:
        from eth_tester import EthereumTester, PyEVMBackend  # type: ignore[import-untyped]
        from web3 import EthereumTesterProvider

        self.tester = EthereumTester(PyEVMBackend())
        self.provider = EthereumTesterProvider(self.tester)
        self._lock = threading.Lock()
        self._special: dict[str, Callable[[list[Any]], Any]] = {
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
