"""The buyer's page in a real headless Chromium (Debian's, driven by Playwright) at a phone
viewport, served over real HTTP on 127.0.0.1, reached by decoding real QR tags with zxing-cpp.

Cases: genuine item, wrong tag, revoked tag, stolen item, unanchored item, unknown item. Each
checks the visible verdict; screenshots go to ``test-artifacts/buyer-page/``.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from eth_account import Account
from PIL import Image
from sqlalchemy import Engine

from provenance import Ledger, SigningKey
from provenance.chain.anchorer import Anchorer, fund_dev_account, record_deployment
from provenance.chain.contract import deploy
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.hardhat import start_node, stop_node
from provenance.chain.transactions import FeePolicy
from provenance.ledger.schemas import EventType, Role
from provenance.log.transparency import TransparencyLog
from provenance.storage import make_engine, upgrade
from provenance.tags.codes import issue_tag, new_tag_code, render_png, tag_url
from provenance.tags.scans import scan_report

from ..samples import FILM, VINYL

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "buyer-page"
HARDHAT_PORT = 8549
OWNER, CONTACT = "Jane Example", "jane@example.com"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Shop:
    engine: Engine
    base: str
    genuine: str
    genuine_url: str
    revoked_url: str
    wrong_url: str
    stolen_url: str
    unanchored_url: str
    film_url: str


def _serve(engine: Engine, port: int) -> Iterator[None]:
    import uvicorn
    from provenance_api import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the app did not start"
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    if not (Path(__file__).resolve().parents[2] / "hardhat_local/node_modules/hardhat").exists():
        pytest.skip("hardhat_local/node_modules missing (scripts/test.sh runs npm ci)")
    tmp = tmp_path_factory.mktemp("shop")
    engine = make_engine(f"sqlite:///{tmp / 'ledger.db'}", create=True)
    upgrade(engine)
    admin, registrar, grader, log_key = (SigningKey.generate() for _ in range(4))
    ledger = Ledger(engine)
    ledger.initialise(store_name="Groove Vault", admin=admin, admin_name="admin")
    ledger.add_key(signer=admin, new_key=registrar, role=Role.REGISTRAR, name="rick")
    ledger.add_key(signer=admin, new_key=grader, role=Role.GRADER, name="anna")
    TransparencyLog(engine).set_identity(log_key, store_name="Groove Vault")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"

    def grade(item: str, media: str) -> None:
        data = {"kind": "vinyl", "media": media, "sleeve": "VG", "method": "play"}
        ledger.append(signer=grader, item=item, event_type=EventType.GRADE, data=data)

    genuine = ledger.register(signer=registrar, data=VINYL).event.item
    grade(genuine, "VG")
    grade(genuine, "VG+")
    ledger.transfer(signer=registrar, item=genuine, label=OWNER, contact=CONTACT)
    old = issue_tag(ledger, signer=registrar, item=genuine, base_url=base)
    tag = issue_tag(ledger, signer=registrar, item=genuine, base_url=base)  # revokes `old`
    stolen = ledger.register(signer=registrar, data=VINYL).event.item
    stolen_tag = issue_tag(ledger, signer=registrar, item=stolen, base_url=base)
    ledger.append(
        signer=registrar, item=stolen, event_type=EventType.STATUS, data={"status": "stolen"}
    )
    film = ledger.register(signer=registrar, data=FILM).event.item
    film_tag = issue_tag(ledger, signer=registrar, item=film, base_url=base)

    # Anchor everything so far on the real Hardhat node.
    state_dir = tmp / "hardhat"
    start_node(state_dir, HARDHAT_PORT)
    try:
        chain = connect(ChainSpec(f"http://127.0.0.1:{HARDHAT_PORT}", 31337))
        account = Account.create()
        fund_dev_account(chain, account.address)
        deployment = record_deployment(
            engine, chain, deploy(chain, account, FeePolicy()), deployer=account.address
        )
        cp, _ = TransparencyLog(engine).checkpoint(log_key)
        outcome = Anchorer(engine, chain, account, deployment).anchor(cp)
        assert outcome.anchor is not None and outcome.anchor.state == "final"
    finally:
        stop_node(state_dir, HARDHAT_PORT)

    late = ledger.register(signer=registrar, data=VINYL).event.item  # after the anchor
    late_tag = issue_tag(ledger, signer=registrar, item=late, base_url=base)
    serving = _serve(engine, port)
    next(serving)
    try:
        yield Shop(
            engine=engine,
            base=base,
            genuine=genuine,
            genuine_url=tag.url,
            revoked_url=old.url,
            wrong_url=tag_url(base, genuine, new_tag_code()),
            stolen_url=stolen_tag.url,
            unanchored_url=late_tag.url,
            film_url=film_tag.url,
        )
    finally:
        next(serving, None)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("PROVENANCE_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed (scripts/test.sh installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
        java_script_enabled=False,  # the page must work without it
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def _scan(url: str, label: str) -> str:
    """Render the tag as printed and decode it, as a phone camera would."""
    image = Image.open(io.BytesIO(render_png(url, label)))
    (decoded,) = [b.text for b in zxingcpp.read_barcodes(image)]
    return decoded


def _visit(page: Any, url: str, name: str) -> tuple[int, str]:
    response = page.goto(url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return int(response.status), str(page.inner_text("body"))


def test_genuine_item(shop: Shop, phone: Any) -> None:
    status, text = _visit(phone, _scan(shop.genuine_url, shop.genuine), "genuine")
    assert status == 200
    assert "✓ Genuine tag" in phone.inner_text("#verdict")
    assert "Blue Train" in text and "John Coltrane" in text and "BLP 1577" in text
    assert "BN-LP-1577-A" in text and "media VG+ / sleeve VG" in text
    assert "1 recorded owner" in text
    checks = phone.inner_text("#checks")
    for name in ("Signatures", "History chain", "In the public log", "Anchored on chain"):
        assert name in checks
    assert "✗" not in checks and "chain 31337, block" in checks and "final" in checks
    html = phone.content()
    assert OWNER not in html and CONTACT not in html
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_wrong_tag(shop: Shop, phone: Any) -> None:
    status, _ = _visit(phone, _scan(shop.wrong_url, shop.genuine), "wrong-tag")
    assert status == 200
    assert "NOT the tag bound to this item" in phone.inner_text("#verdict")


def test_revoked_tag(shop: Shop, phone: Any) -> None:
    _visit(phone, _scan(shop.revoked_url, shop.genuine), "revoked-tag")
    assert "REVOKED" in phone.inner_text("#verdict")


def test_stolen_item(shop: Shop, phone: Any) -> None:
    status, _ = _visit(phone, _scan(shop.stolen_url, "stolen"), "stolen")
    assert status == 200
    assert "recorded as STOLEN" in phone.inner_text("[role=alert]")
    assert "Genuine tag" in phone.inner_text("#verdict")


def test_unanchored_item(shop: Shop, phone: Any) -> None:
    _, text = _visit(phone, _scan(shop.unanchored_url, "late"), "unanchored")
    checks = phone.inner_text("#checks")
    assert "pending" in checks.lower() and "✗" not in checks
    assert "not anchored yet" in text


def test_film_print(shop: Shop, phone: Any) -> None:
    _, text = _visit(phone, _scan(shop.film_url, "film"), "film")
    assert "Film print" in text and "Carol Reed" in text


def test_unknown_item_and_malformed_links(shop: Shop, phone: Any) -> None:
    status, text = _visit(phone, f"{shop.base}/v/00000-00000-0?tag=ABC", "unknown")
    assert status == 404 and "There is no item 00000-00000-0" in text
    status, text = _visit(phone, f"{shop.base}/v/not-an-id", "malformed")
    assert status == 400 and "Not a valid item link" in text
    assert "Traceback" not in phone.content()


def test_scans_are_recorded_without_personal_data(shop: Shop, phone: Any) -> None:
    for _ in range(2):
        phone.goto(shop.wrong_url)
    report = scan_report(shop.engine, shop.genuine)
    assert report.by_verdict.get("wrong", 0) >= 2 and report.flags
    assert {r["client"] for r in report.recent} == {"mobile"}
    assert set(report.recent[0]) == {"at", "verdict", "client"}


def test_bundle_download(shop: Shop, phone: Any) -> None:
    from provenance.proof.verifier import verify_bundle

    response = phone.request.get(f"{shop.base}/v/{shop.genuine}/bundle.json")
    assert response.status == 200
    report = verify_bundle(response.body())
    assert report.ok and report.check("inclusion").status == "passed"
