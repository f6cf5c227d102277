"""The one verdict, pinned for every combination of its inputs."""

from __future__ import annotations

import itertools

import pytest

from provenance.chain.names import DEVNET_CHAIN_ID, chain_name
from provenance.proof.verdict import Evidence, decide

HISTORY = [None, "event 2: signature does not verify"]
TAGS = [None, "genuine", "wrong", "revoked", "untagged", "copied", "other-item", "malformed"]
STATUS = [None, "stolen", "missing", "destroyed", "recovered"]
CHAIN = [None, "contract 0xabc holds another root at size 9"]
# (anchored events of 5, chain id, ephemeral)
ANCHORS = [
    (0, None, False),  # not anchored
    (5, 1, False),  # all on Ethereum mainnet
    (3, 8453, False),  # newest 2 not yet, Base
    (5, 11155111, False),  # Sepolia only
    (5, 31337, False),  # local Hardhat only
    (5, DEVNET_CHAIN_ID, True),  # embedded devnet
    (5, 424242, False),  # a chain nobody named
]


def _expected(history: str | None, tag: str | None, status: str | None, chain: str | None,
              anchor: tuple[int, int | None, bool]) -> str:  # fmt: skip
    if history or chain or tag not in (None, "genuine"):
        return "failed"
    if status in ("stolen", "missing", "destroyed"):
        return "warning"
    anchored, chain_id, ephemeral = anchor
    lasting = chain_id in (1, 8453, 10, 42161, 137) and not ephemeral
    return "verified" if lasting and anchored == 5 else "pending"


@pytest.mark.parametrize(
    ("history", "tag", "status", "chain", "anchor"),
    list(itertools.product(HISTORY, TAGS, STATUS, CHAIN, ANCHORS)),
)
def test_every_combination(
    history: str | None,
    tag: str | None,
    status: str | None,
    chain: str | None,
    anchor: tuple[int, int | None, bool],
) -> None:
    anchored, chain_id, ephemeral = anchor
    verdict = decide(
        Evidence(
            events=5,
            history_problem=history,
            tag=tag,
            status=status,
            status_since="2026-11-30T10:00:00Z",
            anchored=anchored,
            anchor_chain_id=chain_id,
            anchor_ephemeral=ephemeral,
            chain_problem=chain,
        )
    )
    assert verdict.word == _expected(history, tag, status, chain, anchor)
    assert verdict.to_json()["verdict"] == verdict.word
    if verdict.word == "failed":
        assert verdict.headline == "Do not trust this item's record."
        assert verdict.reasons
    if verdict.word == "warning":
        assert f"reported {status.upper()} on 2026-11-30" in verdict.headline  # type: ignore[union-attr]
        assert verdict.advice == "Do not buy it; contact the store."


def test_plain_words() -> None:
    sepolia = decide(Evidence(events=3, anchored=3, anchor_chain_id=11155111))
    assert "sealed on a test chain only (Sepolia)" in sepolia.advice
    partial = decide(Evidence(events=4, anchored=3, anchor_chain_id=1, next_anchor_due="14:00 UTC"))
    assert "its newest 1 event is not sealed on a public chain yet" in partial.advice
    assert "The next seal is due by 14:00 UTC." in partial.advice
    full = decide(Evidence(events=4, anchored=4, anchor_chain_id=1, tag="genuine"))
    assert full.word == "verified"
    assert "sealed on Ethereum mainnet" in full.advice and "tag is the one bound" in full.advice
    none = decide(Evidence(events=2))
    assert none.word == "pending" and "not sealed on a chain yet" in none.advice
    copied = decide(Evidence(events=2, anchored=2, anchor_chain_id=1, tag="copied"))
    assert copied.reasons == ("the scanned tag is a copy: its tap counter was seen before",)


def test_chain_names() -> None:
    assert chain_name(1).name == "Ethereum mainnet" and chain_name(1).lasting
    assert chain_name(560048).name == "Hoodi" and not chain_name(560048).lasting
    assert chain_name(42161).name == "Arbitrum One" and chain_name(10).name == "OP Mainnet"
    assert chain_name(137).name == "Polygon PoS"
    assert chain_name(DEVNET_CHAIN_ID).kind == "dev"
    assert chain_name(99).kind == "unknown" and not chain_name(99).lasting
