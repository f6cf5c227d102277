"""Which chain to talk to, and talking to it with retries.

An endpoint is ``embedded`` (an in-process EVM: eth-tester with py-evm, gone when the process
ends), ``hardhat`` (the local node on 127.0.0.1:8545, chain id 31337), or an ``http(s)://``
JSON-RPC URL with the chain id it must have (Sepolia, mainnet, an L2). Every RPC call goes
through :meth:`Chain.call`, which retries connection failures with exponential backoff and
then raises :class:`~provenance.errors.ChainUnavailableError` with what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..errors import ChainError, ChainUnavailableError, InputError

__all__ = [
    "EMBEDDED",
    "HARDHAT",
    "HARDHAT_CHAIN_ID",
    "HARDHAT_URL",
    "Chain",
    "ChainSpec",
    "connect",
]

log = logging.getLogger(__name__)

EMBEDDED = "embedded"
HARDHAT = "hardhat"
HARDHAT_URL = "http://127.0.0.1:8545"
HARDHAT_CHAIN_ID = 31337
# Hardhat, Ganache/geth --dev, and eth-tester's (the embedded chain, also as a devnet).
_DEV_CHAIN_IDS = frozenset({HARDHAT_CHAIN_ID, 1337, 131277322940537})
_T = TypeVar("_T")


@dataclass(frozen=True)
class ChainSpec:
    """A chain as the user names it: ``embedded``, ``hardhat`` or a URL (with its chain id)."""

    endpoint: str
    chain_id: int | None = None
    #: The local Hardhat node's port, when ``hardhat up --port N`` started it elsewhere.
    hardhat_port: int | None = None

    @classmethod
    def parse(
        cls, text: str, chain_id: int | None = None, *, hardhat_port: int | None = None
    ) -> ChainSpec:
        """Check a ``--chain`` value; :class:`InputError` if it is none of the three kinds."""
        value = text.strip()
        if value.lower() == HARDHAT:
            return cls(HARDHAT, chain_id, hardhat_port)
        if value.lower() == EMBEDDED:
            return cls(EMBEDDED, chain_id)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(
                f"--chain {text!r}: use 'embedded', 'hardhat' or an http(s):// JSON-RPC URL"
            )
        if chain_id is None:
            raise InputError(
                f"--chain {parts.scheme}://{parts.hostname}/...: give the chain id it must have "
                "(--chain-id or PROVENANCE_CHAIN_ID), e.g. 11155111 for Sepolia"
            )
        return cls(value, chain_id)

    @property
    def kind(self) -> str:
        """``embedded``, ``hardhat`` or ``rpc``."""
        return self.endpoint if self.endpoint in (EMBEDDED, HARDHAT) else "rpc"

    @property
    def url(self) -> str | None:
        """The JSON-RPC URL (``None`` for the embedded chain)."""
        if self.kind == EMBEDDED:
            return None
        if self.kind == HARDHAT:
            return f"http://127.0.0.1:{self.hardhat_port}" if self.hardhat_port else HARDHAT_URL
        return self.endpoint

    @property
    def ephemeral(self) -> bool:
        """True for the in-process chain, which vanishes with the process."""
        return self.kind == EMBEDDED

    @property
    def label(self) -> str:
        """The endpoint without credentials, for messages and records."""
        if self.url is None or self.kind == HARDHAT:
            return self.endpoint
        parts = urlsplit(self.endpoint)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        # Paths and queries often carry API keys (".../v3/KEY"): never shown or stored.
        return f"{parts.scheme}://{host}{port}"


class Chain:
    """A connected chain: a web3 instance, its chain id, and retrying calls."""

    def __init__(
        self,
        spec: ChainSpec,
        w3: Any,
        *,
        tester: Any = None,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        dev: bool | None = None,
    ) -> None:
        self.spec = spec
        self._dev = dev  # None: judge by kind and chain id
        self.w3 = w3
        self.tester = tester  # the EthereumTester of an embedded chain (snapshots, faucet)
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.chain_id: int = self.call("read the chain id", lambda: int(w3.eth.chain_id))
        if spec.chain_id is not None and spec.chain_id != self.chain_id:
            raise ChainError(
                f"{spec.label} is chain {self.chain_id}, not the expected {spec.chain_id}; "
                "check --chain and --chain-id"
            )

    @property
    def dev(self) -> bool:
        """A development chain (embedded, or a local node) that may be reset at any time."""
        if self._dev is not None:
            return self._dev
        return self.spec.kind in (EMBEDDED, HARDHAT) or self.chain_id in _DEV_CHAIN_IDS

    def call(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run one RPC interaction, retrying connection failures with exponential backoff."""
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except Exception as exc:  # web3 surfaces requests/aiohttp errors as they are
                if not _is_connection_error(exc):
                    raise
                if attempt == self.retries:
                    raise ChainUnavailableError(
                        f"cannot reach {self.spec.label} to {what} after {self.retries + 1} "
                        f"tries ({_reason(exc)}); {self._hint()}"
                    ) from exc
                log.info("RPC %s failed (%s); retrying in %.1f s", what, _reason(exc), delay)
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def rpc(self, method: str, params: list[Any]) -> Any:
        """A raw JSON-RPC request (``evm_mine``, ``hardhat_setBalance``...), retried."""
        response = self.call(method, lambda: self.w3.provider.make_request(method, params))
        if "error" in response:
            raise ChainError(f"{method} failed on {self.spec.label}: {response['error']}")
        return response.get("result")

    def _hint(self) -> str:
        if self.spec.kind == HARDHAT:
            return "is the node running? start it with 'provenance hardhat up'"
        return "check the URL and your network, or try again later"


def connect(spec: ChainSpec, *, retries: int = 4, backoff: float = 0.5) -> Chain:
    """Connect to the chain ``spec`` names (a fresh in-process EVM for ``embedded``)."""
    if spec.kind == EMBEDDED:
        from eth_tester import EthereumTester, PyEVMBackend  # type: ignore[import-untyped]
        from web3 import EthereumTesterProvider, Web3

        tester = EthereumTester(PyEVMBackend())
        return Chain(spec, Web3(EthereumTesterProvider(tester)), tester=tester)
    from web3 import Web3

    assert spec.url is not None
    provider = Web3.HTTPProvider(
        spec.url, request_kwargs={"timeout": 15}, exception_retry_configuration=None
    )
    return Chain(spec, Web3(provider), retries=retries, backoff=backoff)


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import requests
    except ImportError:  # pragma: no cover - web3 depends on it
        return False
    from web3.exceptions import ProviderConnectionError

    if isinstance(exc, requests.exceptions.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status == 429 or status >= 500
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | ProviderConnectionError
        | ConnectionError
        | TimeoutError,
    )


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "Connection refused" in text or "NewConnectionError" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text.splitlines()[0][:120] if text else type(exc).__name__
