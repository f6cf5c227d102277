"""Holding the log to the chains it was anchored to, for ``audit``, ``chain status`` and
``anchor``: which chain a recorded contract lives on, and how a judgement is printed.

web3 is imported only when the store has recorded a contract.
"""

from typing import TYPE_CHECKING, Any

from provenance.errors import ConfigurationError

from .context import state
from .output import console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from provenance.chain.anchorer import DeploymentRecord
    from provenance.chain.endpoints import Chain, ChainSpec
    from provenance.chain.judge import ChainJudgement

__all__ = ["hardhat_port", "judge_recorded", "judgement_json", "print_judgements", "spec_for"]


def hardhat_port() -> int | None:
    """The port of the node ``provenance hardhat up --port N`` started, if it still runs."""
    from provenance.chain.hardhat import recorded_port

    return recorded_port(state.settings.home / "hardhat")


def spec_for(record: "DeploymentRecord") -> "ChainSpec":
    """The chain a recorded contract lives on; an RPC URL must come from the settings,
    because URLs (which may carry credentials) are never stored."""
    from provenance.chain.endpoints import ChainSpec

    if record.endpoint.startswith("http"):
        text = state.settings.chain
        if not text:
            raise ConfigurationError(
                f"give the RPC URL of chain {record.chain_id} ({record.endpoint}) with --chain "
                "or PROVENANCE_CHAIN to check it"
            )
        return ChainSpec.parse(text, record.chain_id)
    return ChainSpec.parse(record.endpoint, record.chain_id, hardhat_port=hardhat_port())


def _connect_record(record: "DeploymentRecord") -> "Chain":
    from provenance.chain.endpoints import connect

    return connect(spec_for(record), retries=state.settings.rpc_retries)


def judge_recorded(engine: "Engine") -> list["ChainJudgement"]:
    """Judge the local log against every recorded contract; store what diverged as alarms.

    Returns an empty list, without importing web3, when the store never deployed one.
    """
    from sqlalchemy import func, select

    from provenance.storage.tables import deployments

    with engine.connect() as conn:
        if not conn.execute(select(func.count()).select_from(deployments)).scalar_one():
            return []
    from provenance.chain.judge import judge_all, raise_alarms

    judgements = judge_all(engine, _connect_record)
    raise_alarms(engine, judgements)
    return judgements


def print_judgements(judgements: list["ChainJudgement"]) -> None:
    """One line per finding: ✓ held, ✗ diverged, ? not checked."""
    marks = {"consistent": "✓", "diverged": "✗", "unchecked": "?"}
    for judgement in judgements:
        for line in judgement.lines():
            console.print(f"{marks[judgement.status]} {line}", markup=False, soft_wrap=True)


def judgement_json(judgements: list["ChainJudgement"]) -> list[dict[str, Any]]:
    """JSON-ready judgements."""
    return [j.to_json() for j in judgements]
