"""The crash-safe anchorer: put the latest signed checkpoint on chain exactly once.

The order of work is what makes it safe:

1. **sync**: advance every unfinished anchor first (send what was recorded but never sent,
   pick up receipts, count confirmations, notice reorgs);
2. **record**: sign the transaction locally and store it (``recorded``) in the same database
   transaction that checks no anchor already covers the checkpoint; only then
3. **send** it (``pending``) and **wait** for it (``anchored`` once mined, ``final`` after the
   configured confirmations).

A crash before 2 leaves nothing; between 2 and 3 leaves a recorded transaction that the next
run sends, byte for byte (same nonce, same hash); after 3 the next run finds its receipt. So
there is never a second transaction for the same checkpoint, and none is forgotten. If a reorg
drops a mined transaction, the same signed bytes are sent again; if its nonce has been used by
something else meanwhile, the anchor is ``dropped`` and the next run anchors the latest
checkpoint, which covers everything before it. On a dev chain whose contract has vanished
(a restarted node), the contract is redeployed and the latest checkpoint anchored there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select, update

from ..clock import utc_now
from ..errors import ChainError, LogDivergedError, VerificationError
from ..faults import failpoint
from ..log import merkle
from ..log.guard import RESTORE_HINT, refuse_if_diverged
from ..log.transparency import StoredCheckpoint
from ..log.tree import consistency_proof
from ..storage.engine import write_transaction
from ..storage.tables import anchors, deployments, log_head
from .contract import AnchorContract, Deployed, deploy
from .endpoints import EMBEDDED, Chain
from .judge import judge, raise_alarms
from .names import DEVNET_CHAIN_ID
from .transactions import FeePolicy, require_funds, sign

__all__ = [
    "ANCHOR_GAS_MARGIN",
    "AnchorOutcome",
    "AnchorRecord",
    "AnchorSettings",
    "Anchorer",
    "DeploymentRecord",
    "current_deployment",
    "fund_dev_account",
    "record_deployment",
]

ANCHOR_GAS_MARGIN = 1.25
UNFINISHED = ("recorded", "pending", "anchored")
LIVE = (*UNFINISHED, "final")
DEV_FUNDING_WEI = 10 * 10**18


@dataclass(frozen=True)
class DeploymentRecord:
    """A contract this ledger deployed."""

    id: int
    endpoint: str
    chain_id: int
    address: str
    deployer: str
    tx_hash: str
    block_number: int
    ephemeral: bool
    created_at: str
    vanished_at: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class AnchorRecord:
    """One anchor transaction and where it stands."""

    id: int
    deployment_id: int
    tree_size: int
    root: str
    nonce: int
    tx_hash: str
    state: str
    block_number: int | None
    block_hash: str | None
    gas_used: int | None
    detail: str | None
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (without the raw transaction)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class AnchorSettings:
    """How long to wait, and for how many confirmations."""

    confirmations: int = 1
    wait_seconds: float = 60.0
    poll_seconds: float = 0.5
    policy: FeePolicy = field(default_factory=FeePolicy)


@dataclass(frozen=True)
class AnchorOutcome:
    """What one anchoring run did."""

    anchor: AnchorRecord | None
    new: bool
    redeployed: bool
    deployment: DeploymentRecord
    message: str
    #: Anchors that vanished with the old contract when a reset dev chain was redeployed.
    vanished: int = 0


def _deployment(row: Any) -> DeploymentRecord:
    return DeploymentRecord(**{k: row._mapping[k] for k in DeploymentRecord.__dataclass_fields__})


def _anchor(row: Any) -> AnchorRecord:
    return AnchorRecord(**{k: row._mapping[k] for k in AnchorRecord.__dataclass_fields__})


def record_deployment(
    engine: Engine, chain: Chain, deployed: Deployed, *, deployer: str
) -> DeploymentRecord:
    """Store a new deployment."""
    values = {
        "endpoint": chain.spec.label,
        "chain_id": chain.chain_id,
        "address": deployed.address,
        "deployer": deployer,
        "tx_hash": deployed.tx_hash,
        "block_number": deployed.block_number,
        # The embedded chain, in process or served by 'provenance chain devnet', ends with
        # its process: a contract there is recorded as ephemeral either way.
        "ephemeral": chain.spec.ephemeral or chain.chain_id == DEVNET_CHAIN_ID,
        "created_at": utc_now(),
    }
    with write_transaction(engine) as conn:
        new_id = conn.execute(insert(deployments).values(**values)).inserted_primary_key[0]  # type: ignore[index]
        row = conn.execute(select(deployments).where(deployments.c.id == new_id)).one()
    return _deployment(row)


def current_deployment(
    engine: Engine, *, chain_id: int | None = None, ephemeral: bool = False
) -> DeploymentRecord | None:
    """The newest deployment still in use (on ``chain_id``, if given)."""
    # ``ephemeral`` here means the in-process embedded chain, which no later command can
    # reach; a served devnet is ephemeral too, but reachable while it runs.
    in_process = deployments.c.endpoint == EMBEDDED
    query = select(deployments).where(
        deployments.c.vanished_at.is_(None), in_process if ephemeral else ~in_process
    )
    if chain_id is not None:
        query = query.where(deployments.c.chain_id == chain_id)
    with engine.connect() as conn:
        row = conn.execute(query.order_by(deployments.c.id.desc()).limit(1)).first()
    return None if row is None else _deployment(row)


def fund_dev_account(chain: Chain, address: str, wei: int = DEV_FUNDING_WEI) -> None:
    """Give an account test ETH on a dev chain (never on a real network)."""
    if not chain.dev:
        raise ChainError(f"chain {chain.chain_id} is not a dev chain; fund {address} yourself")
    if chain.tester is not None:  # embedded: a transfer from a pre-funded test account
        w3 = chain.w3
        tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": address, "value": wei})
        w3.eth.wait_for_transaction_receipt(tx)
    else:  # the Hardhat node sets balances directly
        chain.rpc("hardhat_setBalance", [address, hex(wei)])


class Anchorer:
    """Anchors checkpoints of one ledger through one contract, crash-safely."""

    def __init__(
        self,
        engine: Engine,
        chain: Chain,
        account: Any,
        deployment: DeploymentRecord,
        settings: AnchorSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.chain = chain
        self.account = account
        self.deployment = deployment
        self.settings = settings or AnchorSettings()
        self._sleep = sleep
        #: How many anchors vanished when :meth:`ensure_contract` last redeployed.
        self.vanished = 0

    # -- the public steps ----------------------------------------------------------------

    def ensure_contract(self) -> bool:
        """Check the contract is there; on a dev chain, redeploy if it vanished.

        Returns whether it redeployed. On a real network a missing contract is an error.
        """
        contract = AnchorContract(self.chain, self.deployment.address)
        if contract.has_code():
            return False
        if not self.chain.dev:
            raise ChainError(
                f"no contract at {self.deployment.address} on chain {self.chain.chain_id}; "
                "is this the right network? ('provenance chain deploy' deploys a new one)"
            )
        now = utc_now()
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(deployments)
                .where(deployments.c.id == self.deployment.id)
                .values(vanished_at=now)
            )
            gone = conn.execute(
                update(anchors)
                .where(anchors.c.deployment_id == self.deployment.id, anchors.c.state.in_(LIVE))
                .values(state="vanished", updated_at=now, detail="the dev chain was reset")
            )
        self.vanished = int(gone.rowcount or 0)
        if (
            self.chain.call(
                "read the balance", lambda: self.chain.w3.eth.get_balance(self.account.address)
            )
            == 0
        ):
            fund_dev_account(self.chain, self.account.address)
        deployed = deploy(self.chain, self.account, self.settings.policy)
        self.deployment = record_deployment(
            self.engine, self.chain, deployed, deployer=self.account.address
        )
        return True

    def sync(self) -> list[AnchorRecord]:
        """Advance every unfinished anchor of this deployment; return them as they now are."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(anchors)
                .where(
                    anchors.c.deployment_id == self.deployment.id, anchors.c.state.in_(UNFINISHED)
                )
                .order_by(anchors.c.id)
            ).all()
        return [self._advance(_anchor(r), raw=str(r.raw_tx)) for r in rows]

    def anchor(self, checkpoint: StoredCheckpoint) -> AnchorOutcome:
        """Anchor ``checkpoint`` unless an anchor already covers it; wait for it."""
        redeployed = self.ensure_contract()
        self.sync()
        self._notice_lost_anchors()
        contract = AnchorContract(self.chain, self.deployment.address)
        onchain = self.hold_to_chain(contract, checkpoint)
        vanished = self.vanished if redeployed else 0
        covering = self._covering(checkpoint.size)
        if covering is not None:
            done = self._wait(covering)
            return AnchorOutcome(
                done, False, redeployed, self.deployment,
                f"tree size {done.tree_size} is already anchored ({done.state})", vanished,
            )  # fmt: skip
        if onchain >= checkpoint.size:
            return AnchorOutcome(
                None, False, redeployed, self.deployment,
                f"the contract already holds tree size {onchain} >= {checkpoint.size}", vanished,
            )  # fmt: skip
        root = bytes.fromhex(checkpoint.root)
        require_funds(self.chain, self.account.address)
        gas = int(contract.estimate_anchor_gas(self.account.address, checkpoint.size, root))
        nonce = int(
            self.chain.call(
                "read the nonce",
                lambda: self.chain.w3.eth.get_transaction_count(self.account.address, "pending"),
            )
        )
        signed = sign(
            self.chain,
            self.account,
            to=contract.address,
            data=contract.anchor_data(checkpoint.size, root),
            gas=int(gas * ANCHOR_GAS_MARGIN),
            nonce=nonce,
            policy=self.settings.policy,
        )
        record = self._record(checkpoint, signed.raw, signed.tx_hash, nonce)
        if record.tx_hash != signed.tx_hash:  # another process recorded one first
            return AnchorOutcome(
                self._wait(record), False, redeployed, self.deployment,
                f"tree size {record.tree_size} was recorded by another anchorer",
            )  # fmt: skip
        failpoint("anchor.after-record")
        self._send(signed.raw)
        failpoint("anchor.after-send")
        record = self._set(record, state="pending")
        done = self._wait(record)
        return AnchorOutcome(
            done, True, redeployed, self.deployment, f"anchored tree size {done.tree_size}",
            vanished,
        )  # fmt: skip

    def hold_to_chain(self, contract: AnchorContract, checkpoint: StoredCheckpoint) -> int:
        """Refuse to anchor unless the log extends everything the contract holds.

        1. no alarm is stored and no recorded anchor is beyond the log (the log guard);
        2. :func:`~provenance.chain.judge.judge`: the local root at every anchored size equals
           the root on chain, and the log is at least as long as the contract's latest size
           (a disagreement is stored as an alarm, so the ledger stops writing too);
        3. a consistency proof from the contract's latest size to the checkpoint's, built from
           the stored tree, verifies from the root on chain to the checkpoint's root: the new
           root extends the anchored one, so this anchor cannot put a fork on chain.

        Returns the contract's latest tree size. Raises :class:`LogDivergedError` (nothing is
        recorded or sent) or :class:`ChainError` if the contract could not be read.
        """
        with self.engine.connect() as conn:
            local_size = int(conn.execute(select(log_head.c.size)).scalar_one())
            refuse_if_diverged(conn, local_size)
        judgement = judge(
            self.engine,
            contract,
            deployment_id=self.deployment.id,
            ephemeral=self.deployment.ephemeral,
        )
        if judgement.status == "unchecked":
            raise ChainError(f"cannot hold the log to the chain: {judgement.reason}")
        if judgement.problems:
            raise_alarms(self.engine, [judgement])
            raise LogDivergedError(f"refusing to anchor: {judgement.lines()[0]}; {RESTORE_HINT}")
        onchain = judgement.chain_size or 0
        if 0 < onchain < checkpoint.size:
            with self.engine.connect() as conn:
                proof = consistency_proof(
                    conn, old_size=onchain, new_size=checkpoint.size, tree_size=local_size
                )
            try:
                merkle.verify_consistency(
                    old_size=onchain,
                    new_size=checkpoint.size,
                    old_root=contract.root_at(onchain),
                    new_root=bytes.fromhex(checkpoint.root),
                    proof=[bytes.fromhex(h) for h in proof["path"]],
                )
            except VerificationError as exc:
                raise LogDivergedError(
                    f"refusing to anchor: checkpoint {checkpoint.size} does not extend the root "
                    f"on chain at size {onchain} ({exc}); {RESTORE_HINT}"
                ) from exc
        return onchain

    def anchors(self) -> list[AnchorRecord]:
        """Every anchor of this deployment, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(anchors)
                .where(anchors.c.deployment_id == self.deployment.id)
                .order_by(anchors.c.id.desc())
            ).all()
        return [_anchor(r) for r in rows]

    # -- steps ---------------------------------------------------------------------------

    def _covering(self, size: int) -> AnchorRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(anchors)
                .where(
                    anchors.c.deployment_id == self.deployment.id,
                    anchors.c.state.in_(LIVE),
                    anchors.c.tree_size >= size,
                )
                .order_by(anchors.c.tree_size.desc())
                .limit(1)
            ).first()
        return None if row is None else _anchor(row)

    def _record(self, cp: StoredCheckpoint, raw: str, tx_hash: str, nonce: int) -> AnchorRecord:
        now = utc_now()
        with write_transaction(self.engine) as conn:
            # Lock the deployment row: two anchorers cannot both record for it.
            conn.execute(
                select(deployments.c.id)
                .where(deployments.c.id == self.deployment.id)
                .with_for_update()
            )
            existing = conn.execute(
                select(anchors).where(
                    anchors.c.deployment_id == self.deployment.id,
                    anchors.c.state.in_(LIVE),
                    anchors.c.tree_size >= cp.size,
                )
            ).first()
            if existing is not None:
                return _anchor(existing)
            new_id = conn.execute(
                insert(anchors).values(
                    deployment_id=self.deployment.id,
                    tree_size=cp.size,
                    root=cp.root,
                    nonce=nonce,
                    tx_hash=tx_hash,
                    raw_tx=raw,
                    state="recorded",
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            row = conn.execute(select(anchors).where(anchors.c.id == new_id)).one()
        return _anchor(row)

    def _send(self, raw: str) -> None:
        self.chain.call(
            "send the anchor transaction",
            lambda: self.chain.w3.eth.send_raw_transaction(raw),
        )

    def _set(self, record: AnchorRecord, **values: Any) -> AnchorRecord:
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(anchors)
                .where(anchors.c.id == record.id)
                .values(updated_at=utc_now(), **values)
            )
            row = conn.execute(select(anchors).where(anchors.c.id == record.id)).one()
        return _anchor(row)

    def _receipt(self, tx_hash: str) -> Any:
        from web3.exceptions import TransactionNotFound

        try:
            return self.chain.call(
                "read the receipt", lambda: self.chain.w3.eth.get_transaction_receipt(tx_hash)
            )
        except TransactionNotFound:
            return None

    def _known(self, tx_hash: str) -> bool:
        from web3.exceptions import TransactionNotFound

        try:
            self.chain.call(
                "look up the transaction", lambda: self.chain.w3.eth.get_transaction(tx_hash)
            )
        except TransactionNotFound:
            return False
        return True

    def _mined(self, record: AnchorRecord, receipt: Any) -> AnchorRecord | None:
        """Update from a receipt; ``None`` if its block is no longer canonical."""
        block_hash = "0x" + bytes(receipt["blockHash"]).hex()
        number = int(receipt["blockNumber"])
        canonical = self.chain.call("read the block", lambda: self.chain.w3.eth.get_block(number))
        if "0x" + bytes(canonical["hash"]).hex() != block_hash:
            return None
        if int(receipt["status"]) != 1:
            return self._set(
                record, state="failed", block_number=number, block_hash=block_hash,
                gas_used=int(receipt["gasUsed"]), detail="the transaction reverted",
            )  # fmt: skip
        head = int(self.chain.call("read the head", lambda: self.chain.w3.eth.block_number))
        state = "final" if head - number + 1 >= self.settings.confirmations else "anchored"
        return self._set(
            record, state=state, block_number=number, block_hash=block_hash,
            gas_used=int(receipt["gasUsed"]),
        )  # fmt: skip

    def _advance(self, record: AnchorRecord, *, raw: str | None = None) -> AnchorRecord:
        receipt = self._receipt(record.tx_hash)
        if receipt is not None:
            mined = self._mined(record, receipt)
            if mined is not None:
                return mined
        # Not mined (any more): still waiting, never sent, or dropped by a reorg.
        detail = record.detail
        if record.state in ("anchored", "final"):
            detail = f"dropped from block {record.block_number} by a reorg; sent again"
        if self._known(record.tx_hash):
            return self._set(record, state="pending", detail=detail)
        raw_tx = raw if raw is not None else self._raw(record)
        try:
            self._send(raw_tx)
        except ChainError:
            raise
        except Exception as exc:
            used = int(
                self.chain.call(
                    "read the nonce",
                    lambda: self.chain.w3.eth.get_transaction_count(self.account.address, "latest"),
                )
            )
            if used > record.nonce and self._receipt(record.tx_hash) is None:
                return self._set(
                    record, state="dropped",
                    detail=f"nonce {record.nonce} was used by another transaction",
                )  # fmt: skip
            raise ChainError(f"cannot send anchor transaction {record.tx_hash}: {exc}") from exc
        record = self._set(
            record, state="pending", detail=detail, block_number=None, block_hash=None
        )
        receipt = self._receipt(record.tx_hash)  # a dev chain mines at once
        mined = self._mined(record, receipt) if receipt is not None else None
        return mined or record

    def _raw(self, record: AnchorRecord) -> str:
        with self.engine.connect() as conn:
            return str(
                conn.execute(select(anchors.c.raw_tx).where(anchors.c.id == record.id)).scalar_one()
            )

    def _notice_lost_anchors(self) -> None:
        """A final anchor the contract no longer reflects (a reorg deeper than the
        confirmations, or a dev chain reverted) is advanced again: re-sent or dropped."""
        contract = AnchorContract(self.chain, self.deployment.address)
        onchain = contract.latest_tree_size()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(anchors).where(
                    anchors.c.deployment_id == self.deployment.id,
                    anchors.c.state == "final",
                    anchors.c.tree_size > onchain,
                )
            ).all()
        for row in rows:
            self._advance(_anchor(row), raw=str(row.raw_tx))

    def _wait(self, record: AnchorRecord) -> AnchorRecord:
        deadline = time.monotonic() + self.settings.wait_seconds
        while True:
            if record.state in UNFINISHED:
                record = self._advance(record)
            if record.state not in UNFINISHED or time.monotonic() >= deadline:
                return record
            self._sleep(self.settings.poll_seconds)
