"""The anchorer on the embedded chain (eth-tester + py-evm, a real EVM in process), with the
ledger on SQLite and PostgreSQL: anchoring once, reorgs, a vanished contract, and every kind of
bad configuration refused before anything is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import func, select

from provenance import Ledger, SigningKey
from provenance.chain.anchorer import (
    Anchorer,
    AnchorSettings,
    current_deployment,
    fund_dev_account,
    record_deployment,
)
from provenance.chain.contract import AnchorContract, Deployed, deploy, verify_anchor
from provenance.chain.endpoints import Chain, ChainSpec, connect
from provenance.chain.transactions import GWEI, FeePolicy
from provenance.chain.wallet import create_keystore, keystore_address, load_account
from provenance.errors import (
    AnchorError,
    ChainError,
    ChainUnavailableError,
    InputError,
    PassphraseError,
)
from provenance.log.transparency import StoredCheckpoint, TransparencyLog
from provenance.storage.tables import anchors

from ...samples import VINYL, Staff


@pytest.fixture
def chain() -> Chain:
    return connect(ChainSpec("embedded"))


@pytest.fixture
def account(chain: Chain) -> Any:
    acct = Account.create()
    fund_dev_account(chain, acct.address)
    return acct


@pytest.fixture
def log_key(ledger: Ledger) -> SigningKey:
    key = SigningKey.generate()
    TransparencyLog(ledger.engine).set_identity(key, store_name="Test Records")
    return key


def _checkpoint(ledger: Ledger, log_key: SigningKey) -> StoredCheckpoint:
    return TransparencyLog(ledger.engine).checkpoint(log_key)[0]


def _anchorer(ledger: Ledger, chain: Chain, account: Any, **settings: Any) -> Anchorer:
    deployed = deploy(chain, account, FeePolicy())
    deployment = record_deployment(ledger.engine, chain, deployed, deployer=account.address)
    return Anchorer(
        ledger.engine, chain, account, deployment, AnchorSettings(**settings), sleep=lambda _s: None
    )


def _events(chain: Chain, address: str) -> list[dict[str, Any]]:
    return AnchorContract(chain, address).anchored_events()


def _rows(ledger: Ledger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(anchors)).scalar_one())


def test_anchor_once(ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey) -> None:
    anchorer = _anchorer(ledger, chain, account)
    cp = _checkpoint(ledger, log_key)
    first = anchorer.anchor(cp)
    assert first.new and first.anchor is not None
    assert (first.anchor.state, first.anchor.tree_size, first.anchor.root) == ("final", 3, cp.root)
    contract = AnchorContract(chain, anchorer.deployment.address)
    verify_anchor(contract, tree_size=cp.size, root=bytes.fromhex(cp.root))
    assert contract.latest_tree_size() == 3
    # Anchoring the same checkpoint again sends nothing.
    again = anchorer.anchor(cp)
    assert not again.new and again.anchor == first.anchor
    assert len(_events(chain, contract.address)) == 1
    assert _rows(ledger) == 1
    # Gas is that of one storage slot and one event, whatever the size.
    assert first.anchor.gas_used is not None and first.anchor.gas_used < 60_000


def test_a_wrong_root_is_caught(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger, chain, account)
    cp = _checkpoint(ledger, log_key)
    anchorer.anchor(cp)
    contract = AnchorContract(chain, anchorer.deployment.address)
    with pytest.raises(AnchorError, match="the checkpoint says"):
        verify_anchor(contract, tree_size=cp.size, root=bytes(31) + b"\x01")
    with pytest.raises(AnchorError, match="no root anchored for tree size 2"):
        verify_anchor(contract, tree_size=2, root=bytes.fromhex(cp.root))


def test_later_checkpoints_anchor_in_order(
    ledger: Ledger, staff: Staff, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger, chain, account)
    sizes = []
    for _ in range(3):
        ledger.register(signer=staff.registrar, data=VINYL)
        outcome = anchorer.anchor(_checkpoint(ledger, log_key))
        assert outcome.anchor is not None
        sizes.append(outcome.anchor.tree_size)
    assert sizes == [4, 5, 6]
    events = _events(chain, anchorer.deployment.address)
    assert [e["tree_size"] for e in events] == [4, 5, 6]
    assert {e["by"] for e in events} == {account.address}


def test_reorg_drops_the_anchor_and_it_is_sent_again(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger, chain, account, confirmations=3, wait_seconds=0)
    cp = _checkpoint(ledger, log_key)
    snapshot = chain.tester.take_snapshot()
    mined = anchorer.anchor(cp).anchor
    assert mined is not None and mined.state == "anchored"  # 1 of 3 confirmations
    chain.tester.revert_to_snapshot(snapshot)  # the block with the anchor is gone
    contract = AnchorContract(chain, anchorer.deployment.address)
    assert contract.latest_tree_size() == 0
    (resent,) = anchorer.sync()
    assert resent.tx_hash == mined.tx_hash  # the same signed bytes, not a second transaction
    assert resent.state == "anchored" and "reorg" in (resent.detail or "")
    verify_anchor(contract, tree_size=cp.size, root=bytes.fromhex(cp.root))
    chain.tester.mine_blocks(2)
    (final,) = anchorer.sync()
    assert final.state == "final"
    assert len(_events(chain, contract.address)) == 1


def test_vanished_contract_on_a_dev_chain_is_redeployed(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    gone = record_deployment(
        ledger.engine,
        chain,
        Deployed(address="0x" + "11" * 20, tx_hash="0x" + "22" * 32, block_number=1, gas_used=0),
        deployer=account.address,
    )
    anchorer = Anchorer(ledger.engine, chain, account, gone, sleep=lambda _s: None)
    cp = _checkpoint(ledger, log_key)
    outcome = anchorer.anchor(cp)
    assert outcome.redeployed and outcome.deployment.id != gone.id
    assert outcome.anchor is not None and outcome.anchor.state == "final"
    current = current_deployment(ledger.engine, chain_id=chain.chain_id, ephemeral=True)
    assert current is not None and current.id == outcome.deployment.id


def test_missing_contract_on_a_real_network_is_an_error(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    # The same EVM, named as a public network would be: never redeployed silently.
    public = Chain(ChainSpec("https://rpc.example/v1", chain.chain_id), chain.w3, dev=False)
    assert not public.dev
    gone = record_deployment(
        ledger.engine,
        public,
        Deployed(address="0x" + "11" * 20, tx_hash="0x" + "22" * 32, block_number=1, gas_used=0),
        deployer=account.address,
    )
    anchorer = Anchorer(ledger.engine, public, account, gone)
    with pytest.raises(ChainError, match="no contract at 0x1111"):
        anchorer.anchor(_checkpoint(ledger, log_key))
    assert _rows(ledger) == 0


def test_fee_cap_below_the_network_fee(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger, chain, account)
    anchorer.settings = AnchorSettings(policy=FeePolicy(max_fee_wei=GWEI // 10))
    with pytest.raises(ChainError, match=r"above the cap of 0\.10 gwei"):
        anchorer.anchor(_checkpoint(ledger, log_key))
    assert _rows(ledger) == 0


def test_unfunded_account(ledger: Ledger, chain: Chain, log_key: SigningKey) -> None:
    poor = Account.create()
    with pytest.raises(ChainError, match=r"has 0\.000000 ETH"):
        deploy(chain, poor, FeePolicy())


def test_unauthorised_account_is_refused_before_recording(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    anchorer = _anchorer(ledger, chain, account)
    stranger = Account.create()
    fund_dev_account(chain, stranger.address)
    other = Anchorer(ledger.engine, chain, stranger, anchorer.deployment)
    with pytest.raises(ChainError, match=r"refuses this anchor: NotAnchorer\(address\)"):
        other.anchor(_checkpoint(ledger, log_key))
    assert _rows(ledger) == 0


def test_wrong_chain_id(chain: Chain) -> None:
    with pytest.raises(ChainError, match="not the expected 11155111"):
        Chain(ChainSpec("embedded", 11155111), chain.w3)


def test_rpc_down_is_retried_then_reported() -> None:
    slept: list[float] = []
    spec = ChainSpec.parse("http://127.0.0.1:9", 31337)
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(spec.url, exception_retry_configuration=None))
    with pytest.raises(ChainUnavailableError, match=r"after 4 tries \(connection refused\)"):
        Chain(spec, w3, retries=3, backoff=0.25, sleep=slept.append)
    assert slept == [0.25, 0.5, 1.0]


@pytest.mark.parametrize(
    ("text", "chain_id", "message"),
    [
        ("ropsten", None, "use 'embedded', 'hardhat' or an http"),
        ("ftp://node", 1, "use 'embedded'"),
        ("https://rpc.example", None, "give the chain id"),
    ],
)
def test_bad_chain_names(text: str, chain_id: int | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ChainSpec.parse(text, chain_id)


def test_credentials_stay_out_of_labels() -> None:
    spec = ChainSpec.parse("https://user:secret@rpc.example:8443/v3/KEY?token=abc", 1)
    assert spec.label == "https://rpc.example:8443"
    assert "secret" not in spec.label and "abc" not in spec.label


def test_keystore(tmp_path: Path) -> None:
    path = tmp_path / "eth" / "anchor.json"
    address = create_keystore(path, "correct horse")
    assert keystore_address(path) == address
    assert load_account(path, "correct horse").address == address
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        load_account(path, "wrong horse")
    with pytest.raises(InputError, match="never overwritten"):
        create_keystore(path, "correct horse")
    with pytest.raises(ChainError, match="no anchoring keystore"):
        load_account(tmp_path / "missing.json", "x")
    (tmp_path / "junk.json").write_text("{}")
    with pytest.raises(ChainError, match="not an Ethereum keystore"):
        load_account(tmp_path / "junk.json", "x")


def test_anchor_rows_keep_their_transaction(
    ledger: Ledger, chain: Chain, account: Any, log_key: SigningKey
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    anchorer = _anchorer(ledger, chain, account)
    anchorer.anchor(_checkpoint(ledger, log_key))
    for statement in (
        "UPDATE anchors SET tx_hash = '0x00'",
        "UPDATE anchors SET raw_tx = '0x00'",
        "UPDATE anchors SET tree_size = 99",
        "DELETE FROM anchors",
        "DELETE FROM deployments",
    ):
        with pytest.raises(DBAPIError, match="never"), ledger.engine.begin() as conn:
            conn.execute(text(statement))
    with ledger.engine.begin() as conn:  # the state is bookkeeping and may move on
        conn.execute(text("UPDATE anchors SET detail = 'checked'"))
