"""``chain deploy | status | account``, ``anchor`` and ``hardhat up | down``."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

import re
import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from provenance.errors import ChainError, ConfigurationError, InputError

from ._chains import hardhat_port, print_judgements
from .app import app
from .context import state
from .output import console, emit, note

# The chain wing (web3, eth-account, eth-tester) is imported by the commands that use it.
if TYPE_CHECKING:
    from provenance.chain.anchorer import AnchorOutcome, DeploymentRecord
    from provenance.chain.endpoints import Chain, ChainSpec
    from provenance.chain.transactions import FeePolicy
    from provenance.log.transparency import StoredCheckpoint

__all__: list[str] = []

chain_app = typer.Typer(help="The Ethereum contract the log is anchored in.", no_args_is_help=True)
app.add_typer(chain_app, name="chain")
hardhat_app = typer.Typer(help="The local Hardhat node (127.0.0.1).", no_args_is_help=True)
app.add_typer(hardhat_app, name="hardhat")

ChainOpt = Annotated[
    str | None,
    typer.Option(
        "--chain",
        help="embedded | hardhat | an http(s) JSON-RPC URL (default: the deployed chain).",
    ),
]
ChainIdOpt = Annotated[
    int | None, typer.Option("--chain-id", help="Chain id a URL must have (PROVENANCE_CHAIN_ID).")
]
MaxFeeOpt = Annotated[
    float | None,
    typer.Option("--max-fee-gwei", help="Fee cap per gas (PROVENANCE_MAX_FEE_GWEI; 100)."),
]
ConfirmOpt = Annotated[
    int | None,
    typer.Option("--confirmations", help="Blocks until final (1 on dev chains, else 12)."),
]


# -- shared helpers ------------------------------------------------------------------------


def _spec(chain: str | None, chain_id: int | None) -> "ChainSpec":
    """The chain from the option, the environment, or the current deployment."""
    from provenance.chain.anchorer import current_deployment
    from provenance.chain.endpoints import ChainSpec

    settings = state.settings
    wanted_id = chain_id if chain_id is not None else settings.chain_id
    text = chain or settings.chain
    if text:
        return ChainSpec.parse(text, wanted_id, hardhat_port=hardhat_port())
    deployment = current_deployment(state.ledger().engine)
    if deployment is None:
        raise ConfigurationError(
            "no chain configured: run 'provenance chain deploy --chain hardhat|URL', "
            "or try 'provenance anchor --chain embedded'"
        )
    if deployment.endpoint.startswith("http") and not text:
        # A URL may carry credentials: those are never stored, so the URL must be given.
        raise ConfigurationError(
            f"the contract is on {deployment.endpoint} (chain {deployment.chain_id}); "
            "give its RPC URL with --chain or PROVENANCE_CHAIN"
        )
    return ChainSpec.parse(
        deployment.endpoint, wanted_id or deployment.chain_id, hardhat_port=hardhat_port()
    )


def _connect(spec: "ChainSpec") -> "Chain":
    from provenance.chain.endpoints import connect

    return connect(spec, retries=state.settings.rpc_retries)


def _policy(max_fee_gwei: float | None) -> "FeePolicy":
    from provenance.chain.transactions import GWEI, FeePolicy

    cap = max_fee_gwei if max_fee_gwei is not None else state.settings.max_fee_gwei
    if cap <= 0:
        raise InputError("--max-fee-gwei must be positive")
    return FeePolicy(max_fee_wei=int(cap * GWEI))


def _eth_passphrase(prompt: str) -> str:
    secret = state.settings.eth_passphrase
    if secret is not None:
        return secret.get_secret_value()
    return state.passphrase(prompt)


def _account(*, create: bool) -> Any:
    from provenance.chain.wallet import create_keystore, load_account

    path = state.settings.keystore_path
    if not path.exists() and create:
        address = create_keystore(path, _eth_passphrase("Passphrase for the new keystore"))
        note(f"created the anchoring account {address} in {path}")
    return load_account(path, _eth_passphrase("Passphrase for the anchoring keystore"))


def _confirmations(value: int | None, chain: "Chain") -> int:
    chosen = value if value is not None else state.settings.confirmations
    if chosen is None:
        return 1 if chain.dev else 12
    if chosen < 1:
        raise InputError("--confirmations must be at least 1")
    return chosen


def _deploy(chain: "Chain", account: Any, policy: "FeePolicy") -> "tuple[DeploymentRecord, int]":
    from provenance.chain.anchorer import fund_dev_account, record_deployment
    from provenance.chain.contract import deploy

    if chain.dev:
        balance = chain.call("read the balance", lambda: chain.w3.eth.get_balance(account.address))
        if balance == 0:
            fund_dev_account(chain, account.address)
            note(f"funded {account.address} with test ETH ({chain.spec.kind} dev chain)")
    deployed = deploy(chain, account, policy)
    record = record_deployment(state.ledger().engine, chain, deployed, deployer=account.address)
    return record, deployed.gas_used


def _checkpoint() -> "StoredCheckpoint":
    """The latest checkpoint, signing a new one first if the log has grown."""
    from provenance.log.transparency import TransparencyLog

    log = TransparencyLog(state.ledger().engine)
    latest = log.latest()
    if latest is None or latest.size < log.size():
        stored, _new = log.checkpoint(state.log_signer())
        return stored
    return latest


# -- chain ---------------------------------------------------------------------------------


@chain_app.command("deploy")
def chain_deploy(
    chain: ChainOpt = None, chain_id: ChainIdOpt = None, max_fee_gwei: MaxFeeOpt = None
) -> None:
    """Deploy the ProvenanceAnchor contract and record it (funds the account on dev chains)."""
    spec = _spec(chain or state.settings.chain or "hardhat", chain_id)
    if spec.ephemeral:
        raise InputError(
            "the embedded chain vanishes when this command ends; use "
            "'provenance anchor --chain embedded' to try anchoring in one process"
        )
    connected = _connect(spec)
    account = _account(create=True)
    record, gas = _deploy(connected, account, _policy(max_fee_gwei))
    result = {"ok": True, **record.to_json(), "gas_used": gas}
    emit(
        result,
        lambda: console.print(
            f"Deployed ProvenanceAnchor at {record.address} on chain {record.chain_id} "
            f"({spec.label}), block {record.block_number}, {gas:,} gas",
            markup=False,
        ),
    )


@chain_app.command("account")
def chain_account() -> None:
    """Show the anchoring account (creating its encrypted keystore the first time)."""
    from provenance.chain.wallet import create_keystore, keystore_address

    path = state.settings.keystore_path
    created = False
    if not path.exists():
        create_keystore(path, _eth_passphrase("Passphrase for the new keystore"))
        created = True
    address = keystore_address(path)
    emit(
        {"ok": True, "address": address, "keystore": str(path), "created": created},
        lambda: console.print(f"{address}  ({path}{', new' if created else ''})", markup=False),
    )


@chain_app.command("status")
def chain_status(chain: ChainOpt = None, chain_id: ChainIdOpt = None) -> None:
    """Chain id, contract, balance, latest anchor and its finality."""
    from provenance.chain.anchorer import Anchorer, current_deployment
    from provenance.chain.contract import AnchorContract, verify_anchor
    from provenance.chain.judge import judge, raise_alarms
    from provenance.chain.wallet import keystore_address
    from provenance.log.transparency import TransparencyLog

    spec = _spec(chain, chain_id)
    if spec.ephemeral:
        raise InputError("the embedded chain has no state between commands; nothing to show")
    engine = state.ledger().engine
    connected = _connect(spec)
    deployment = current_deployment(engine, chain_id=connected.chain_id)
    if deployment is None:
        raise ConfigurationError(
            f"no contract recorded for chain {connected.chain_id}; run 'provenance chain deploy'"
        )
    contract = AnchorContract(connected, deployment.address)
    present = contract.has_code()
    address = keystore_address(state.settings.keystore_path)
    balance = connected.call("read the balance", lambda: connected.w3.eth.get_balance(address))
    head = connected.call("read the head", lambda: connected.w3.eth.block_number)
    onchain = contract.latest_tree_size() if present else None
    anchorer = Anchorer(engine, connected, None, deployment)
    history = anchorer.anchors()
    latest = history[0] if history else None
    # Read the anchored root back from the contract and check it against the signed
    # checkpoint of that size (AnchorError, exit 1, if they differ).
    verified = None
    if present and latest is not None and latest.state in ("anchored", "final"):
        cp = TransparencyLog(engine).checkpoint_at(latest.tree_size)
        if cp is not None:
            verify_anchor(contract, tree_size=cp.size, root=bytes.fromhex(cp.root))
            verified = True
    # The chain is the judge: the local log against every root this contract holds.
    judgement = judge(engine, contract, deployment_id=deployment.id, ephemeral=spec.ephemeral)
    raise_alarms(engine, [judgement])
    result: dict[str, Any] = {
        "ok": judgement.status != "diverged",
        "judgement": judgement.to_json(),
        "chain": spec.label,
        "chain_id": connected.chain_id,
        "dev_chain": connected.dev,
        "contract": deployment.address,
        "contract_present": present,
        "account": address,
        "balance_wei": int(balance),
        "head_block": int(head),
        "onchain_tree_size": onchain,
        "latest_anchor": latest.to_json() if latest else None,
        "confirmations": (
            int(head) - latest.block_number + 1 if latest and latest.block_number else None
        ),
        "anchors": len(history),
        "root_verified": verified,
    }

    def human() -> None:
        console.print(f"Chain {connected.chain_id} ({spec.label}), head block {head}", markup=False)
        state_text = "present" if present else "MISSING (dev chain reset?)"
        console.print(f"Contract {deployment.address}: {state_text}", markup=False)
        console.print(f"Account {address}: {balance / 10**18:.6f} ETH", markup=False)
        console.print(f"On-chain latest tree size: {onchain}", markup=False)
        if latest:
            console.print(
                f"Latest anchor: size {latest.tree_size}, {latest.state}, tx {latest.tx_hash}, "
                f"block {latest.block_number}, confirmations {result['confirmations']}",
                markup=False,
            )
            if verified:
                console.print("The contract's root matches the signed checkpoint ✓")
        else:
            console.print("No anchor yet: run 'provenance anchor'")
        print_judgements([judgement])

    emit(result, human)
    if judgement.status == "diverged":
        raise typer.Exit(1)


# -- anchor --------------------------------------------------------------------------------

_EVERY = re.compile(r"^(\d+)\s*([smh]?)$")


def _interval(text: str) -> float:
    match = _EVERY.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise InputError(f"--every {text!r}: use a number with s, m or h, e.g. 30s, 10m, 1h")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _outcome_json(outcome: "AnchorOutcome", chain: "Chain") -> dict[str, Any]:
    anchor = outcome.anchor
    return {
        "ok": True,
        "chain": chain.spec.label,
        "chain_id": chain.chain_id,
        "ephemeral": chain.spec.ephemeral,
        "contract": outcome.deployment.address,
        "new": outcome.new,
        "redeployed": outcome.redeployed,
        "vanished_anchors": outcome.vanished,
        "message": outcome.message,
        "tree_size": anchor.tree_size if anchor else None,
        "root": anchor.root if anchor else None,
        "state": anchor.state if anchor else None,
        "tx": anchor.tx_hash if anchor else None,
        "block": anchor.block_number if anchor else None,
        "gas_used": anchor.gas_used if anchor else None,
    }


def _print_outcome(data: dict[str, Any]) -> None:
    if data["ephemeral"]:
        note("embedded chain: in-process and ephemeral; this anchor is gone when the command ends")
    if data["redeployed"]:
        vanished = data["vanished_anchors"]
        console.print(
            f"The dev chain was reset: redeployed the contract at {data['contract']} on chain "
            f"{data['chain_id']}; {vanished} earlier anchor{'s' if vanished != 1 else ''} "
            "vanished with the old one",
            markup=False,
        )
    if data["tx"]:
        console.print(
            f"{data['message']}: {data['state']}, chain {data['chain_id']}, contract "
            f"{data['contract']}, tx {data['tx']}, block {data['block']}, "
            f"{data['gas_used'] or 0:,} gas",
            markup=False,
        )
    else:
        console.print(data["message"], markup=False)


@app.command("anchor")
def anchor_command(
    chain: ChainOpt = None,
    chain_id: ChainIdOpt = None,
    every: Annotated[
        str | None, typer.Option("--every", help="Anchor in a loop, e.g. 10m (Ctrl-C stops).")
    ] = None,
    confirmations: ConfirmOpt = None,
    max_fee_gwei: MaxFeeOpt = None,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for confirmations.")
    ] = 120.0,
) -> None:
    """Anchor the latest checkpoint on chain (signing a new checkpoint if the log grew)."""
    from provenance.chain.anchorer import Anchorer, AnchorSettings, current_deployment

    period = _interval(every) if every else None
    spec = _spec(chain, chain_id)
    if spec.ephemeral and period:
        raise InputError("--every needs a lasting chain; the embedded one is a one-shot try-out")
    policy = _policy(max_fee_gwei)
    engine = state.ledger().engine
    connected = _connect(spec)
    found = None
    if not spec.ephemeral:
        found = current_deployment(engine, chain_id=connected.chain_id)
        if found is None:
            raise ConfigurationError(
                f"no contract recorded for chain {connected.chain_id}; "
                "run 'provenance chain deploy' first"
            )
    account = _account(create=spec.ephemeral)
    deployment = found if found is not None else _deploy(connected, account, policy)[0]
    settings = AnchorSettings(
        confirmations=_confirmations(confirmations, connected),
        wait_seconds=max(wait, 0.0),
        policy=policy,
    )
    anchorer = Anchorer(engine, connected, account, deployment, settings)
    while True:
        outcome = anchorer.anchor(_checkpoint())
        data = _outcome_json(outcome, connected)
        emit(data, lambda data=data: _print_outcome(data))  # type: ignore[misc]
        if period is None:
            return
        sys.stdout.flush()
        try:
            time.sleep(period)
        except KeyboardInterrupt:
            note("stopped")
            return


# -- hardhat -------------------------------------------------------------------------------


def _hardhat_dir() -> Any:
    return state.settings.home / "hardhat"


@hardhat_app.command("up")
def hardhat_up(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8545,
) -> None:
    """Start the local Hardhat node on 127.0.0.1 (in the background) and wait for it."""
    from provenance.chain.hardhat import start_node

    status = start_node(_hardhat_dir(), port)
    emit(
        {"ok": True, "url": status.url, "chain_id": status.chain_id, "pid": status.pid},
        lambda: console.print(
            f"Hardhat node on {status.url}, chain {status.chain_id}"
            + (f", pid {status.pid}" if status.pid else " (already running)"),
            markup=False,
        ),
    )


@hardhat_app.command("down")
def hardhat_down(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8545,
) -> None:
    """Stop the Hardhat node that 'hardhat up' started."""
    from provenance.chain.hardhat import node_status, stop_node

    stopped = stop_node(_hardhat_dir(), port)
    still = node_status(_hardhat_dir(), port).running
    if still and not stopped:
        raise ChainError(f"a node answers on port {port} but was not started by 'hardhat up'")
    emit(
        {"ok": True, "stopped": stopped},
        lambda: console.print("Hardhat node stopped" if stopped else "No node was running"),
    )


@chain_app.command("devnet")
def chain_devnet(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8545,
) -> None:
    """Serve the embedded chain (eth-tester + py-evm) over JSON-RPC on 127.0.0.1 until
    Ctrl-C: an ephemeral dev chain that several commands can share (chain id 131277322940537)."""
    from provenance.chain.devnet import DEVNET_CHAIN_ID, serve_devnet

    def ready(url: str) -> None:
        note(f"embedded devnet on {url} (chain {DEVNET_CHAIN_ID}); ephemeral: Ctrl-C ends it")
        if state.json:
            emit({"ok": True, "url": url, "chain_id": DEVNET_CHAIN_ID}, lambda: None)
        sys.stdout.flush()

    try:
        serve_devnet(port, ready=ready)
    except OSError as exc:
        raise ChainError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from exc
    except KeyboardInterrupt:
        note("devnet stopped; its chain is gone")
