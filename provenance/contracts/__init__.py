"""The compiled ``ProvenanceAnchor`` contract shipped with the package.

``ProvenanceAnchor.json`` is produced by ``node contracts/build.mjs`` (pinned solc-js, see
``contracts/README.md``) and checked against a fresh build by the test suite. Its fields:
``contractName``, ``sourceName``, ``abi``, ``bytecode`` (creation code, 0x-hex),
``deployedBytecode`` (runtime code, 0x-hex), ``compiler``, ``settings`` and ``sourceSha256``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = [
    "ARTIFACT_NAME",
    "CONTRACT_NAME",
    "abi",
    "bytecode",
    "deployed_bytecode",
    "load_artifact",
]

CONTRACT_NAME = "ProvenanceAnchor"
"""Name of the anchoring contract."""

ARTIFACT_NAME = f"{CONTRACT_NAME}.json"
"""File name of the artifact inside this package."""


@cache
def _artifact_text() -> str:
    return files(__name__).joinpath(ARTIFACT_NAME).read_text(encoding="utf-8")


def load_artifact() -> dict[str, Any]:
    """The parsed artifact (a fresh dict on every call, so callers may modify it)."""
    artifact: dict[str, Any] = json.loads(_artifact_text())
    return artifact


def abi() -> list[dict[str, Any]]:
    """The contract's ABI: a list of function, event, error and constructor entries."""
    entries: list[dict[str, Any]] = load_artifact()["abi"]
    return entries


def bytecode() -> str:
    """The creation bytecode (0x-prefixed hex) to deploy the contract with."""
    code: str = load_artifact()["bytecode"]
    return code


def deployed_bytecode() -> str:
    """The runtime bytecode (0x-prefixed hex) a deployed instance holds."""
    code: str = load_artifact()["deployedBytecode"]
    return code
